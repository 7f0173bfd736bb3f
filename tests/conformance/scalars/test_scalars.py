"""AWS scalars through the HTTP app, as literals and as variables (appsync.md §2, §3).

Each scalar's table lists values AppSync accepts and values it refuses, per the developer guide
("Scalar types"). Every case runs twice: as a literal in the document (refused by validation:
graphql-java's `WrongType` "argument 'v' with value '...' is not a valid 'AWSDate' @ 'echo'") and
as a variable (refused while coercing variables: "Variable 'v' has an invalid value. Unable to
parse `...` as a valid Date Object."). Accepted values reach the resolver unchanged, except AWSJSON,
which the resolver sees parsed and the response carries as a JSON string again.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from appsync.bindings import Binding
from tests.conformance.errors.harness import at, post, serve

pytestmark = pytest.mark.anyio

SCALARS = (
    "AWSDate",
    "AWSTime",
    "AWSDateTime",
    "AWSTimestamp",
    "AWSEmail",
    "AWSJSON",
    "AWSPhone",
    "AWSURL",
    "AWSIPAddress",
)
SDL = (
    "type Query {\n"
    + "".join(f"  echo{name}(v: {name}): {name}\n" for name in SCALARS)
    + "}\n"
    + "type Mutation { nothing: Int }\n"
)
# The NONE data source hands the argument back: the field returns what the resolver saw.
ECHO = (
    "export function request(ctx) { return { payload: ctx.args.v }; }\n"
    "export function response(ctx) { return ctx.result; }\n"
)

ACCEPTED: dict[str, list[Any]] = {
    # §2: YYYY-MM-DD with an optional offset Z or ±hh:mm(:ss).
    "AWSDate": ["1970-01-01", "1970-01-01Z", "1970-01-01-07:00", "1970-01-01+05:30:00"],
    # §2: hh:mm[:ss[.sss]] (1-9 fraction digits), optional offset.
    "AWSTime": ["12:30", "12:30:24", "12:30:24.500", "12:30:24.123456789Z", "23:59-07:00"],
    # §2: the offset is mandatory; sub-seconds optional up to nanoseconds; negative years.
    "AWSDateTime": [
        "2026-11-22T06:21:00Z",
        "2026-11-22T06:21Z",
        "2026-11-22T06:21:00.123456789+05:30",
        "-2017-01-01T00:00Z",
    ],
    # §2: integer seconds either side of the epoch.
    "AWSTimestamp": [0, 1_700_000_000, -1],
    # §2: local-part@domain-part (RFC 822).
    "AWSEmail": ["a@b.co", "first.last+tag@example.co.uk", "a@b"],
    # §2: a JSON string, any JSON value.
    "AWSJSON": ['{"a":[1,2]}', "[]", '"text"', "3"],
    # §2: spaces and hyphens between digit groups; no country code means NANP.
    "AWSPhone": ["+447700900001", "+1 206 555 0100", "206-555-0100"],
    # §2: RFC 1738 with a scheme.
    "AWSURL": ["https://www.amazon.com/dp/B000NZW3KC/", "mailto:example@example.com"],
    # §2: IPv4 or IPv6, optionally with a CIDR prefix.
    "AWSIPAddress": ["123.12.34.56", "123.12.34.56/24", "1a2b:3c4b::", "1a2b:3c4b::/32"],
}

REFUSED: dict[str, list[Any]] = {
    "AWSDate": ["2026-02-30", "2026-13-01", "26-01-01", "2026-01-01T00:00Z"],
    "AWSTime": ["24:00", "12:60", "noon", "12:30:24.1234567890"],
    "AWSDateTime": ["2026-11-22T06:21:00", "2026-02-30T00:00Z", "2026-11-22 06:21:00Z", "2019"],
    "AWSTimestamp": ["1700000000", 1.5],
    "AWSEmail": ["nope", "a b@c.com", "@example.com", "a@@b.com"],
    "AWSJSON": ["not json", "{'a': 1}"],
    "AWSPhone": ["call me", "+44--7700", "12"],
    "AWSURL": ["www.amazon.com", "https://host/a//b", "ht tp://x.y"],
    "AWSIPAddress": ["256.1.1.1", "1.2.3", "1.2.3.4/33"],
}
# How AppSync names each format in its coercion messages. DateTime Object, phone number and
# JSON are AppSync's own words (amplify-cli#2033, amplify-flutter#822, amplify-js code quoting
# "as valid JSON"); the rest follow the same pattern (UNVERIFIED, see appsync/scalars.py).
LABELS = {
    "AWSDate": "Date Object",
    "AWSTime": "Time Object",
    "AWSDateTime": "DateTime Object",
    "AWSTimestamp": "Timestamp",
    "AWSEmail": "email address",
    "AWSPhone": "phone number",
    "AWSURL": "URL",
    "AWSIPAddress": "IP address",
}


@pytest.fixture
async def client():
    bindings = [
        Binding(type_name="Query", field_name=f"echo{name}", data_source="none", code="echo.js")
        for name in SCALARS
    ]
    async with serve(SDL, bindings=bindings, code={"echo.js": ECHO}) as http:
        yield http


def _returning(payload: str) -> str:
    """A NONE-data-source resolver whose result is the JS expression `payload`."""
    return (
        f"export function request(ctx) {{ return {{ payload: {payload} }}; }}\n"
        "export function response(ctx) { return ctx.result; }\n"
    )


def _literal(value: Any) -> str:
    return json.dumps(value)  # a GraphQL string / int / float literal is its JSON text here


def _cases(table: dict[str, list[Any]]) -> list[tuple[str, Any]]:
    return [(scalar, value) for scalar, values in table.items() for value in values]


def _ids(cases: list[tuple[str, Any]]) -> list[str]:
    return [f"{scalar}-{value!r}" for scalar, value in cases]


@pytest.mark.parametrize(("scalar", "value"), _cases(ACCEPTED), ids=_ids(_cases(ACCEPTED)))
async def test_accepted_as_a_literal(client, scalar, value):
    query = f"{{ echo{scalar}(v: {_literal(value)}) }}"
    body = (await post(client, query)).json()
    assert body == {"data": {f"echo{scalar}": value}}


@pytest.mark.parametrize(("scalar", "value"), _cases(ACCEPTED), ids=_ids(_cases(ACCEPTED)))
async def test_accepted_as_a_variable(client, scalar, value):
    query = f"query Q($v: {scalar}) {{ echo{scalar}(v: $v) }}"
    body = (await post(client, query, {"v": value})).json()
    assert body == {"data": {f"echo{scalar}": value}}


@pytest.mark.parametrize(("scalar", "value"), _cases(REFUSED), ids=_ids(_cases(REFUSED)))
async def test_refused_as_a_literal(client, scalar, value):
    """§3: graphql-java's WrongType, at the argument, `path` null, HTTP 200."""
    query = f"{{ echo{scalar}(v: {_literal(value)}) }}"
    response = await post(client, query)
    kind = "StringValue{value='%s'}" if isinstance(value, str) else "FloatValue{value=%s}"
    if isinstance(value, int):
        kind = "IntValue{value=%s}"
    message = (
        f"Validation error of type WrongType: argument 'v' with value '{kind % value}' "
        f"is not a valid '{scalar}' @ 'echo{scalar}'"
    )
    assert response.status_code == 200
    assert response.json() == {
        "data": None,
        "errors": [{"path": None, "locations": at(query, "v:"), "message": message}],
    }


