"""API_KEY: `x-api-key`, key expiry, null identity (appsync.md §0 API_KEY row, §1.1, §1.5)."""

from __future__ import annotations

import time

import pytest

from appsync.auth.api_key import ApiKey, ApiKeyAuthenticator
from appsync.auth.iam import IamConfig
from appsync.auth.modes import AuthMode, Unauthenticated
from appsync.config import ApiConfig
from tests.conformance.auth.conftest import Serve, post, unauthorized_401

pytestmark = pytest.mark.anyio

LIVE = ApiKey(id="da2-live0000000000000000000", expires=int(time.time()) + 86_400)
EXPIRED = ApiKey(id="da2-expired00000000000000000", expires=int(time.time()) - 60)
SDL = """
type Query {
  whoami: String
}
"""
CONFIG = ApiConfig(default_mode=AuthMode.API_KEY, api_keys=(LIVE, EXPIRED))


async def test_a_live_key_is_admitted_and_the_identity_is_null(serve: Serve) -> None:
    """§0/§1.1: the key travels in `x-api-key`; resolvers see `ctx.identity` null."""
    async with serve(SDL, CONFIG) as client:
        response = await post(client, "{ whoami }", headers={"x-api-key": LIVE.id})
    assert response.status_code == 200
    assert response.json() == {"data": {"whoami": "null"}}


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"x-api-key": EXPIRED.id}, id="expired-key"),
        pytest.param({"x-api-key": "da2-nosuchkey"}, id="unknown-key"),
        pytest.param({"x-api-key": ""}, id="empty-key"),
        pytest.param({}, id="no-key"),
    ],
)
async def test_a_bad_or_missing_key_is_a_401_unauthorized_exception(
    serve: Serve, headers: dict[str, str]
) -> None:
    """§0 API_KEY row / §1.5: key must exist and be unexpired, else HTTP 401 with
    "You are not authorized to make this call." (the missing-key wording is UNVERIFIED)."""
    async with serve(SDL, CONFIG) as client:
        response = await post(client, "{ whoami }", headers=headers)
    assert response.status_code == 401
    assert response.json() == unauthorized_401()


def test_a_key_stops_working_at_its_expiry_second() -> None:
    """§1.1: keys carry an expiry (epoch seconds); at that second they are refused."""
    authenticator = ApiKeyAuthenticator([LIVE])
    assert authenticator.authenticate(LIVE.id, now=LIVE.expires - 1).mode is AuthMode.API_KEY
    with pytest.raises(Unauthenticated):
        authenticator.authenticate(LIVE.id, now=LIVE.expires)


async def test_an_api_key_does_not_open_fields_of_the_default_mode(serve: Serve) -> None:
    """§1.3: an additional mode reaches only fields whose directives name it: HTTP 200, the
    field null, `Not Authorized to access whoami on type Query`."""
    sdl = """
type Query {
  whoami: String
  public: String @aws_api_key
}
"""
    config = ApiConfig(
        default_mode=AuthMode.IAM,
        additional_modes=(AuthMode.API_KEY,),
        iam=IamConfig(region="us-east-1", principals=()),
        api_keys=(LIVE,),
    )
    async with serve(sdl, config) as client:
        allowed = await post(client, "{ public }", headers={"x-api-key": LIVE.id})
        denied = await post(client, "{ whoami }", headers={"x-api-key": LIVE.id})
    assert allowed.json() == {"data": {"public": "null"}}
    assert denied.status_code == 200
    assert denied.json() == {
        "data": {"whoami": None},
        "errors": [
            {
                "path": ["whoami"],
                "data": None,
                "errorType": "Unauthorized",
                "errorInfo": None,
                "locations": [{"line": 1, "column": 3, "sourceName": None}],
                "message": "Not Authorized to access whoami on type Query",
            }
        ],
    }
