"""The emulator over HTTP with a direct Lambda resolver: auth, errors, the Lambda event."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from appsync.api import AppSyncApi
from appsync.app import create_app
from appsync.auth.iam import IamConfig, IamPrincipal
from appsync.auth.modes import AuthMode
from appsync.bindings import Binding
from appsync.config import ApiConfig
from appsync.datasources.lambda_function import LambdaDataSource

pytestmark = pytest.mark.anyio

URL = "http://appsync.test/graphql"
SDL = """
type Item @aws_iam {
  id: ID!
  name: String!
  note: String @aws_cognito_user_pools
}
type Query {
  item(id: ID!, at: AWSDateTime, email: AWSEmail): Item @aws_iam
  secret: String
}
"""
PRINCIPAL = IamPrincipal(
    access_key_id="AKIDTESTMERCHANT0001",
    secret_access_key="test-secret",
    account_id="111122223333",
    user_arn="arn:aws:iam::111122223333:user/shop",
    username="shop",
)


class NotFound(Exception):  # noqa: N818 - the errorType callers see is this class name
    pass


class Handler:
    """A Lambda handler that records the events it gets."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        self.events.append(event)
        item_id = event["arguments"]["id"]
        if item_id == "missing":
            raise NotFound(f"no item {item_id}")
        if item_id == "denied":
            raise type("UnauthorizedException", (Exception,), {})("internal detail")
        return {"id": item_id, "name": f"item {item_id}", "note": "for cognito only"}


@pytest.fixture
def handler():
    return Handler()


@pytest.fixture
async def client(handler):
    api = AppSyncApi(
        sdl=SDL,
        config=ApiConfig(
            default_mode=AuthMode.IAM,
            iam=IamConfig(region="us-east-1", principals=(PRINCIPAL,)),
        ),
        bindings=[Binding(type_name="Query", field_name="item", data_source="items")],
        data_sources={"items": LambdaDataSource("items", handler=handler, function_name="items")},
        code_dir=Path(),
    )
    transport = httpx.ASGITransport(app=create_app(api))
    async with httpx.AsyncClient(transport=transport) as http:
        yield http


def signed_headers(body: bytes, *, secret: str = PRINCIPAL.secret_access_key) -> dict[str, str]:
    request = AWSRequest(
        method="POST", url=URL, data=body, headers={"content-type": "application/json"}
    )
    SigV4Auth(Credentials(PRINCIPAL.access_key_id, secret), "appsync", "us-east-1").add_auth(
        request
    )
    return dict(request.headers.items())


async def post(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None, **kw: Any
) -> httpx.Response:
    body = json.dumps({"query": query, "variables": variables}).encode()
    return await client.post(URL, content=body, headers=signed_headers(body, **kw))


async def test_direct_lambda_resolver_gets_appsyncs_event(client, handler):
    response = await post(client, "query Q($id: ID!) { item(id: $id) { id name } }", {"id": "i-1"})
    assert response.status_code == 200
    assert response.json() == {"data": {"item": {"id": "i-1", "name": "item i-1"}}}
    (event,) = handler.events
    assert event["arguments"] == {"id": "i-1"}
    assert event["identity"]["userArn"] == PRINCIPAL.user_arn
    assert event["source"] is None
    assert event["info"] == {
        "fieldName": "item",
        "parentTypeName": "Query",
        "variables": {"id": "i-1"},
        "selectionSetList": ["id", "name"],
        "selectionSetGraphQL": "{\n  id\n  name\n}",
    }
    assert event["request"]["headers"]["authorization"].startswith("AWS4-HMAC-SHA256")
    assert event["prev"] is None
    assert event["stash"] == {}


async def test_lambda_exception_name_is_the_error_type(client):
    response = await post(client, '{ item(id: "missing") { id } }')
    assert response.status_code == 200
    assert response.json() == {
        "data": {"item": None},
        "errors": [
            {
                "path": ["item"],
                "data": None,
                "errorType": "NotFound",
                "errorInfo": None,
                "locations": [{"line": 1, "column": 3, "sourceName": None}],
                "message": "no item missing",
            }
        ],
    }


async def test_unauthorized_exception_message_is_replaced(client):
    body = (await post(client, '{ item(id: "denied") { id } }')).json()
    assert body["errors"][0]["errorType"] == "UnauthorizedException"
    assert body["errors"][0]["message"] == "You are not authorized to make this call."


