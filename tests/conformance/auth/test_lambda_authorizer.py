"""AWS_LAMBDA authorizers: the event, the answer, caching (appsync.md §1.1 AWS_LAMBDA, §1.3, §1.5).

The authorizer below follows the developer guide's own example handler: the token decides.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from appsync.auth.iam import IamConfig
from appsync.auth.lambda_authorizer import LambdaAuthorizerConfig
from appsync.auth.modes import AuthMode
from appsync.config import ApiConfig
from tests.conformance.auth.conftest import Serve, post, unauthorized_401

pytestmark = pytest.mark.anyio

SDL = """
type User {
  name: String
  favoriteColor: String
  ssn: String
}
type Query {
  whoami: String
  user: User
  secret: String
}
"""
ARN = "arn:aws:appsync:eu-west-2:111122223333:apis/api123"


class Authorizer:
    """Records its events; answers by token, like the guide's example."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def __call__(self, event: dict[str, Any], _: Any) -> Any:
        self.events.append(event)
        token = event["authorizationToken"]
        if "Fail" in token:
            raise RuntimeError("Purposefully thrown exception in Lambda Authorizer.")
        if "Slow" in token:
            time.sleep(0.3)
        if "Context" in token:
            return {"isAuthorized": True, "resolverContext": {"tenant": "t-1", "tier": "gold"}}
        if "Partial" in token:
            return {
                "isAuthorized": True,
                "deniedFields": [
                    "User.favoriteColor",
                    f"{ARN}/types/Query/fields/secret",
                    # a field ARN of another API sharing the authorizer: not ours
                    "arn:aws:appsync:eu-west-2:111122223333:apis/other/types/User/fields/ssn",
                ],
            }
        if "NeverCache" in token:
            return {"isAuthorized": True, "ttlOverride": 0}
        if "Cache" in token:
            return {"isAuthorized": True, "ttlOverride": 300}
        if "Authorized" in token:
            return {"isAuthorized": True}
        if "Unauthorized" in token:
            return {"isAuthorized": False}
        return {}


def user_resolver(event: dict[str, Any], _: Any) -> Any:
    if event["info"]["fieldName"] == "user":
        return {"name": "ada", "favoriteColor": "green", "ssn": "123"}
    return json.dumps(event["identity"], sort_keys=True)


def config(authorizer: Authorizer, **settings: Any) -> ApiConfig:
    return ApiConfig(
        default_mode=AuthMode.LAMBDA,
        lambda_authorizer=LambdaAuthorizerConfig(
            handler=authorizer,
            api_id="api123",
            account_id="111122223333",
            region="eu-west-2",
            **settings,
        ),
    )


async def test_the_authorizer_gets_appsyncs_event(serve: Serve) -> None:
    """§1.1: {authorizationToken, requestContext {apiId, accountId, requestId, queryString,
    operationName, variables}, requestHeaders}."""
    authorizer = Authorizer()
    query = "query Me($x: Int) { whoami }"
    async with serve(SDL, config(authorizer)) as client:
        response = await post(
            client,
            query,
            headers={"authorization": "Authorized-1", "x-trace": "abc"},
            variables={"x": 1},
            operation_name="Me",
        )
    assert response.status_code == 200
    (event,) = authorizer.events
    context = event["requestContext"]
    assert event["authorizationToken"] == "Authorized-1"
    assert context["requestId"]
    assert {k: v for k, v in context.items() if k != "requestId"} == {
        "apiId": "api123",
        "accountId": "111122223333",
        "queryString": query,
        "operationName": "Me",
        "variables": {"x": 1},
    }
    assert event["requestHeaders"]["x-trace"] == "abc"
    assert event["requestHeaders"]["authorization"] == "Authorized-1"


async def test_resolver_context_becomes_ctx_identity_resolver_context(serve: Serve) -> None:
    """§1.1: `resolverContext` "appears as ctx.identity.resolverContext"."""
    async with serve(SDL, config(Authorizer())) as client:
        response = await post(client, "{ whoami }", headers={"authorization": "Context"})
    assert json.loads(response.json()["data"]["whoami"]) == {
        "resolverContext": {"tenant": "t-1", "tier": "gold"}
    }


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("Unauthorized", id="isAuthorized-false"),
        pytest.param("Fail", id="authorizer-raises"),
        pytest.param("Whatever", id="empty-answer"),
    ],
)
async def test_a_denial_an_exception_or_an_empty_answer_is_a_401(serve: Serve, token: str) -> None:
    """§1.1/§1.5: `isAuthorized: false`, a raised exception and `{}` are all unauthorized:
    HTTP 401 `UnauthorizedException` "You are not authorized to make this call."."""
    async with serve(SDL, config(Authorizer())) as client:
        response = await post(client, "{ whoami }", headers={"authorization": token})
    assert response.status_code == 401
    assert response.json() == unauthorized_401()


