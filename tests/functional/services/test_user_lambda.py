"""The user service's Lambda entry point, invoked with the events API Gateway sends it.

In AWS, AppSync's HTTP data source signs each call with SigV4; the HTTP API checks the signature
(IAM authorization) and invokes `services.user.lambda_handler.handler` with a payload format 2.0
event whose `requestContext.authorizer.iam` names AppSync's data source role. The shopper's token
rides in `x-forwarded-authorization`. These tests build exactly those events and run the real
entry point, reading its settings from the environment, against DynamoDB Local.
"""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from services.shared.settings import Settings
from services.user import lambda_handler
from tests.conftest import IdentityProvider, service_environ

pytestmark = pytest.mark.ddblocal

API_ID = "a1b2c3d4e5"
ACCOUNT_ID = "123456789012"
HOST = f"{API_ID}.execute-api.us-east-1.amazonaws.com"
# The session AppSync opens when it assumes the user_service data source's role.
APPSYNC_ROLE = "bnpl-dev-user_service-role"
APPSYNC_CALLER = f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{APPSYNC_ROLE}/APPSYNC_ASSUME_ROLE"
SIGV4 = (
    "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLEEXAMPLE/20261122/us-east-1/execute-api/aws4_request, "
    "SignedHeaders=accept;content-type;host;x-amz-date;x-amz-security-token;"
    "x-forwarded-authorization, Signature=" + "0" * 64
)
PROFILE = {"givenName": "Ada", "familyName": "Byron", "dateOfBirth": "1990-12-10"}


@dataclass
class LambdaContext:
    """The attributes of Lambda's context object that anything here reads."""

    function_name: str = "bnpl-dev-user-service"
    function_version: str = "$LATEST"
    invoked_function_arn: str = (
        f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:bnpl-dev-user-service"
    )
    memory_limit_in_mb: int = 512
    aws_request_id: str = "6f1c1b9e-0000-4000-8000-000000000000"
    log_group_name: str = "/aws/lambda/bnpl-dev-user-service"
    log_stream_name: str = "2026/11/22/[$LATEST]0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


def http_api_event(
    method: str,
    path: str,
    *,
    token: str | None = None,
    body: bytes | None = None,
    base64_body: bool = False,
    query: str = "",
) -> dict[str, Any]:
    """An HTTP API (payload format 2.0) event for a SigV4-signed call from AppSync.

    `$default` stage and route (IAM authorization): the shape API Gateway documents
    for Lambda proxy integrations, with the headers AppSync's HTTP resolvers send.
    """
    headers = {
        "accept": "application/json",
        "authorization": SIGV4,
        "host": HOST,
        "user-agent": "AWS AppSync",
        "x-amz-date": "20261122T101500Z",
        "x-amz-security-token": "IQoJb3JpZ2luX2VjEXAMPLE",
        "x-amzn-trace-id": "Root=1-6740b5a3-0123456789abcdef01234567",
        "x-forwarded-for": "3.80.10.20",
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
    }
    if token is not None:
        headers["x-forwarded-authorization"] = token
    if body is not None:
        headers["content-type"] = "application/json"
        headers["content-length"] = str(len(body))
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": API_ID,
            "authorizer": {
                "iam": {
                    "accessKey": "ASIAEXAMPLEEXAMPLE",
                    "accountId": ACCOUNT_ID,
                    "callerId": "AROAEXAMPLEEXAMPLE:APPSYNC_ASSUME_ROLE",
                    "cognitoIdentity": None,
                    "principalOrgId": None,
                    "userArn": APPSYNC_CALLER,
                    "userId": "AROAEXAMPLEEXAMPLE:APPSYNC_ASSUME_ROLE",
                }
            },
            "domainName": HOST,
            "domainPrefix": API_ID,
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "3.80.10.20",
                "userAgent": "AWS AppSync",
            },
            "requestId": f"{uuid.uuid4().hex[:14]}=",
            "routeKey": "$default",
            "stage": "$default",
            "time": "22/Nov/2026:10:15:00 +0000",
            "timeEpoch": 1_795_342_500_000,
        },
        "isBase64Encoded": base64_body,
    }
    if query:
        event["queryStringParameters"] = dict(
            part.split("=", 1) for part in query.split("&") if "=" in part
        )
    if body is not None:
        event["body"] = base64.b64encode(body).decode() if base64_body else body.decode()
    return event


