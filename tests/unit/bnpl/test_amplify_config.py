"""`bnpl amplify-config`: the local stack's Amplify JS v6 configuration, in both of Amplify's
shapes, pointing at the HTTPS listeners. (That aws-amplify accepts them is checked with the real
library in tests/integration/bnpl/test_amplify_config_node.py.)"""

from __future__ import annotations

import json

import pytest

from bnpl import cli
from bnpl.commands import amplify_config
from bnpl.settings import DevSettings

ENVIRON = {
    "BNPL_HOST": "127.0.0.1",
    "BNPL_APPSYNC_TLS_PORT": "14443",
    "BNPL_IDP_TLS_PORT": "14433",
    "AWS_REGION": "eu-west-2",
    "BNPL_USER_POOL_ID": "eu-west-2_bnplLocal",
    "BNPL_WEB_CLIENT_ID": "web-client-1",
}


@pytest.fixture
def settings(tmp_path, monkeypatch) -> DevSettings:
    for name, value in {**ENVIRON, "BNPL_DATA_DIR": str(tmp_path / "data")}.items():
        monkeypatch.setenv(name, value)
    return DevSettings.from_environ()


def test_the_configure_object_points_at_the_https_listeners(settings):
    assert amplify_config.resources_config(settings) == {
        "Auth": {
            "Cognito": {
                "userPoolId": "eu-west-2_bnplLocal",
                "userPoolClientId": "web-client-1",
                "userPoolEndpoint": "https://127.0.0.1:14433",
                "loginWith": {"email": True},
            }
        },
        "API": {
            "GraphQL": {
                "endpoint": "https://127.0.0.1:14443/graphql",
                "region": "eu-west-2",
                "defaultAuthMode": "userPool",
            }
        },
    }


def test_the_outputs_carry_the_same_pool_and_api_and_the_endpoint_in_custom(settings):
    outputs = amplify_config.outputs(settings)

    assert outputs["version"] == "1.3"
    assert outputs["auth"] == {
        "user_pool_id": "eu-west-2_bnplLocal",
        "aws_region": "eu-west-2",
        "user_pool_client_id": "web-client-1",
        "username_attributes": ["email"],
        "user_verification_types": ["email"],
    }
    assert outputs["data"] == {
        "url": "https://127.0.0.1:14443/graphql",
        "aws_region": "eu-west-2",
        "default_authorization_type": "AMAZON_COGNITO_USER_POOLS",
        "authorization_types": ["AWS_IAM"],
    }
    assert outputs["custom"] == {"user_pool_endpoint": "https://127.0.0.1:14433"}


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["amplify-config"], amplify_config.resources_config),
        (["amplify-config", "--outputs"], amplify_config.outputs),
    ],
)
def test_the_command_prints_the_json(settings, capsys, argv, expected):
    assert cli.main(argv) == 0

    printed = capsys.readouterr()
    assert json.loads(printed.out) == expected(settings)
    assert printed.err == ""


def test_both_files_are_written_into_the_data_folder(settings):
    written = amplify_config.write_files(settings)

    assert written == [
        settings.data_dir / "amplify-config.json",
        settings.data_dir / "amplify_outputs.json",
    ]
    assert json.loads(written[0].read_text()) == amplify_config.resources_config(settings)
    assert json.loads(written[1].read_text()) == amplify_config.outputs(settings)
    assert sorted(p.name for p in settings.data_dir.iterdir()) == [
        "amplify-config.json",
        "amplify_outputs.json",
    ]


def test_a_bad_port_setting_is_a_usage_error(monkeypatch, capsys):
    monkeypatch.setenv("BNPL_IDP_TLS_PORT", "four four three three")

    assert cli.main(["amplify-config"]) == 2
    assert "invalid setting" in capsys.readouterr().err
