"""GraphQL validation errors worded as AppSync (graphql-java) words them (appsync.md §3).

Every refusal here is HTTP 200, `data: null`, one entry `{path: null, locations, message}` with
graphql-java's "Validation error of type <Type>: <description> @ '<field path>'" text. The
templates are graphql-java's validation rules; AppSync answers quoting them are cited per test.
"""

from __future__ import annotations

import pytest

from appsync.bindings import Binding
from tests.conformance.errors.harness import post, refused, serve

pytestmark = pytest.mark.anyio

SDL = """
enum Colour { RED GREEN }
input AmountInput { amount: Int! currency: String! }
input OrderInput { ref: String! amount: AmountInput! colours: [Colour!] }
type Order { id: ID! ref: String amount: Int }
type Query {
  order(id: ID!): Order
  orders(limit: Int): [Order]
  version: String
}
type Mutation { createOrder(input: OrderInput!): Order }
"""
CODE = (
    "export function request(ctx) { return { payload: { id: 'o1', ref: 'r' } }; }\n"
    "export function response(ctx) { return ctx.result; }\n"
)


@pytest.fixture
async def client():
    bindings = [
        Binding(type_name=t, field_name=f, data_source="none", code="c.js")
        for t, f in [("Query", "order"), ("Query", "version"), ("Mutation", "createOrder")]
    ]
    async with serve(SDL, bindings=bindings, code={"c.js": CODE}) as http:
        yield http


