"""The dev identity provider: Cognito-shaped tokens that verify against the JWKS it serves."""

from __future__ import annotations

import base64
import json
import stat
import time
from typing import Any

import httpx
import jwt
import pytest

from bnpl.idp.app import create_app
from bnpl.idp.keys import jwk_thumbprint
from bnpl.idp.tokens import mint_token
from bnpl.personas import PERSONAS
from bnpl.settings import DEV_SERVICE_CLIENT_SECRET, DevSettings

pytestmark = pytest.mark.anyio

ID_CLAIMS = {
    "sub",
    "iss",
    "aud",
    "token_use",
    "cognito:username",
    "cognito:groups",
    "email",
    "email_verified",
    "auth_time",
    "iat",
    "exp",
    "jti",
    "origin_jti",
    "event_id",
}
ACCESS_CLAIMS = {
    "sub",
    "iss",
    "version",
    "client_id",
    "token_use",
    "scope",
    "username",
    "cognito:groups",
    "auth_time",
    "iat",
    "exp",
    "jti",
    "origin_jti",
    "event_id",
}


@pytest.fixture
async def client(dev_settings):
    transport = httpx.ASGITransport(app=create_app(dev_settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://idp.test") as http:
        yield http


async def verify(
    client: httpx.AsyncClient, settings: DevSettings, token: str, *, audience: str | None = None
) -> dict[str, Any]:
    """Verify as a Cognito client does: the JWKS from the provider, RS256 only, iss pinned."""
    response = await client.get(f"/{settings.user_pool_id}/.well-known/jwks.json")
    assert response.status_code == 200
    keys = jwt.PyJWKSet.from_dict(response.json())
    kid = jwt.get_unverified_header(token)["kid"]
    key = keys[kid]
    claims: dict[str, Any] = jwt.decode(
        token,
        key.key,
        algorithms=["RS256"],
        issuer=settings.issuer,
        audience=audience,
        options={"verify_aud": audience is not None, "require": ["exp", "iat", "iss"]},
    )
    return claims


async def test_id_token_verifies_against_the_served_jwks_with_cognito_claims(client, dev_settings):
    issued = int(time.time()) - 10
    token = mint_token(
        dev_settings,
        sub="sandbox-approve",
        email="approve@sandbox.bnpl.test",
        groups=["customers"],
        now=issued,
        ttl_s=600,
    )
    claims = await verify(client, dev_settings, token, audience=dev_settings.web_client_id)

    assert set(claims) == ID_CLAIMS
    assert claims["token_use"] == "id"
    assert claims["sub"] == claims["cognito:username"] == "sandbox-approve"
    assert claims["aud"] == dev_settings.web_client_id
    assert claims["iss"] == dev_settings.issuer
    assert claims["cognito:groups"] == ["customers"]
    assert claims["email"] == "approve@sandbox.bnpl.test"
    assert claims["email_verified"] is True
    assert claims["iat"] == claims["auth_time"] == issued
    assert claims["exp"] == issued + 600
    assert jwt.get_unverified_header(token)["alg"] == "RS256"


async def test_access_token_has_client_id_and_scope_and_no_audience(client, dev_settings):
    token = mint_token(dev_settings, sub="u-1", groups=["underwriters"], token_use="access")
    claims = await verify(client, dev_settings, token)

    assert set(claims) == ACCESS_CLAIMS
    assert claims["token_use"] == "access"
    assert claims["client_id"] == dev_settings.web_client_id
    assert claims["username"] == "u-1"
    assert claims["scope"] == "aws.cognito.signin.user.admin"
    assert claims["version"] == 2
    assert claims["cognito:groups"] == ["underwriters"]


async def test_groups_claim_is_omitted_when_there_are_none(client, dev_settings):
    claims = await verify(client, dev_settings, mint_token(dev_settings, sub="u-2"))
    assert "cognito:groups" not in claims
    assert "email" not in claims


async def test_a_token_from_another_key_does_not_verify(client, dev_settings, fresh_settings):
    token = mint_token(fresh_settings, sub="u-3")
    with pytest.raises(KeyError):  # its kid is not in this provider's JWKS
        await verify(client, dev_settings, token)


def test_mint_token_rejects_bad_input(dev_settings):
    with pytest.raises(ValueError, match="sub"):
        mint_token(dev_settings, sub=" ")
    with pytest.raises(ValueError, match="ttl_s"):
        mint_token(dev_settings, sub="u", ttl_s=0)
    with pytest.raises(ValueError, match="token_use"):
        mint_token(dev_settings, sub="u", token_use="refresh")  # type: ignore[arg-type]


async def test_jwks_describes_an_rs256_signing_key(client, dev_settings):
    (jwk,) = (await client.get(f"/{dev_settings.user_pool_id}/.well-known/jwks.json")).json()[
        "keys"
    ]
    assert {jwk["kty"], jwk["alg"], jwk["use"]} == {"RSA", "RS256", "sig"}
    assert jwk["kid"] == jwk_thumbprint(jwk)
    assert "d" not in jwk  # never the private part


def test_kid_is_the_rfc_7638_thumbprint():
    # The example key and thumbprint of RFC 7638 §3.1.
    jwk = {
        "kty": "RSA",
        "e": "AQAB",
        "n": (
            "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tS"
            "oc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65"
            "YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyr"
            "dkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzK"
            "nqDKgw"
        ),
    }
    assert jwk_thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


async def test_key_persists_across_restarts(fresh_settings, monkeypatch):
    dev_settings = fresh_settings
    path = dev_settings.signing_key_path
    assert not path.exists()

    async def served_kid() -> str:
        transport = httpx.ASGITransport(app=create_app(dev_settings))
        async with httpx.AsyncClient(transport=transport, base_url="http://idp.test") as http:
            body = (await http.get(f"/{dev_settings.user_pool_id}/.well-known/jwks.json")).json()
        return str(body["keys"][0]["kid"])

    first = await served_kid()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    pem = path.read_bytes()
    monkeypatch.setattr("bnpl.idp.keys._KEY_CACHE", {})  # a new process: nothing in memory
    assert await served_kid() == first
    assert path.read_bytes() == pem


def test_an_unreadable_key_file_is_reported(fresh_settings):
    fresh_settings.signing_key_path.parent.mkdir(parents=True)
    fresh_settings.signing_key_path.write_text("not a key")
    with pytest.raises(ValueError, match="not a PEM RSA private key"):
        mint_token(fresh_settings, sub="u")


async def test_openid_configuration_points_at_the_served_endpoints(client, dev_settings):
    pool = dev_settings.user_pool_id
    config = (await client.get(f"/{pool}/.well-known/openid-configuration")).json()
    assert config["issuer"] == dev_settings.issuer
    assert config["jwks_uri"] == f"http://idp.test/{pool}/.well-known/jwks.json"
    assert config["token_endpoint"] == "http://idp.test/oauth2/token"
    assert config["id_token_signing_alg_values_supported"] == ["RS256"]


async def test_unknown_user_pool_is_not_found(client):
    response = await client.get("/us-east-1_other/.well-known/jwks.json")
    assert response.status_code == 404
    assert response.json()["error"] == "user_pool_not_found"


async def test_health(client):
    response = await client.get("/health")
    assert response.status_code == 200


# ---------------------------------------------------------------- client credentials


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def test_client_credentials_grant_issues_a_service_access_token(client, dev_settings):
    response = await client.post(
        "/oauth2/token",
        content="grant_type=client_credentials&scope=bnpl%2Fmerchant-proxy",
        headers={
            **FORM,
            "Authorization": basic(dev_settings.service_client_id, DEV_SERVICE_CLIENT_SECRET),
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    claims = await verify(client, dev_settings, body["access_token"])
    assert claims["sub"] == claims["client_id"] == dev_settings.service_client_id
    assert claims["token_use"] == "access"
    assert claims["scope"] == "bnpl/merchant-proxy"
    assert "aud" not in claims


async def test_client_credentials_in_the_form_body_work_too(client, dev_settings):
    response = await client.post(
        "/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": dev_settings.service_client_id,
            "client_secret": DEV_SERVICE_CLIENT_SECRET,
        },
    )
    assert response.status_code == 200, response.text
    claims = await verify(client, dev_settings, response.json()["access_token"])
    assert claims["client_id"] == dev_settings.service_client_id


@pytest.mark.parametrize(
    ("client_id", "secret"),
    [
        pytest.param("bnpl-local-credit-proxy", "wrong", id="wrong-secret"),
        pytest.param("bnpl-local-web", DEV_SERVICE_CLIENT_SECRET, id="other-client"),
        pytest.param("", "", id="no-credentials"),
    ],
)
async def test_bad_client_credentials_are_invalid_client(client, client_id, secret):
    response = await client.post(
        "/oauth2/token",
        content="grant_type=client_credentials",
        headers={**FORM, "Authorization": basic(client_id, secret)},
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert "access_token" not in response.json()


@pytest.mark.parametrize(
    ("body", "headers", "error"),
    [
        pytest.param("grant_type=password", FORM, "unsupported_grant_type", id="wrong-grant"),
        pytest.param("scope=bnpl%2Fmerchant-proxy", FORM, "invalid_request", id="no-grant"),
        pytest.param(
            "grant_type=client_credentials&scope=admin", FORM, "invalid_scope", id="bad-scope"
        ),
        pytest.param(
            "grant_type=client_credentials&grant_type=client_credentials",
            FORM,
            "invalid_request",
            id="repeated-parameter",
        ),
        pytest.param(
            '{"grant_type": "client_credentials"}',
            {"Content-Type": "application/json"},
            "invalid_request",
            id="json-body",
        ),
        pytest.param(
            f"grant_type=client_credentials&client_secret={DEV_SERVICE_CLIENT_SECRET}",
            FORM,
            "invalid_request",
            id="two-auth-methods",
        ),
    ],
)
async def test_bad_token_requests_get_oauth2_errors(client, dev_settings, body, headers, error):
    good = basic(dev_settings.service_client_id, DEV_SERVICE_CLIENT_SECRET)
    response = await client.post(
        "/oauth2/token", content=body, headers={**headers, "Authorization": good}
    )
    assert response.status_code == 400
    assert response.json()["error"] == error


# ---------------------------------------------------------------- dev tokens


async def test_dev_tokens_for_a_persona(client, dev_settings):
    response = await client.post("/dev/tokens", json={"persona": "underwriter"})
    assert response.status_code == 200
    claims = await verify(client, dev_settings, response.json()["token"])
    persona = PERSONAS["underwriter"]
    assert (claims["sub"], claims["email"]) == (persona.sub, persona.email)
    assert claims["cognito:groups"] == list(persona.groups)


async def test_dev_tokens_for_any_sub_as_an_access_token(client, dev_settings):
    response = await client.post(
        "/dev/tokens", json={"sub": "c-42", "groups": ["customers"], "tokenUse": "access"}
    )
    claims = await verify(client, dev_settings, response.json()["token"])
    assert (claims["sub"], claims["token_use"]) == ("c-42", "access")
    assert claims["cognito:groups"] == ["customers"]


@pytest.mark.parametrize(
    ("payload", "status", "error"),
    [
        pytest.param({"persona": "nobody"}, 400, "unknown_persona", id="unknown-persona"),
        pytest.param({"persona": ["approve"]}, 400, "unknown_persona", id="persona-list"),
        pytest.param({"persona": "approve", "sub": "x"}, 400, "invalid_request", id="both"),
        pytest.param({}, 400, "invalid_request", id="neither"),
        pytest.param({"sub": "x", "groups": "admins"}, 400, "invalid_request", id="groups-str"),
        pytest.param({"sub": "x", "tokenUse": "refresh"}, 400, "invalid_request", id="use"),
        pytest.param({"sub": "x", "admin": True}, 400, "invalid_request", id="unknown-field"),
        pytest.param(["sub"], 400, "invalid_request", id="not-an-object"),
    ],
)
async def test_bad_dev_token_requests(client, payload, status, error):
    response = await client.post("/dev/tokens", json=payload)
    assert response.status_code == status
    assert response.json()["error"] == error


async def test_dev_tokens_reject_malformed_json(client):
    response = await client.post("/dev/tokens", content=b"{not json")
    assert (response.status_code, response.json()["error"]) == (400, "invalid_json")
    assert json.loads(response.text)["message"]