@pytest.mark.parametrize(("scalar", "value"), _cases(REFUSED), ids=_ids(_cases(REFUSED)))
async def test_refused_as_a_variable(client, scalar, value):
    """§3: AppSync's scalar message, at the variable's definition, `path` null, HTTP 200."""
    query = f"query Q($v: {scalar}) {{ echo{scalar}(v: $v) }}"
    response = await post(client, query, {"v": value})
    if scalar == "AWSJSON":
        problem = f"Unable to parse {value} as valid JSON."
    else:
        problem = f"Unable to parse `{value}` as a valid {LABELS[scalar]}."
    assert response.status_code == 200
    assert response.json() == {
        "data": None,
        "errors": [
            {
                "path": None,
                "locations": at(query, "$v:"),
                "message": f"Variable 'v' has an invalid value. {problem}",
            }
        ],
    }


async def test_awsjson_literal_must_be_a_string():
    """§2 + awslabs/aws-mobile-appsync-sdk-js#554: an object literal is not an AWSJSON value."""
    bindings = [
        Binding(type_name="Query", field_name="echoAWSJSON", data_source="none", code="e.js")
    ]
    async with serve(SDL, bindings=bindings, code={"e.js": ECHO}) as http:
        query = "{ echoAWSJSON(v: {upvotes: 10}) }"
        body = (await post(http, query)).json()
    assert body["errors"][0]["message"] == (
        "Validation error of type WrongType: argument 'v' with value "
        "'ObjectValue{objectFields=[ObjectField{name='upvotes', value=IntValue{value=10}}]}' "
        "is not a valid 'AWSJSON' @ 'echoAWSJSON'"
    )


