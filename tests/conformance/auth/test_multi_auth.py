"""Multi-auth: which mode a request uses, field over type over default, the returned type's own
directives, and the identity each mode gives resolvers (appsync.md §1.1, §1.3, §1.5, §10.2)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from appsync.auth.api_key import ApiKey
from appsync.auth.cognito import UserPoolConfig
from appsync.auth.iam import IamConfig, IamPrincipal
from appsync.auth.lambda_authorizer import LambdaAuthorizerConfig
from appsync.auth.modes import AuthMode
from appsync.auth.oidc import OidcConfig
from appsync.config import ApiConfig
from tests.conformance.auth.conftest import (
    IdentityProvider,
    Serve,
    post,
    sigv4_headers,
    unauthorized_401,
)

pytestmark = pytest.mark.anyio

POOL = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Multi1"
KEY = ApiKey(id="da2-multi", expires=int(time.time()) + 3600)
MERCHANT = IamPrincipal(
    access_key_id="AKIDMULTIAUTH0000001",
    secret_access_key="multi-secret",
    account_id="123456789012",
    user_arn="arn:aws:iam::123456789012:user/merchant",
    username="merchant",
)


def lambda_authorizer(event: dict[str, Any], _: Any) -> dict[str, Any]:
    return {"isAuthorized": event["authorizationToken"] == "custom-ok", "resolverContext": {"k": 1}}


def every_mode(idp: IdentityProvider, *, default: AuthMode = AuthMode.COGNITO) -> ApiConfig:
    others = tuple(m for m in AuthMode if m is not default)
    return ApiConfig(
        default_mode=default,
        additional_modes=others,
        user_pool=UserPoolConfig(issuer=POOL, jwks_url=idp.jwks_url),
        iam=IamConfig(region="us-east-1", principals=(MERCHANT,)),
        api_keys=(KEY,),
        oidc=OidcConfig(issuer=idp.issuer, jwks_url=idp.jwks_url),
        lambda_authorizer=LambdaAuthorizerConfig(handler=lambda_authorizer),
    )


def cognito_token(idp: IdentityProvider, **extra: Any) -> str:
    now = int(time.time())
    claims = {
        "sub": "c-1",
        "iss": POOL,
        "aud": "web",
        "token_use": "id",
        "cognito:username": "ada",
        "cognito:groups": ["customers"],
        "iat": now,
        "exp": now + 600,
        **extra,
    }
    return idp.sign(claims)


async def send(client: Any, query: str, mode: AuthMode, idp: IdentityProvider) -> dict[str, Any]:
    """POST `query` with the credential of `mode`; the response body."""
    body = json.dumps({"query": query}).encode()
    headers: dict[str, str] = {"content-type": "application/json"}
    if mode is AuthMode.API_KEY:
        headers["x-api-key"] = KEY.id
    elif mode is AuthMode.IAM:
        headers = sigv4_headers(
            body,
            access_key_id=MERCHANT.access_key_id,
            secret_access_key=MERCHANT.secret_access_key,
            region="us-east-1",
        )
    elif mode is AuthMode.COGNITO:
        headers["authorization"] = cognito_token(idp)
    elif mode is AuthMode.OIDC:
        headers["authorization"] = idp.oidc_token()
    else:
        headers["authorization"] = "custom-ok"
    response = await client.post("http://appsync.test/graphql", content=body, headers=headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


WHO_SDL = """
type Query {
  who: String @aws_cognito_user_pools @aws_iam @aws_api_key @aws_oidc @aws_lambda
}
"""


async def test_the_credential_picks_the_mode_and_each_mode_has_its_identity(
    serve: Serve, idp: IdentityProvider
) -> None:
    """§10.2: `x-api-key` → API_KEY; SigV4 → AWS_IAM; a JWT of the pool → Cognito; of the OIDC
    issuer → OIDC; anything else → the Lambda authorizer. §1.4 and the context reference give
    each mode's `ctx.identity`."""
    async with serve(WHO_SDL, every_mode(idp)) as client:
        seen = {
            mode: json.loads((await send(client, "{ who }", mode, idp))["data"]["who"])
            for mode in AuthMode
        }
    assert seen[AuthMode.API_KEY] is None
    assert seen[AuthMode.IAM] == {
        "accountId": "123456789012",
        "cognitoIdentityAuthProvider": None,
        "cognitoIdentityAuthType": None,
        "cognitoIdentityId": None,
        "cognitoIdentityPoolId": None,
        "sourceIp": ["127.0.0.1"],
        "userArn": "arn:aws:iam::123456789012:user/merchant",
        "username": "merchant",
    }
    cognito = seen[AuthMode.COGNITO]
    assert {k: v for k, v in cognito.items() if k != "claims"} == {
        "sub": "c-1",
        "issuer": POOL,
        "username": "ada",
        "groups": ["customers"],
        "sourceIp": ["127.0.0.1"],
        "defaultAuthStrategy": "ALLOW",
    }
    assert cognito["claims"]["cognito:username"] == "ada"
    assert seen[AuthMode.OIDC]["sub"] == "oidc-user-1"
    assert seen[AuthMode.OIDC]["issuer"] == idp.issuer
    assert set(seen[AuthMode.OIDC]) == {"sub", "issuer", "claims"}
    assert seen[AuthMode.LAMBDA] == {"resolverContext": {"k": 1}}


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        pytest.param({}, "Valid authorization header not provided.", id="no-credential"),
        pytest.param({"x-api-key": "da2-wrong"}, None, id="bad-api-key"),
        pytest.param({"authorization": "custom-no"}, None, id="lambda-denies"),
        pytest.param(
            {
                "authorization": "AWS4-HMAC-SHA256 Credential=AKIDNOBODY/20240101/us-east-1/"
                "appsync/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + "0" * 64
            },
            "The security token included in the request is invalid.",
            id="unknown-iam-key",
        ),
    ],
)
async def test_request_level_refusals_are_401s(
    serve: Serve, idp: IdentityProvider, headers: dict[str, str], message: str | None
) -> None:
    """§1.5: missing or invalid credentials → HTTP 401 `UnauthorizedException`, no data."""
    async with serve(WHO_SDL, every_mode(idp)) as client:
        response = await post(client, "{ who }", headers=headers)
    assert response.status_code == 401
    assert response.json() == (unauthorized_401(message) if message else unauthorized_401())


