"""Variables that do not coerce, as AppSync reports them (appsync.md §3).

graphql-java stops at the first bad variable: one entry, `path` null, located at the variable's
definition, HTTP 200, `data` null.
"""

from __future__ import annotations

import pytest

from appsync.bindings import Binding
from tests.conformance.errors.harness import post, refused, serve

pytestmark = pytest.mark.anyio

SDL = """
enum Colour { RED GREEN }
input NestedInput { name: String! }
input OutsideInput { nested: NestedInput count: Int colour: Colour }
type Query { item(id: ID!): String }
type Mutation { createItem(outside_input: OutsideInput!): String }
"""
ECHO = (
    "export function request(ctx) { return { payload: 'ok' }; }\n"
    "export function response(ctx) { return ctx.result; }\n"
)
CREATE = "mutation M($outside_input: OutsideInput!) { createItem(outside_input: $outside_input) }"


@pytest.fixture
async def client():
    bindings = [
        Binding(type_name="Query", field_name="item", data_source="none", code="e.js"),
        Binding(type_name="Mutation", field_name="createItem", data_source="none", code="e.js"),
    ]
    async with serve(SDL, bindings=bindings, code={"e.js": ECHO}) as http:
        yield http


async def test_missing_non_null_variable(client):
    """§3: "Variable 'id' has coerced Null value for NonNull type 'ID!'"."""
    query = "query Q($id: ID!) { item(id: $id) }"
    body = (await post(client, query, {})).json()
    assert body == refused(
        query, "$id", "Variable 'id' has coerced Null value for NonNull type 'ID!'"
    )


async def test_missing_nested_required_field_names_the_variable_and_the_fields_type(client):
    """aws/aws-appsync-community#406: AppSync names the outer variable with the inner type."""
    body = (await post(client, CREATE, {"outside_input": {"nested": {}}})).json()
    assert body == refused(
        CREATE,
        "$outside_input",
        "Variable 'outside_input' has coerced Null value for NonNull type 'String!'",
    )


async def test_unknown_input_field(client):
    """aws/aws-appsync-community#273, trailing space included."""
    body = (await post(client, CREATE, {"outside_input": {"testa": "x"}})).json()
    assert body == refused(
        CREATE,
        "$outside_input",
        "The variables input contains a field that is not defined for input object type "
        "'OutsideInput' ",
    )


async def test_builtin_scalar_of_the_wrong_kind(client):
    """graphql-java's coercing message after "has an invalid value : " (wording UNVERIFIED for
    AppSync's graphql-java version; see appsync/variables.py)."""
    body = (await post(client, CREATE, {"outside_input": {"count": 1.5}})).json()
    assert body == refused(
        CREATE,
        "$outside_input",
        "Variable 'outside_input' has an invalid value : Expected type 'Int' but was 'Double'.",
    )


async def test_unknown_enum_value(client):
    """graphql-java: "Invalid input for Enum 'X'. No value found for name 'y'"."""
    body = (await post(client, CREATE, {"outside_input": {"colour": "BLUE"}})).json()
    assert body == refused(
        CREATE,
        "$outside_input",
        "Variable 'outside_input' has an invalid value : Invalid input for Enum 'Colour'. "
        "No value found for name 'BLUE'",
    )


async def test_only_the_first_bad_variable_is_reported(client):
    query = "query Q($a: ID!, $b: ID!) { x: item(id: $a) y: item(id: $b) }"
    body = (await post(client, query, {})).json()
    assert [e["message"] for e in body["errors"]] == [
        "Variable 'a' has coerced Null value for NonNull type 'ID!'"
    ]


async def test_unknown_operation_name(client):
    """graphql-java and graphql-core agree: "Unknown operation named 'B'."."""
    query = 'query A { item(id: "1") }'
    body = (await post(client, query, operationName="B")).json()
    assert body == {
        "data": None,
        "errors": [{"path": None, "locations": [], "message": "Unknown operation named 'B'."}],
    }