async def test_awsjson_resolvers_see_the_parsed_value_and_results_go_out_as_strings():
    """§2: AWSJSON arrives in the resolver as a map/list, and is serialized back to a string."""
    code = _returning("{ seen: typeof ctx.args.v, v: ctx.args.v }")
    sdl = "type Query { json(v: AWSJSON): AWSJSON }"
    bindings = [Binding(type_name="Query", field_name="json", data_source="none", code="j.js")]
    async with serve(sdl, bindings=bindings, code={"j.js": code}) as http:
        body = (
            await post(http, "query Q($v: AWSJSON) { json(v: $v) }", {"v": '{"a":[1,2]}'})
        ).json()
    assert body == {"data": {"json": '{"seen":"object","v":{"a":[1,2]}}'}}


async def test_awstimestamp_results_are_integers():
    """§2: AWSTimestamp goes out as an integer number of seconds."""
    code = _returning("1700000000")
    sdl = "type Query { at: AWSTimestamp }"
    bindings = [Binding(type_name="Query", field_name="at", data_source="none", code="t.js")]
    async with serve(sdl, bindings=bindings, code={"t.js": code}) as http:
        body = (await post(http, "{ at }")).json()
    assert body == {"data": {"at": 1700000000}}


async def test_a_result_outside_the_format_is_a_serialization_error():
    """§3: a resolver result the scalar refuses: the field is null and the entry is
    "Can't serialize value (/path) : Unable to serialize `...` as a valid DateTime Object."
    (AppSync's wording, aws-amplify/amplify-js#5963; `locations` null there)."""
    code = _returning("'2020-05-23T06:4:37.000Z'")
    sdl = "type Query { at: AWSDateTime }"
    bindings = [Binding(type_name="Query", field_name="at", data_source="none", code="d.js")]
    async with serve(sdl, bindings=bindings, code={"d.js": code}) as http:
        body = (await post(http, "{ at }")).json()
    assert body == {
        "data": {"at": None},
        "errors": [
            {
                "path": ["at"],
                "data": None,
                "errorType": None,
                "errorInfo": None,
                "locations": None,
                "message": "Can't serialize value (/at) : Unable to serialize "
                "`2020-05-23T06:4:37.000Z` as a valid DateTime Object.",
            }
        ],
    }


async def test_a_bad_field_inside_an_input_names_the_innermost_field():
    """§3: AppSync's scalar coercion names the input field, not the variable: "Variable 'phone'
    has an invalid value. Unable to parse `1110004444` as a valid phone number."
    (aws-amplify/amplify-flutter#822)."""
    sdl = (
        "input PersonInput { name: String phone: AWSPhone }\n"
        "type Query { person(input: PersonInput): String }"
    )
    bindings = [Binding(type_name="Query", field_name="person", data_source="none", code="p.js")]
    async with serve(sdl, bindings=bindings, code={"p.js": ECHO}) as http:
        query = "query Q($input: PersonInput) { person(input: $input) }"
        body = (await post(http, query, {"input": {"name": "A", "phone": "phone"}})).json()
    assert body["errors"][0]["message"] == (
        "Variable 'phone' has an invalid value. Unable to parse `phone` as a valid phone number."
    )