async def test_expired_cognito_and_oidc_tokens_say_so(serve: Serve, idp: IdentityProvider) -> None:
    """§1.5: "Token has expired." for an expired JWT of either JWT mode."""
    past = int(time.time()) - 10
    async with serve(WHO_SDL, every_mode(idp)) as client:
        cognito = await post(
            client, "{ who }", headers={"authorization": cognito_token(idp, exp=past)}
        )
        oidc = await post(client, "{ who }", headers={"authorization": idp.oidc_token(exp=past)})
    for response in (cognito, oidc):
        assert response.status_code == 401
        assert response.json() == unauthorized_401("Token has expired.")


# The developer guide's own example ("Using additional authorization modes"), IAM default.
GUIDE_SDL = """
type Query {
  getPost(id: ID): Post
  getAllPosts: [Post] @aws_api_key
  getComments: [Comment] @aws_api_key
}
type Post @aws_api_key @aws_iam {
  id: ID!
  title: String
  restrictedContent: String! @aws_iam
}
type Comment {
  id: ID!
  text: String
}
"""


def posts(event: dict[str, Any], _: Any) -> Any:
    post_ = {"id": "p1", "title": "Hello", "restrictedContent": "members only"}
    field = event["info"]["fieldName"]
    if field == "getPost":
        return post_
    if field == "getAllPosts":
        return [post_]
    return [{"id": "c1", "text": "nice"}]


def guide_config() -> ApiConfig:
    return ApiConfig(
        default_mode=AuthMode.IAM,
        additional_modes=(AuthMode.API_KEY,),
        iam=IamConfig(region="us-east-1", principals=(MERCHANT,)),
        api_keys=(KEY,),
    )


