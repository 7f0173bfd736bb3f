"""OPENID_CONNECT as AppSync verifies it (appsync.md §1.1 OPENID_CONNECT, §1.5, §0 OIDC row)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from appsync.auth.api_key import ApiKey
from appsync.auth.modes import AuthMode
from appsync.auth.oidc import OidcConfig
from appsync.config import ApiConfig
from tests.conformance.auth.conftest import IdentityProvider, Serve, post, unauthorized_401

pytestmark = pytest.mark.anyio

SDL = """
type Query {
  whoami: String
}
"""


def only_oidc(idp: IdentityProvider, **settings: Any) -> ApiConfig:
    return ApiConfig(default_mode=AuthMode.OIDC, oidc=OidcConfig(issuer=idp.issuer, **settings))


async def test_discovery_finds_the_jwks_and_the_identity_has_appsyncs_oidc_shape(
    serve: Serve, idp: IdentityProvider
) -> None:
    """§1.1: AppSync reads `<issuer>/.well-known/openid-configuration` for `jwks_uri`; resolvers
    see `ctx.identity` = {sub, issuer, claims} (the OIDC identity of the context reference)."""
    before = idp.discovery_requests
    token = idp.oidc_token()
    async with serve(SDL, only_oidc(idp, client_id="web-app")) as client:
        first = await post(client, "{ whoami }", headers={"authorization": token})
        again = await post(client, "{ whoami }", headers={"authorization": f"Bearer {token}"})
    claims = json.loads(first.json()["data"]["whoami"])
    assert claims == {
        "sub": "oidc-user-1",
        "issuer": idp.issuer,
        "claims": {
            "sub": "oidc-user-1",
            "iss": idp.issuer,
            "aud": "web-app",
            "iat": claims["claims"]["iat"],
            "exp": claims["claims"]["exp"],
            "email": "grace@example.test",
        },
    }
    assert again.json() == first.json()
    assert idp.discovery_requests == before + 1


async def test_a_configured_jwks_url_skips_discovery(serve: Serve, idp: IdentityProvider) -> None:
    before = idp.discovery_requests
    async with serve(SDL, only_oidc(idp, jwks_url=idp.jwks_url)) as client:
        response = await post(client, "{ whoami }", headers={"authorization": idp.oidc_token()})
    assert response.status_code == 200
    assert idp.discovery_requests == before


@pytest.mark.parametrize("algorithm", ["RS256", "RS512", "PS256", "ES256"])
async def test_the_documented_asymmetric_algorithms_verify(
    serve: Serve, idp: IdentityProvider, algorithm: str
) -> None:
    """§1.1: RS256/384/512, PS256/384/512 and ES256/384/512 are accepted."""
    async with serve(SDL, only_oidc(idp)) as client:
        token = idp.oidc_token(algorithm=algorithm)
        response = await post(client, "{ whoami }", headers={"authorization": token})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("claims", "admitted"),
    [
        pytest.param({"aud": "web-app"}, True, id="aud-matches"),
        pytest.param({"aud": ["other", "mobile-app"]}, True, id="aud-list-matches"),
        pytest.param({"aud": "other", "azp": "mobile-app"}, True, id="azp-matches"),
        pytest.param({"aud": "other"}, False, id="neither-matches"),
        pytest.param({"aud": "web-app-2"}, False, id="regex-is-whole-match"),
    ],
)
async def test_client_id_regex_matches_aud_or_azp(
    serve: Serve, idp: IdentityProvider, claims: dict[str, object], admitted: bool
) -> None:
    """§1.1: "AWS AppSync validates the claim by requiring the clientId to match with either the
    aud or azp claim"; §1.5: a mismatch answered 401 `Unauthorized` (community issue #115)."""
    async with serve(SDL, only_oidc(idp, client_id="web-app|mobile-app")) as client:
        token = idp.oidc_token(**claims)
        response = await post(client, "{ whoami }", headers={"authorization": token})
    if admitted:
        assert response.status_code == 200
    else:
        assert response.status_code == 401
        assert response.json() == unauthorized_401("Unauthorized")


@pytest.mark.parametrize(
    ("settings", "claims", "message"),
    [
        pytest.param({}, {"exp": int(time.time()) - 5}, "Token has expired.", id="expired"),
        pytest.param(
            {"iat_ttl_ms": 60_000},
            {"iat": int(time.time()) - 120},
            "Token has expired.",
            id="older-than-iatTTL",
        ),
        pytest.param(
            {"auth_ttl_ms": 60_000},
            {"auth_time": int(time.time()) - 120},
            "Token has expired.",
            id="older-than-authTTL",
        ),
        pytest.param({}, {"iat": None}, "You are not authorized to make this call.", id="no-iat"),
    ],
)
async def test_time_limits_and_required_iat(
    serve: Serve,
    idp: IdentityProvider,
    settings: dict[str, int],
    claims: dict[str, object],
    message: str,
) -> None:
    """§1.1: `iat` is required; `iatTTL` and `authTTL` (milliseconds) bound a token's age."""
    async with serve(SDL, only_oidc(idp, **settings)) as client:
        response = await post(
            client, "{ whoami }", headers={"authorization": idp.oidc_token(**claims)}
        )
    assert response.status_code == 401
    assert response.json() == unauthorized_401(message)


async def test_within_the_ttls_a_token_passes(serve: Serve, idp: IdentityProvider) -> None:
    now = int(time.time())
    async with serve(SDL, only_oidc(idp, iat_ttl_ms=60_000, auth_ttl_ms=60_000)) as client:
        token = idp.oidc_token(iat=now - 10, auth_time=now - 10)
        response = await post(client, "{ whoami }", headers={"authorization": token})
    assert response.status_code == 200


async def test_issuer_is_checked_only_when_oidc_is_not_the_only_mode(
    serve: Serve, idp: IdentityProvider
) -> None:
    """§1.1: "when an API is configured with only OPENID_CONNECT authorization, AWS AppSync skips
    this issuer URL validation step"; with other modes the `iss` must be the issuer."""
    foreign = idp.oidc_token(iss="https://another-issuer.example")
    async with serve(SDL, only_oidc(idp)) as client:
        alone = await post(client, "{ whoami }", headers={"authorization": foreign})
    multi = ApiConfig(
        default_mode=AuthMode.OIDC,
        additional_modes=(AuthMode.API_KEY,),
        oidc=OidcConfig(issuer=idp.issuer),
        api_keys=(ApiKey(id="da2-k", expires=int(time.time()) + 60),),
    )
    async with serve(SDL, multi) as client:
        with_others = await post(client, "{ whoami }", headers={"authorization": foreign})
    assert alone.status_code == 200
    assert with_others.status_code == 401
    assert with_others.json() == unauthorized_401()


async def test_a_token_signed_by_another_key_is_refused(
    serve: Serve, idp: IdentityProvider
) -> None:
    header, payload, _ = idp.oidc_token().split(".")
    _, _, foreign_signature = idp.oidc_token(sub="someone-else").split(".")
    async with serve(SDL, only_oidc(idp)) as client:
        response = await post(
            client,
            "{ whoami }",
            headers={"authorization": f"{header}.{payload}.{foreign_signature}"},
        )
    assert response.status_code == 401
    assert response.json() == unauthorized_401()