async def test_field_the_mode_may_not_read_is_null_with_unauthorized(client):
    body = (await post(client, '{ item(id: "i-2") { id note } }')).json()
    assert body["data"] == {"item": {"id": "i-2", "note": None}}
    (error,) = body["errors"]
    assert error["errorType"] == "Unauthorized"
    assert error["message"] == "Not Authorized to access note on type Item"
    assert error["path"] == ["item", "note"]


async def test_field_without_directives_admits_the_default_mode(client):
    # IAM is this API's default mode; an unbound field resolves to null, as on AppSync.
    assert (await post(client, "{ secret }")).json() == {"data": {"secret": None}}


class TestRequestRejections:
    async def test_unsigned_request_is_401(self, client):
        response = await client.post(URL, json={"query": "{ secret }"})
        assert response.status_code == 401
        assert response.json() == {
            "errors": [
                {
                    "errorType": "UnauthorizedException",
                    "message": "Valid authorization header not provided.",
                }
            ]
        }

    async def test_wrongly_signed_request_is_401(self, client, handler):
        response = await post(client, '{ item(id: "i-1") { id } }', secret="wrong")
        assert response.status_code == 401
        assert response.json()["errors"][0]["errorType"] == "UnauthorizedException"
        assert handler.events == []

    async def test_empty_body_is_400(self, client):
        response = await client.post(URL, content=b"", headers=signed_headers(b""))
        assert response.status_code == 400
        assert response.json() == {
            "errors": [
                {"errorType": "MalformedHttpRequestException", "message": "Request body is empty."}
            ]
        }

    async def test_non_json_body_is_400(self, client):
        body = b"query { secret }"
        response = await client.post(URL, content=body, headers=signed_headers(body))
        assert response.status_code == 400
        assert response.json()["errors"][0]["errorType"] == "MalformedHttpRequestException"

    async def test_oversized_body_is_refused_before_reading_it_all(self, client, handler):
        body = json.dumps({"query": "{ secret }", "pad": "x" * (1 << 20)}).encode()
        response = await client.post(URL, content=body, headers=signed_headers(body))
        assert response.status_code == 413
        assert handler.events == []

    async def test_unparseable_query_is_400(self, client):
        response = await post(client, "{ item(id: ")
        assert response.status_code == 400
        assert response.json()["errors"][0]["message"] == "Unable to parse GraphQL query."


class TestValidation:
    async def test_unknown_field_is_a_validation_error_and_no_resolver_runs(self, client, handler):
        body = (await post(client, "{ nope }")).json()
        assert body["data"] is None
        assert "nope" in body["errors"][0]["message"]
        assert handler.events == []

    @pytest.mark.parametrize(
        ("variables", "scalar"),
        [({"at": "2026-11-22T10:00:00"}, "AWSDateTime"), ({"email": "not-an-email"}, "AWSEmail")],
    )
    async def test_bad_scalar_variable_is_refused_before_the_resolver(
        self, client, handler, variables, scalar
    ):
        query = (
            "query Q($at: AWSDateTime, $email: AWSEmail) "
            '{ item(id: "x", at: $at, email: $email) { id } }'
        )
        body = (await post(client, query, variables)).json()
        assert body["data"] is None
        # graphql-java's wording, as AppSync sends it (appsync.md §3); the scalar's own detail
        # is the scalar conformance suite's business.
        (name,) = variables
        assert body["errors"][0]["message"].startswith(f"Variable '{name}' has an invalid value")
        assert scalar in query
        assert handler.events == []

    async def test_bad_scalar_literal_is_refused(self, client, handler):
        body = (await post(client, '{ item(id: "x", email: "nope") { id } }')).json()
        assert body["data"] is None
        message = body["errors"][0]["message"]
        assert message.startswith("Validation error of type WrongType: argument 'email'")
        assert "'AWSEmail'" in message
        assert handler.events == []

    async def test_unknown_operation_name(self, client, handler):
        body = json.dumps({"query": "query A { secret }", "operationName": "B"}).encode()
        response = await client.post(URL, content=body, headers=signed_headers(body))
        assert response.status_code == 200
        assert "Unknown operation named 'B'" in response.json()["errors"][0]["message"]