async def test_field_directives_replace_type_directives(
    serve: Serve, idp: IdentityProvider
) -> None:
    """§1.3: "AWS_IAM authenticated requests could access restrictedContent, however, API_KEY
    requests wouldn't be able to access it"; a non-null denied field nulls its nearest nullable
    parent (here the list item)."""
    async with serve(GUIDE_SDL, guide_config(), handler=posts) as client:
        as_key = await send(
            client, "{ getAllPosts { id title restrictedContent } }", AuthMode.API_KEY, idp
        )
        as_iam = await send(
            client, "{ getPost(id: 1) { id title restrictedContent } }", AuthMode.IAM, idp
        )
    assert as_iam == {
        "data": {"getPost": {"id": "p1", "title": "Hello", "restrictedContent": "members only"}}
    }
    assert as_key == {
        "data": {"getAllPosts": [None]},
        "errors": [
            {
                "path": ["getAllPosts", 0, "restrictedContent"],
                "data": None,
                "errorType": "Unauthorized",
                "errorInfo": None,
                "locations": [{"line": 1, "column": 26, "sourceName": None}],
                "message": "Not Authorized to access restrictedContent on type Post",
            }
        ],
    }


async def test_fields_without_directives_take_the_default_mode_only(
    serve: Serve, idp: IdentityProvider
) -> None:
    """§1.3: "fields that don't have a directive are protected using AWS_IAM" (the default):
    an API-key caller is refused `getPost`, at HTTP 200, with data null."""
    async with serve(GUIDE_SDL, guide_config(), handler=posts) as client:
        body = await send(client, "{ getPost(id: 1) { id } }", AuthMode.API_KEY, idp)
        iam = await send(client, "{ getPost(id: 1) { id } }", AuthMode.IAM, idp)
    assert body["data"] == {"getPost": None}
    assert [e["message"] for e in body["errors"]] == [
        "Not Authorized to access getPost on type Query"
    ]
    assert iam == {"data": {"getPost": {"id": "p1"}}}


async def test_the_returned_type_must_allow_the_mode_too(
    serve: Serve, idp: IdentityProvider
) -> None:
    """§1.3: "Directives work at the field level so you need to give API_KEY access to the Post
    type too": `getComments @aws_api_key` returns `Comment`, which names no mode, so an API-key
    caller is refused every `Comment` field (the resolver of `getComments` itself runs)."""
    async with serve(GUIDE_SDL, guide_config(), handler=posts) as client:
        body = await send(client, "{ getComments { text } }", AuthMode.API_KEY, idp)
        non_null = await send(client, "{ getComments { id } }", AuthMode.API_KEY, idp)
        iam = await send(client, "{ getComments { text } }", AuthMode.IAM, idp)
    assert body["data"] == {"getComments": [{"text": None}]}
    assert [(e["path"], e["errorType"], e["message"]) for e in body["errors"]] == [
        (
            ["getComments", 0, "text"],
            "Unauthorized",
            "Not Authorized to access text on type Comment",
        )
    ]
    # `id: ID!` denied: the list item becomes null.
    assert non_null["data"] == {"getComments": [None]}
    # And the default mode may not call `getComments` at all: it names only API_KEY.
    assert iam["data"] == {"getComments": None}
    assert iam["errors"][0]["message"] == "Not Authorized to access getComments on type Query"


async def test_a_denied_non_null_root_field_nulls_data(serve: Serve, idp: IdentityProvider) -> None:
    """§1.5: "If the field is non-null, null propagates to the nearest nullable parent": for a
    root field, `data` itself becomes null."""
    sdl = """
type Query {
  required: String! @aws_iam
  other: String @aws_api_key
}
"""
    async with serve(sdl, guide_config()) as client:
        body = await send(client, "{ required other }", AuthMode.API_KEY, idp)
    assert body["data"] is None
    assert [e["message"] for e in body["errors"]] == [
        "Not Authorized to access required on type Query"
    ]
