"""The HTTP layer: malformed bodies, GET queries, introspection on/off (appsync.md §3, §8)."""

from __future__ import annotations

import json

import pytest

from appsync.bindings import Binding
from tests.conformance.errors.harness import URL, post, refused, serve

pytestmark = pytest.mark.anyio

SDL = """
type Query { hello(name: String): String }
type Mutation { greet(name: String!): String }
"""
HELLO = (
    "export function request(ctx) { return { payload: 'hello ' + (ctx.args.name || 'you') }; }\n"
    "export function response(ctx) { return ctx.result; }\n"
)
BINDINGS = [
    Binding(type_name="Query", field_name="hello", data_source="none", code="h.js"),
    Binding(type_name="Mutation", field_name="greet", data_source="none", code="h.js"),
]
MALFORMED = "MalformedHttpRequestException"


@pytest.fixture
async def client():
    async with serve(SDL, bindings=BINDINGS, code={"h.js": HELLO}) as http:
        yield http


def malformed(message: str) -> dict[str, object]:
    return {"errors": [{"errorType": MALFORMED, "message": message}]}


class TestMalformedBodies:
    """graphql/graphql-over-http#81 (the AppSync team): empty → 400 "Request body is empty.";
    "meow", "{}", "{}}", "[]" → 400 "Unable to parse GraphQL query.". AppSync takes no batched
    arrays of operations, so a non-empty one is refused the same way."""

    async def test_empty_body(self, client):
        response = await client.post(URL, content=b"")
        assert (response.status_code, response.json()) == (400, malformed("Request body is empty."))

    @pytest.mark.parametrize(
        "body", [b"meow", b"{}", b"{}}", b"[]", b'[{"query": "{ hello }"}]', b'{"query": 5}']
    )
    async def test_not_a_graphql_request(self, client, body):
        response = await client.post(URL, content=body)
        assert (response.status_code, response.json()) == (
            400,
            malformed("Unable to parse GraphQL query."),
        )

    async def test_a_document_that_does_not_parse(self, client):
        response = await post(client, "{ hello ")
        assert (response.status_code, response.json()) == (
            400,
            malformed("Unable to parse GraphQL query."),
        )


class TestGet:
    """graphql/graphql-over-http#81: "AppSync supports HTTP POST and GET for queries and
    mutations ... variables ... as query parameters in HTTP GET"."""

    async def test_query_with_variables_and_operation_name(self, client):
        params = {
            "query": "query A($n: String) { hello(name: $n) } query B { hello }",
            "variables": json.dumps({"n": "Ada"}),
            "operationName": "A",
        }
        response = await client.get(URL, params=params)
        assert (response.status_code, response.json()) == (200, {"data": {"hello": "hello Ada"}})

    async def test_mutation(self, client):
        params = {"query": 'mutation { greet(name: "Bo") }'}
        response = await client.get(URL, params=params)
        assert response.json() == {"data": {"greet": "hello Bo"}}

    async def test_validation_errors_are_the_same_as_over_post(self, client):
        query = "{ nope }"
        response = await client.get(URL, params={"query": query})
        assert response.json() == refused(
            query,
            "nope",
            "Validation error of type FieldUndefined: Field 'nope' in type 'Query' is undefined "
            "@ 'nope'",
        )

    async def test_needs_credentials_like_post(self, client):
        response = await client.get(URL, params={"query": "{ hello }"}, headers={"x-api-key": ""})
        assert response.status_code == 401

    @pytest.mark.parametrize(
        "params", [{}, {"query": "{ hello }", "variables": "{nope"}], ids=["no-query", "bad-json"]
    )
    async def test_a_request_that_is_not_graphql(self, client, params):
        response = await client.get(URL, params=params)
        assert (response.status_code, response.json()) == (
            400,
            malformed("Unable to parse GraphQL query."),
        )

    async def test_a_browser_gets_graphiql(self, client):
        """A browser opening the endpoint gets a page, never a GraphQL error: GraphiQL, or, as
        here, where the app was given no GraphiQL assets, what to install for it
        (tests/conformance/graphiql/ tests the page itself)."""
        response = await client.get(URL, headers={"accept": "text/html,application/xhtml+xml"})
        assert response.status_code == 503
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert "GraphiQL's assets are not installed" in response.text


class TestIntrospection:
    """§8 `introspectionConfig`: ENABLED by default; DISABLED → a validation error naming the
    introspection field as undefined (AppSync guide, "Using the introspection feature")."""

    async def test_enabled_by_default(self, client):
        body = (await post(client, "{ __schema { queryType { name } } }")).json()
        assert body == {"data": {"__schema": {"queryType": {"name": "Query"}}}}

    @pytest.mark.parametrize(
        ("query", "field"),
        [
            ("{ __schema { queryType { name } } }", "__schema"),
            ('{ __type(name: "Query") { name } }', "__type"),
        ],
    )
    async def test_disabled_refuses_schema_and_type(self, query, field):
        async with serve(
            SDL, bindings=BINDINGS, code={"h.js": HELLO}, introspection_config="DISABLED"
        ) as http:
            response = await post(http, query)
        assert response.json() == refused(
            query,
            field,
            f"Validation error of type FieldUndefined: Field '{field}' in type 'Query' is "
            f"undefined @ '{field}'",
        )

    async def test_disabled_still_answers_typename(self):
        async with serve(
            SDL, bindings=BINDINGS, code={"h.js": HELLO}, introspection_config="DISABLED"
        ) as http:
            body = (await post(http, "{ __typename hello }")).json()
        assert body == {"data": {"__typename": "Query", "hello": "hello you"}}
