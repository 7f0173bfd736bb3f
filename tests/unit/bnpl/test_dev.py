"""`bnpl dev` before and after the processes: prerequisites and the start-up banner."""

from __future__ import annotations

import socket

import jwt
import pytest

from bnpl import cli, dynamodb_local
from bnpl.commands.banner import banner
from bnpl.idp.keys import signing_key
from bnpl.personas import DEFAULT_PERSONA, PERSONAS
from bnpl.settings import SANDBOX_MERCHANT_ACCESS_KEY_ID, SANDBOX_MERCHANT_SECRET_ACCESS_KEY
from bnpl.tls import LocalTls, trust_instructions
from services.shared.settings import Settings


def test_without_java_it_names_what_to_install_and_exits_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH with no java on it
    monkeypatch.setenv("BNPL_DATA_DIR", str(tmp_path / "data"))

    assert cli.main(["dev", "--in-memory"]) == 2

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert "Java 17" in captured.err
    assert "openjdk-17-jre-headless" in captured.err
    assert not (tmp_path / "data").exists()  # nothing started, nothing written


def test_without_the_npm_package_it_says_run_npm_ci(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(dynamodb_local, "JAR_GLOB", "node_modules/not-installed/*.jar")
    monkeypatch.setenv("BNPL_DATA_DIR", str(tmp_path / "data"))

    assert cli.main(["dev", "--in-memory"]) == 2

    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "run `npm ci`" in err


def test_a_port_in_use_names_the_variable_to_change(tmp_path, monkeypatch, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        for name in ("APPSYNC", "USER", "IDP", "DYNAMODB", "APPSYNC_TLS", "IDP_TLS"):
            monkeypatch.setenv(f"BNPL_{name}_PORT", str(dynamodb_local.free_port()))
        monkeypatch.setenv("BNPL_CREDIT_PORT", str(port))
        monkeypatch.setenv("BNPL_DATA_DIR", str(tmp_path / "data"))

        assert cli.main(["dev", "--in-memory"]) == 2

    err = capsys.readouterr().err
    assert f"port {port} (credit) is in use" in err
    assert "BNPL_CREDIT_PORT" in err


def test_a_bad_port_setting_is_a_usage_error(monkeypatch, capsys):
    monkeypatch.setenv("BNPL_APPSYNC_PORT", "four thousand")
    assert cli.main(["dev"]) == 2
    assert "invalid setting" in capsys.readouterr().err


def test_banner_has_the_url_a_working_token_the_personas_sign_in_and_the_iam_keys(dev_settings):
    text = banner(dev_settings, ready_after_s=6.42)

    assert "ready in 6.4 s" in text
    assert dev_settings.graphql_url in text
    token = next(line for line in text.splitlines() if line.startswith("eyJ"))
    claims = jwt.decode(
        token,
        signing_key(dev_settings.signing_key_path).private_key.public_key(),
        algorithms=["RS256"],
        audience=dev_settings.web_client_id,
        issuer=dev_settings.issuer,
    )
    assert claims["sub"] == PERSONAS[DEFAULT_PERSONA].sub
    for persona in PERSONAS.values():
        assert any(
            line.split()
            == [persona.name, persona.email, persona.password, *persona.summary.split()]
            for line in text.splitlines()
        ), persona.name
    assert SANDBOX_MERCHANT_ACCESS_KEY_ID in text
    assert SANDBOX_MERCHANT_SECRET_ACCESS_KEY in text
    assert dev_settings.region in text


@pytest.mark.parametrize(
    ("variable", "owner"),
    [
        ("BNPL_APPSYNC_TLS_PORT", "appsync HTTPS"),
        ("BNPL_IDP_TLS_PORT", "idp HTTPS"),
        ("BNPL_WEB_PORT", "web"),
        ("BNPL_WEB_TLS_PORT", "web HTTPS"),
        ("BNPL_SHOP_PORT", "shop"),
        ("BNPL_SHOP_TLS_PORT", "shop HTTPS"),
    ],
)
def test_a_busy_https_port_names_its_variable(tmp_path, monkeypatch, capsys, variable, owner):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        names = (
            "APPSYNC",
            "USER",
            "CREDIT",
            "IDP",
            "DYNAMODB",
            "SCORING",
            "APPSYNC_TLS",
            "IDP_TLS",
            "WEB",
            "WEB_TLS",
            "SHOP",
            "SHOP_TLS",
        )
        for name in names:
            monkeypatch.setenv(f"BNPL_{name}_PORT", str(dynamodb_local.free_port()))
        monkeypatch.setenv(variable, str(port))
        monkeypatch.setenv("BNPL_DATA_DIR", str(tmp_path / "data"))

        assert cli.main(["dev", "--in-memory"]) == 2

    err = capsys.readouterr().err
    assert f"port {port} ({owner}) is in use" in err
    assert variable in err


def test_banner_has_the_https_and_wss_urls_the_amplify_files_and_how_to_trust_the_ca(
    dev_settings,
):
    text = banner(dev_settings, ready_after_s=5.0)

    graphql = f"https://{dev_settings.host}:{dev_settings.appsync_tls_port}/graphql"
    assert graphql in text.split()
    assert f"wss://{dev_settings.host}:{dev_settings.appsync_tls_port}/graphql/realtime" in text
    assert f"https://{dev_settings.host}:{dev_settings.idp_tls_port}" in text.split()
    assert str(dev_settings.data_dir / "amplify-config.json") in text.split()
    assert str(dev_settings.data_dir / "amplify_outputs.json") in text.split()
    assert "bnpl amplify-config" in text
    assert trust_instructions(LocalTls(dev_settings.tls_dir).ca_path) in text
    assert "(new: made by this run)" in banner(dev_settings, ready_after_s=5.0, ca_created=True)


def test_banner_has_the_demo_shop_and_the_checkout_page(dev_settings):
    words = banner(dev_settings, ready_after_s=5.0).split()
    assert f"https://{dev_settings.host}:{dev_settings.shop_tls_port}" in words
    page = f"https://{dev_settings.host}:{dev_settings.web_tls_port}/checkout/<checkoutId>"
    assert page in words


def test_the_credit_service_gets_the_page_url_and_local_http_return_urls(dev_settings):
    environ = dev_settings.service_environ()
    settings = Settings.from_environ(environ)
    assert settings.checkout_page_url == f"https://{dev_settings.host}:{dev_settings.web_tls_port}"
    assert settings.allow_local_http_redirects is True
    assert Settings.from_environ({}).allow_local_http_redirects is False
