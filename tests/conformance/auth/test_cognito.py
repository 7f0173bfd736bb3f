"""Cognito user pools: default action, app clients, groups, `@aws_auth` (appsync.md §1.1, §1.3,
§1.4)."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest

from appsync.auth.cognito import UserPoolConfig
from appsync.auth.iam import IamConfig
from appsync.auth.modes import AuthMode
from appsync.config import ApiConfig
from tests.conformance.auth.conftest import IdentityProvider, Serve, post, unauthorized_401

pytestmark = pytest.mark.anyio

POOL = "https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_Conform1"
IAM = IamConfig(region="eu-west-2", principals=())


def cognito_token(idp: IdentityProvider, **overrides: Any) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": "u-1",
        "iss": POOL,
        "aud": "web-app",
        "token_use": "id",
        "cognito:username": "ada",
        "iat": now,
        "exp": now + 600,
    }
    claims.update(overrides)
    return idp.sign({k: v for k, v in claims.items() if v is not None})


def pool(idp: IdentityProvider, **settings: Any) -> UserPoolConfig:
    return UserPoolConfig(issuer=POOL, jwks_url=idp.jwks_url, **settings)


def denied(field: str, type_name: str = "Query") -> tuple[str, str]:
    return ("Unauthorized", f"Not Authorized to access {field} on type {type_name}")


def outcome(body: dict[str, Any], field: str) -> Any:
    """The field's value, or its error's (errorType, message)."""
    for error in body.get("errors", []):
        if error["path"] == [field]:
            return (error["errorType"], error["message"])
    return body["data"][field]


SDL_SINGLE = """
type Query {
  open: String
  staff: String @aws_auth(cognito_groups: ["underwriters", "admins"])
  anyUser: String @aws_cognito_user_pools
}
"""


@pytest.mark.parametrize(
    ("action", "groups", "expected"),
    [
        # ALLOW: undirected fields are open to every signed-in user
        ("ALLOW", ["readers"], {"open": "ok", "staff": denied("staff"), "anyUser": "ok"}),
        ("ALLOW", ["admins"], {"open": "ok", "staff": "ok", "anyUser": "ok"}),
        # DENY: only fields whose directives name the user (or a group of theirs)
        ("DENY", ["readers"], {"open": denied("open"), "staff": denied("staff"), "anyUser": "ok"}),
        ("DENY", ["underwriters"], {"open": denied("open"), "staff": "ok", "anyUser": "ok"}),
    ],
)
async def test_default_action_and_aws_auth_groups_on_a_cognito_only_api(
    serve: Serve, idp: IdentityProvider, action: str, groups: list[str], expected: Any
) -> None:
    """§1.3: `@aws_auth(cognito_groups)` grants any one listed group; without it the user
    pool's `defaultAction` decides (ALLOW: every user, DENY: nobody)."""

    def answer(event: dict[str, Any], _: Any) -> str:
        return "ok"

    config = ApiConfig(default_mode=AuthMode.COGNITO, user_pool=pool(idp, default_action=action))
    token = cognito_token(idp, **{"cognito:groups": groups})
    async with serve(SDL_SINGLE, config, handler=answer) as client:
        response = await post(client, "{ open staff anyUser }", headers={"authorization": token})
    body = response.json()
    assert response.status_code == 200
    assert {f: outcome(body, f) for f in expected} == expected


async def test_aws_auth_is_ignored_on_a_multi_auth_api(
    serve: Serve, idp: IdentityProvider, caplog: pytest.LogCaptureFixture
) -> None:
    """§1.3: `@aws_auth` "works only in the context of AMAZON_COGNITO_USER_POOLS authorization
    with no additional authorization modes"; on a multi-auth API it is ignored (reported quirk,
    UNVERIFIED): the field falls back to the default mode."""
    config = ApiConfig(
        default_mode=AuthMode.COGNITO,
        additional_modes=(AuthMode.IAM,),
        user_pool=pool(idp),
        iam=IAM,
    )
    token = cognito_token(idp, **{"cognito:groups": ["readers"]})
    with caplog.at_level(logging.WARNING, logger="appsync"):
        async with serve(SDL_SINGLE, config) as client:
            response = await post(client, "{ staff }", headers={"authorization": token})
    assert response.json()["data"]["staff"] is not None
    assert "Query.staff: @aws_auth works only" in caplog.text