CASES = {
    # graphql/graphql-over-http#81 (the AppSync team's own example).
    "field-undefined": (
        "{badfield}",
        "badfield",
        "Validation error of type FieldUndefined: Field 'badfield' in type 'Query' is undefined "
        "@ 'badfield'",
    ),
    # aws-amplify/amplify-android#1822: the path runs through the enclosing fields.
    "field-undefined-nested": (
        '{ order(id: "1") { id nope } }',
        "nope",
        "Validation error of type FieldUndefined: Field 'nope' in type 'Order' is undefined "
        "@ 'order/nope'",
    ),
    # aws-amplify/amplify-swift#854.
    "missing-field-argument": (
        "{ order { id } }",
        "order",
        "Validation error of type MissingFieldArgument: Missing field argument id @ 'order'",
    ),
    "unknown-argument": (
        '{ order(id: "1", colour: RED) { id } }',
        "colour",
        "Validation error of type UnknownArgument: Unknown field argument colour @ 'order'",
    ),
    "sub-selection-required": (
        '{ order(id: "1") }',
        "order",
        "Validation error of type SubSelectionRequired: Sub selection required for type Order "
        "of field order @ 'order'",
    ),
    "sub-selection-not-allowed": (
        "{ version { length } }",
        "version",
        "Validation error of type SubSelectionNotAllowed: Sub selection not allowed on leaf type "
        "String of field version @ 'version'",
    ),
    # The XSS write-ups quoting AppSync: "argument 'veterinaryId' with value
    # 'StringValue{value=...}' is not a valid 'Int' @ 'myInfo'", located at the argument.
    "wrong-type-scalar": (
        '{ orders(limit: "ten") { id } }',
        "limit",
        "Validation error of type WrongType: argument 'limit' with value "
        "'StringValue{value='ten'}' is not a valid 'Int' @ 'orders'",
    ),
    "wrong-type-nested": (
        'mutation { createOrder(input: {ref: "r", amount: {amount: 49.99, currency: "GBP"}}) '
        "{ id } }",
        "input",
        "Validation error of type WrongType: argument 'input.amount.amount' with value "
        "'FloatValue{value=49.99}' is not a valid 'Int' @ 'createOrder'",
    ),
    "wrong-type-enum-in-list": (
        'mutation { createOrder(input: {ref: "r", amount: {amount: 1, currency: "GBP"}, '
        "colours: [RED, BLUE]}) { id } }",
        "input",
        "Validation error of type WrongType: argument 'input.colours[1]' with value "
        "'EnumValue{name='BLUE'}' is not a valid 'Colour' @ 'createOrder'",
    ),
    # aws/aws-appsync-community#273: the whole argument value, the missing fields as a set.
    "wrong-type-missing-fields": (
        'mutation { createOrder(input: {amount: {amount: 1, currency: "GBP"}}) { id } }',
        "input",
        "Validation error of type WrongType: argument 'input' with value "
        "'ObjectValue{objectFields=[ObjectField{name='amount', value=ObjectValue{objectFields="
        "[ObjectField{name='amount', value=IntValue{value=1}}, ObjectField{name='currency', "
        "value=StringValue{value='GBP'}}]}}]}' is missing required fields '[ref]' "
        "@ 'createOrder'",
    ),
    "wrong-type-unknown-input-field": (
        'mutation { createOrder(input: {ref: "r", zz: 1, amount: {amount: 1, currency: "G"}}) '
        "{ id } }",
        "input",
        "Validation error of type WrongType: argument 'input' with value "
        "'ObjectValue{objectFields=[ObjectField{name='ref', value=StringValue{value='r'}}, "
        "ObjectField{name='zz', value=IntValue{value=1}}, ObjectField{name='amount', "
        "value=ObjectValue{objectFields=[ObjectField{name='amount', value=IntValue{value=1}}, "
        "ObjectField{name='currency', value=StringValue{value='G'}}]}}]}' contains a field not "
        "in 'OrderInput': 'zz' @ 'createOrder'",
    ),
    # graphql-java's own test: "argument 'characterNumber' with value 'NullValue{}' must not be
    # null @ 'name'".
    "wrong-type-null": (
        "{ order(id: null) { id } }",
        "id:",
        "Validation error of type WrongType: argument 'id' with value 'NullValue{}' must not be "
        "null @ 'order'",
    ),
    # AppSync answers quoted in amplify-swift issues: "Variable type 'String!' doesn't match
    # expected type 'ID!' @ 'getTeam1'", located at the variable reference.
    "variable-type-mismatch": (
        "query Q($id: String!) { order(id: $id) { id } }",
        "$id)",
        "Validation error of type VariableTypeMismatch: Variable type 'String!' doesn't match "
        "expected type 'ID!' @ 'order'",
    ),
    # Outside any field there is no " @ '...'" suffix ("Validation error of type UnknownType:
    # Unknown type AnswersInput", "... UnusedVariable: Unused variable nextToken").
    "unknown-type": (
        "query Q($x: Nope) { order(id: $x) { id } }",
        "Nope",
        "Validation error of type UnknownType: Unknown type Nope",
    ),
    "unused-variable": (
        'query Q($x: Int) { order(id: "1") { id } }',
        "$x",
        "Validation error of type UnusedVariable: Unused variable x",
    ),
    "undefined-variable": (
        "query Q { order(id: $id) { id } }",
        "$id",
        "Validation error of type UndefinedVariable: Undefined variable id @ 'order'",
    ),
    "undefined-fragment": (
        '{ order(id: "1") { ...Missing } }',
        "...Missing",
        "Validation error of type UndefinedFragment: Undefined fragment Missing @ 'order'",
    ),
    "unused-fragment": (
        'fragment F on Order { id } query { order(id: "1") { id } }',
        "fragment",
        "Validation error of type UnusedFragment: Unused fragment F",
    ),
    "unknown-directive": (
        '{ order(id: "1") @cached { id } }',
        "@cached",
        "Validation error of type UnknownDirective: Unknown directive cached @ 'order'",
    ),
    "misplaced-directive": (
        'query Q @include(if: true) { order(id: "1") { id } }',
        "@include",
        "Validation error of type MisplacedDirective: Directive include not allowed here",
    ),
}


@pytest.mark.parametrize(("query", "where", "message"), list(CASES.values()), ids=list(CASES))
async def test_validation_error_is_worded_as_appsync(client, query, where, message):
    response = await post(client, query)
    assert response.status_code == 200
    assert response.json() == refused(query, where, message)


async def test_each_missing_input_field_is_listed_once(client):
    """graphql-java reports one error per object with all its missing fields; graphql-core one
    per field: the emulator answers one entry."""
    query = 'mutation { createOrder(input: {amount: {currency: "GBP"}}) { id } }'
    errors = (await post(client, query)).json()["errors"]
    assert [e["message"] for e in errors] == [
        "Validation error of type WrongType: argument 'input' with value "
        "'ObjectValue{objectFields=[ObjectField{name='amount', value=ObjectValue{objectFields="
        "[ObjectField{name='currency', value=StringValue{value='GBP'}}]}}]}' is missing "
        "required fields '[ref]' @ 'createOrder'",
        "Validation error of type WrongType: argument 'input.amount' with value "
        "'ObjectValue{objectFields=[ObjectField{name='amount', value=ObjectValue{objectFields="
        "[ObjectField{name='currency', value=StringValue{value='GBP'}}]}}]}' is missing "
        "required fields '[amount]' @ 'createOrder'",
    ]
