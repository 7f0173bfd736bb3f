"""Resolver errors in AppSync's entry shape (appsync.md §3, §4).

Every entry carries `path, data, errorType, errorInfo, locations[{line, column, sourceName}],
message`, unset ones null. `util.error` nulls the field and filters `data` by the selection set
(`errorInfo` unfiltered); `util.appendError` lists the error and keeps the field's value; a Lambda
that raises gives `errorType` = the exception's class name and `message` = its message.
"""

from __future__ import annotations

from typing import Any

import pytest

from appsync.bindings import Binding
from tests.conformance.errors.harness import at, post, serve

pytestmark = pytest.mark.anyio

SDL = """
type Item { id: ID! name: String price: Int }
type Query {
  failing: Item
  appending: Item
  listed: [Item]
  lambdaItem(id: ID!): Item
}
"""
FAILING = (
    "import { util } from '@aws-appsync/utils';\n"
    "export function request(ctx) { return { payload: null }; }\n"
    "export function response(ctx) {\n"
    "  util.error('no stock', 'OutOfStock', { id: 'i1', name: 'Boots', price: 4999, secret: 's' },"
    " { retryAfter: 30, internal: { note: 'kept' } });\n"
    "}\n"
)
APPENDING = (
    "import { util } from '@aws-appsync/utils';\n"
    "export function request(ctx) { return { payload: { id: 'i2', name: 'Hat', price: 10 } }; }\n"
    "export function response(ctx) {\n"
    "  util.appendError('price is stale', 'Stale', { id: 'i2', price: 10 }, { age: 3 });\n"
    "  return ctx.result;\n"
    "}\n"
)
LISTED = (
    "import { util } from '@aws-appsync/utils';\n"
    "export function request(ctx) { return { payload: null }; }\n"
    "export function response(ctx) {\n"
    "  util.error('partial', 'LambdaFailure', [{ id: 'a', name: 'A', price: 1 }, { id: 'b' }]);\n"
    "}\n"
)


class NotFoundException(Exception):  # noqa: N818 - callers see this class name as errorType
    pass


def lambda_handler(event: dict[str, Any], context: Any) -> Any:
    item_id = event["arguments"]["id"]
    if item_id == "missing":
        raise NotFoundException(f"no item {item_id}")
    if item_id == "denied":
        raise type("UnauthorizedException", (Exception,), {})("internal detail")
    return {"id": item_id, "name": "n", "price": 1}


@pytest.fixture
async def client():
    bindings = [
        Binding(type_name="Query", field_name="failing", data_source="none", code="f.js"),
        Binding(type_name="Query", field_name="appending", data_source="none", code="a.js"),
        Binding(type_name="Query", field_name="listed", data_source="none", code="l.js"),
        Binding(type_name="Query", field_name="lambdaItem", data_source="items"),
    ]
    code = {"f.js": FAILING, "a.js": APPENDING, "l.js": LISTED}
    async with serve(SDL, bindings=bindings, code=code, lambdas={"items": lambda_handler}) as http:
        yield http


async def test_util_error_nulls_the_field_and_filters_data_by_selection(client):
    """§3: `util.error(message, errorType, data, errorInfo)`; `data` keeps only selected fields
    (aliases are AppSync's concern for the response, `data` keys by field name), `errorInfo` is
    passed through unfiltered."""
    query = "{ failing { id price } }"
    body = (await post(client, query)).json()
    assert body == {
        "data": {"failing": None},
        "errors": [
            {
                "path": ["failing"],
                "data": {"id": "i1", "price": 4999},
                "errorType": "OutOfStock",
                "errorInfo": {"retryAfter": 30, "internal": {"note": "kept"}},
                "locations": at(query, "failing"),
                "message": "no stock",
            }
        ],
    }


async def test_util_error_filters_every_item_of_list_data(client):
    """§3: the tutorial's `util.error(ctx.error.message, ctx.error.type, ctx.result)` with a
    list result: each item is filtered by the selection set."""
    query = "{ listed { name } }"
    body = (await post(client, query)).json()
    assert body["data"] == {"listed": None}
    assert body["errors"][0]["data"] == [{"name": "A"}, {}]
    assert body["errors"][0]["errorType"] == "LambdaFailure"


async def test_util_append_error_keeps_the_value_and_lists_the_error(client):
    """§3: `util.appendError` does not stop the handler; the field keeps its value."""
    query = "{ appending { id name } }"
    body = (await post(client, query)).json()
    assert body == {
        "data": {"appending": {"id": "i2", "name": "Hat"}},
        "errors": [
            {
                "path": ["appending"],
                "data": {"id": "i2"},
                "errorType": "Stale",
                "errorInfo": {"age": 3},
                "locations": at(query, "appending"),
                "message": "price is stale",
            }
        ],
    }


async def test_a_raising_lambda_gives_its_exception_name_as_error_type(client):
    """§4: a direct Lambda resolver that raises: `errorType` is the exception class name and
    `message` its `errorMessage`; the field is null."""
    query = '{ lambdaItem(id: "missing") { id } }'
    body = (await post(client, query)).json()
    assert body == {
        "data": {"lambdaItem": None},
        "errors": [
            {
                "path": ["lambdaItem"],
                "data": None,
                "errorType": "NotFoundException",
                "errorInfo": None,
                "locations": at(query, "lambdaItem"),
                "message": "no item missing",
            }
        ],
    }


async def test_unauthorized_exception_message_is_replaced(client):
    """§4: for `UnauthorizedException` AppSync replaces the function's message."""
    body = (await post(client, '{ lambdaItem(id: "denied") { id } }')).json()
    entry = body["errors"][0]
    assert (entry["errorType"], entry["message"]) == (
        "UnauthorizedException",
        "You are not authorized to make this call.",
    )