async def test_denied_fields_resolve_to_null_with_unauthorized_errors(serve: Serve) -> None:
    """§1.1/§1.3: `deniedFields` (short `Type.field` or this API's full field ARN) are forced to
    null; another API's ARN does not apply. Each carries the field-level Unauthorized entry."""
    async with serve(SDL, config(Authorizer()), handler=user_resolver) as client:
        response = await post(
            client,
            "{ user { name favoriteColor ssn } secret }",
            headers={"authorization": "Partial"},
        )
    body = response.json()
    assert response.status_code == 200
    assert body["data"] == {
        "user": {"name": "ada", "favoriteColor": None, "ssn": "123"},
        "secret": None,
    }
    assert sorted((e["path"], e["errorType"], e["message"]) for e in body["errors"]) == [
        (["secret"], "Unauthorized", "Not Authorized to access secret on type Query"),
        (
            ["user", "favoriteColor"],
            "Unauthorized",
            "Not Authorized to access favoriteColor on type User",
        ),
    ]


async def test_answers_are_cached_per_token_for_ttl_override(serve: Serve) -> None:
    """§1.1: answers are cached per API and token for `ttlOverride` seconds; 0 never caches;
    caching is off by default (`authorizerResultTtlInSeconds` 0)."""
    authorizer = Authorizer()
    async with serve(SDL, config(authorizer)) as client:
        for token in ("Cache", "Cache", "NeverCache", "NeverCache", "Authorized", "Authorized"):
            response = await post(client, "{ whoami }", headers={"authorization": token})
            assert response.status_code == 200
    tokens = [e["authorizationToken"] for e in authorizer.events]
    assert tokens == ["Cache", "NeverCache", "NeverCache", "Authorized", "Authorized"]


async def test_the_api_ttl_caches_answers_without_ttl_override(serve: Serve) -> None:
    """§1.1: "If no value is returned, the value from the API is used"."""
    authorizer = Authorizer()
    async with serve(SDL, config(authorizer, result_ttl_seconds=60)) as client:
        for _ in range(3):
            await post(client, "{ whoami }", headers={"authorization": "Authorized"})
        await post(client, "{ whoami }", headers={"authorization": "NeverCache"})
        await post(client, "{ whoami }", headers={"authorization": "NeverCache"})
    tokens = [e["authorizationToken"] for e in authorizer.events]
    assert tokens == ["Authorized", "NeverCache", "NeverCache"]


async def test_tokens_failing_the_validation_expression_never_reach_the_function(
    serve: Serve,
) -> None:
    """§1.1: "Any request using a token which does not match this regular expression will be
    denied automatically" (before the function is called)."""
    authorizer = Authorizer()
    async with serve(
        SDL, config(authorizer, identity_validation_expression="^Authorized-[0-9]+$")
    ) as client:
        refused = await post(client, "{ whoami }", headers={"authorization": "Authorized-x"})
        admitted = await post(client, "{ whoami }", headers={"authorization": "Authorized-7"})
    assert refused.status_code == 401
    assert refused.json() == unauthorized_401()
    assert admitted.status_code == 200
    assert [e["authorizationToken"] for e in authorizer.events] == ["Authorized-7"]


async def test_an_authorizer_past_its_timeout_is_unauthorized(serve: Serve) -> None:
    """§1.1/§8: the authorizer has a 10 s timeout (shortened here); a timeout is a 401."""
    async with serve(SDL, config(Authorizer(), timeout_seconds=0.05)) as client:
        response = await post(client, "{ whoami }", headers={"authorization": "Slow-Authorized"})
    assert response.status_code == 401
    assert response.json() == unauthorized_401()


async def test_with_iam_enabled_a_sigv4_header_never_reaches_the_authorizer(
    serve: Serve,
) -> None:
    """§1.1: with AWS_IAM also enabled, a SigV4 signature can't be the Lambda token."""
    authorizer = Authorizer()
    cfg = ApiConfig(
        default_mode=AuthMode.LAMBDA,
        additional_modes=(AuthMode.IAM,),
        lambda_authorizer=LambdaAuthorizerConfig(handler=authorizer),
        iam=IamConfig(region="us-east-1", principals=()),
    )
    header = (
        "AWS4-HMAC-SHA256 Credential=AKIDNOBODY/20240101/us-east-1/appsync/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64
    )
    async with serve(SDL, cfg) as client:
        response = await post(client, "{ whoami }", headers={"authorization": header})
    assert response.status_code == 401
    assert authorizer.events == []