@pytest.fixture
def handler(
    ddb_settings: Settings, identity_provider: IdentityProvider, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """The real entry point, with the environment Terraform gives the function: this module's
    tables on DynamoDB Local and the test identity provider. Each test starts cold."""
    environ = service_environ(identity_provider) | {
        "BNPL_DYNAMODB_ENDPOINT": str(ddb_settings.dynamodb_endpoint),
        "BNPL_TABLE_PREFIX": ddb_settings.table_prefix,
    }
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(lambda_handler, "_default", None)
    # Mangum runs the app on the thread's current event loop, which in Lambda lives as long as
    # the process; here each test gets its own and closes it, so none is left for the GC.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield lambda_handler.handler
    asyncio.set_event_loop(None)
    loop.close()


def invoke(handler: Any, event: dict[str, Any]) -> tuple[int, dict[str, Any], Any]:
    """Invoke like Lambda does and read the proxy response like API Gateway does."""
    response = handler(event, LambdaContext())
    assert set(response) >= {"statusCode", "headers", "body", "isBase64Encoded"}
    assert response["isBase64Encoded"] is False, "JSON answers go back as text"
    return response["statusCode"], response["headers"], json.loads(response["body"])


@pytest.fixture
def shopper(make_token: Any) -> tuple[str, str]:
    """A new customer's id and token."""
    sub = f"sub-{uuid.uuid4()}"
    return sub, make_token(sub=sub, email=f"{sub}@example.test")


class TestEntryPoint:
    def test_health_needs_no_token(self, handler):
        status, headers, body = invoke(handler, http_api_event("GET", "/health"))
        assert (status, body) == (200, {"status": "ok", "service": "user"})
        assert headers["content-type"] == "application/json"

    def test_the_app_is_built_once_per_execution_environment(self, handler):
        invoke(handler, http_api_event("GET", "/health"))
        first = lambda_handler._default
        invoke(handler, http_api_event("GET", "/health"))
        assert first is not None
        assert lambda_handler._default is first

    def test_settings_come_from_the_environment(self, handler, shopper, monkeypatch):
        # The function's environment names the app clients whose tokens count; a token of any
        # other client is refused, so the app read this variable when it was built.
        monkeypatch.setenv("BNPL_COGNITO_CLIENT_IDS", "some-other-client")
        status, _, body = invoke(handler, http_api_event("GET", "/customers/me", token=shopper[1]))
        assert (status, body["error"]) == (401, "UnauthorizedException")


class TestCustomers:
    def test_register_with_the_forwarded_token_then_read_it_back(self, handler, shopper, scan):
        sub, token = shopper
        payload = json.dumps(PROFILE).encode()
        status, _, customer = invoke(
            handler, http_api_event("POST", "/customers", token=token, body=payload)
        )
        assert status == 201
        assert customer == {
            "id": sub,
            "email": f"{sub}@example.test",
            "phone": None,
            **PROFILE,
            "address": None,
            "verificationStatus": "UNVERIFIED",
            "createdAt": customer["createdAt"],
        }
        assert any(item["id"]["S"] == sub for item in scan("customers"))

        status, _, me = invoke(handler, http_api_event("GET", "/customers/me", token=token))
        assert (status, me) == (200, customer)

    def test_a_base64_body_is_decoded(self, handler, shopper):
        sub, token = shopper
        payload = json.dumps({**PROFILE, "givenName": "Ada Ł."}).encode()
        status, _, customer = invoke(
            handler,
            http_api_event("POST", "/customers", token=token, body=payload, base64_body=True),
        )
        assert (status, customer["id"], customer["givenName"]) == (201, sub, "Ada Ł.")

    def test_a_query_string_reaches_the_app(self, handler, shopper):
        _, token = shopper
        event = http_api_event("GET", "/customers/me", token=token, query="fields=all")
        status, _, body = invoke(handler, event)
        # Not registered yet: the route ran, with the caller verified, whatever the query.
        assert (status, body["error"]) == (404, "NotFound")


class TestErrors:
    def test_invalid_input_answers_the_validation_error_shape(self, handler, shopper, scan):
        _, token = shopper
        before = scan("customers")
        payload = json.dumps({**PROFILE, "dateOfBirth": "1990-02-30"}).encode()
        status, headers, body = invoke(
            handler, http_api_event("POST", "/customers", token=token, body=payload)
        )
        assert status == 400
        assert headers["content-type"] == "application/json"
        assert body["error"] == "ValidationError"
        assert body["details"] == {"field": "dateOfBirth"}
        assert isinstance(body["message"], str)
        assert body["message"]
        assert scan("customers") == before

    def test_the_sigv4_signature_is_not_a_customer_token(self, handler):
        """API Gateway admitted AppSync's role, but the service still wants the shopper's JWT:
        the SigV4 `authorization` header alone gets a 401 (zero trust)."""
        status, _, body = invoke(handler, http_api_event("GET", "/customers/me"))
        assert (status, body) == (
            401,
            {
                "error": "UnauthorizedException",
                "message": "You are not authorized to make this call.",
            },
        )

    def test_a_forged_token_is_refused(self, handler, make_token, other_key):
        token = make_token(key=other_key)
        status, _, body = invoke(handler, http_api_event("GET", "/customers/me", token=token))
        assert (status, body["error"]) == (401, "UnauthorizedException")

    def test_an_unknown_route_is_not_found(self, handler, shopper):
        _, token = shopper
        status, _, body = invoke(handler, http_api_event("GET", "/nowhere", token=token))
        assert (status, body["error"]) == (404, "NotFound")