async def test_an_additional_cognito_pool_reaches_only_fields_that_name_it(
    serve: Serve, idp: IdentityProvider
) -> None:
    """§1.1/§1.3: as an additional mode Cognito has no default action; a field (or its type)
    must carry `@aws_cognito_user_pools`."""
    sdl = """
type Query {
  merchantOnly: String
  shared: String @aws_cognito_user_pools @aws_iam
  grouped: String @aws_cognito_user_pools(cognito_groups: ["admins"])
}
"""
    config = ApiConfig(
        default_mode=AuthMode.IAM,
        additional_modes=(AuthMode.COGNITO,),
        user_pool=pool(idp),
        iam=IAM,
    )
    token = cognito_token(idp, **{"cognito:groups": ["readers"]})
    async with serve(sdl, config) as client:
        response = await post(
            client, "{ merchantOnly shared grouped }", headers={"authorization": token}
        )
    body = response.json()
    assert outcome(body, "merchantOnly") == denied("merchantOnly")
    assert json.loads(outcome(body, "shared"))["sub"] == "u-1"
    assert outcome(body, "grouped") == denied("grouped")


@pytest.mark.parametrize(
    ("claims", "status"),
    [
        pytest.param({"aud": "web-app"}, 200, id="id-token-aud-matches"),
        pytest.param({"aud": "mobile-app"}, 401, id="id-token-aud-differs"),
        pytest.param(
            {"aud": None, "token_use": "access", "client_id": "web-app", "username": "ada"},
            200,
            id="access-token-client-id-matches",
        ),
        pytest.param(
            {"aud": None, "token_use": "access", "client_id": "web-app-x"},
            401,
            id="regex-matches-the-whole-id",
        ),
    ],
)
async def test_app_id_client_regex(
    serve: Serve, idp: IdentityProvider, claims: dict[str, Any], status: int
) -> None:
    """§1.1/§1.4: `appIdClientRegex` filters app clients: `aud` of ID tokens, `client_id` of
    access tokens (the claim used is UNVERIFIED, per Cognito's own verification rules)."""
    config = ApiConfig(
        default_mode=AuthMode.COGNITO, user_pool=pool(idp, app_id_client_regex="web-app|admin")
    )
    async with serve("type Query { me: String }", config) as client:
        response = await post(
            client, "{ me }", headers={"authorization": cognito_token(idp, **claims)}
        )
    assert response.status_code == status
    if status == 401:
        assert response.json() == unauthorized_401()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        pytest.param(
            {
                "default_mode": AuthMode.COGNITO,
                "additional_modes": (AuthMode.IAM,),
                "default_action": "DENY",
            },
            "must ALLOW",
            id="deny-with-additional-modes",
        ),
        pytest.param(
            {
                "default_mode": AuthMode.IAM,
                "additional_modes": (AuthMode.COGNITO,),
                "default_action": "DENY",
            },
            "no default action",
            id="additional-pool-with-default-action",
        ),
    ],
)
def test_cognito_default_actions_appsync_refuses(
    idp: IdentityProvider, settings: dict[str, Any], message: str
) -> None:
    """§1.1: an additional pool has no `defaultAction`; CloudFormation requires ALLOW on a
    default pool when additional providers exist."""
    action = settings.pop("default_action")
    with pytest.raises(ValueError, match=message):
        ApiConfig(**settings, user_pool=pool(idp, default_action=action), iam=IAM)
