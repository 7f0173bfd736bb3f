"""Bad input through GraphQL: each gets a clear AppSync-shaped error and writes nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import pytest

from tests.conftest import MakeToken
from tests.integration.request_path.conftest import Stack
from tests.integration.request_path.documents import (
    CREATE,
    CREATE_LITERAL,
    ME,
    PROFILE,
    REGISTER,
    REGISTER_LITERAL,
    checkout_input,
    field_error,
    gql,
    malformed,
    refused,
)

pytestmark = [pytest.mark.anyio, pytest.mark.ddblocal]


@dataclass(frozen=True)
class Bad:
    caller: Literal["customer", "merchant"]
    body: Callable[[], bytes]
    status: int
    response: dict[str, Any]
    reaches: Literal["user", "credit"] | None = None


def register(**changes: Any) -> Callable[[], bytes]:
    profile = {k: v for k, v in {**PROFILE, **changes}.items() if v is not None}
    return lambda: gql(REGISTER, {"input": profile})


def create(amount: Any = 4999, currency: str = "GBP") -> Callable[[], bytes]:
    return lambda: gql(CREATE, {"input": checkout_input(amount, currency)})


def bad_variable(query: str, message: str) -> dict[str, Any]:
    """A variable that does not coerce, in AppSync's wording (appsync.md §3)."""
    return refused(query, "$input", message)


def invalid(query: str, name: str, message: str, field: str | None = None) -> dict[str, Any]:
    """The service's ValidationError, as the resolver reports it."""
    return field_error(query, name, "ValidationError", message, field and {"field": field})


CURRENCIES = "AUD, CAD, CHF, DKK, EUR, GBP, JPY, NOK, NZD, PLN, SEK, USD"
BAD_INPUT = {
    # No input takes an AWSEmail: the email comes from the token, and sending one is refused.
    "email-is-never-input": Bad(
        "customer",
        register(email="ada@example.test"),
        200,
        bad_variable(
            REGISTER,
            "The variables input contains a field that is not defined for input object type "
            "'RegisterCustomerInput' ",
        ),
    ),
    "phone-not-awsphone": Bad(
        "customer",
        register(phone="call me"),
        200,
        bad_variable(
            REGISTER,
            "Variable 'phone' has an invalid value. Unable to parse `call me` as a valid phone "
            "number.",
        ),
    ),
    "phone-awsphone-but-not-e164": Bad(
        "customer",
        register(phone="+44 7700 900123"),
        200,
        invalid(
            REGISTER,
            "registerCustomer",
            "phone must be in E.164 form: + then country code and number, at most 15 digits, "
            "e.g. +447700900123",
            "phone",
        ),
        reaches="user",
    ),
    "date-not-in-calendar-variable": Bad(
        "customer",
        register(dateOfBirth="1990-02-30"),
        200,
        bad_variable(
            REGISTER,
            "Variable 'dateOfBirth' has an invalid value. Unable to parse `1990-02-30` as a valid "
            "Date Object.",
        ),
    ),
    "date-not-in-calendar-literal": Bad(
        "customer",
        lambda: gql(REGISTER_LITERAL),
        200,
        refused(
            REGISTER_LITERAL,
            "input:",
            "Validation error of type WrongType: argument 'input.dateOfBirth' with value "
            "'StringValue{value='1990-02-30'}' is not a valid 'AWSDate' @ 'registerCustomer'",
        ),
    ),
    "date-of-a-minor": Bad(
        "customer",
        register(dateOfBirth="2020-01-02"),
        200,
        invalid(
            REGISTER, "registerCustomer", "customers must be at least 18 years old", "dateOfBirth"
        ),
        reaches="user",
    ),
    "missing-required-field": Bad(
        "customer",
        register(givenName=None),
        200,
        bad_variable(
            REGISTER,
            "Variable 'input' has coerced Null value for NonNull type 'String!'",
        ),
    ),
    "body-too-large-for-the-user-service": Bad(
        "customer",
        register(givenName="A" * 70_000),
        200,
        invalid(REGISTER, "registerCustomer", "Request body is larger than 65536 bytes"),
        reaches="user",
    ),
    "negative-amount": Bad(
        "merchant",
        create(-100),
        200,
        invalid(CREATE, "createCheckout", "amount.amount must be greater than 0"),
        reaches="credit",
    ),
    "non-integer-amount-variable": Bad(
        "merchant",
        create(49.99),
        200,
        bad_variable(
            CREATE, "Variable 'input' has an invalid value : Expected type 'Int' but was 'Double'."
        ),
    ),
    "non-integer-amount-literal": Bad(
        "merchant",
        lambda: gql(CREATE_LITERAL),
        200,
        refused(
            CREATE_LITERAL,
            "input:",
            "Validation error of type WrongType: argument 'input.amount.amount' with value "
            "'FloatValue{value=49.99}' is not a valid 'Int' @ 'createCheckout'",
        ),
    ),
    "unknown-currency": Bad(
        "merchant",
        create(4999, "XXX"),
        200,
        invalid(CREATE, "createCheckout", f"amount.currency must be one of {CURRENCIES}"),
        reaches="credit",
    ),
    "body-over-the-emulator-limit": Bad(
        "customer",
        lambda: gql(ME, pad="x" * (1 << 20)),
        413,
        malformed("Request body is larger than 1048576 bytes."),
    ),
    "malformed-json": Bad(
        "customer",
        lambda: b'{"query": "{ me { id } }"',
        400,
        malformed("Unable to parse GraphQL query."),
    ),
    "empty-body": Bad("customer", lambda: b"", 400, malformed("Request body is empty.")),
    "unknown-operation-name": Bad(
        "customer",
        lambda: gql(ME, operationName="Other"),
        200,
        refused(ME, "", "Unknown operation named 'Other'."),
    ),
    "unknown-field": Bad(
        "customer",
        lambda: gql("{ me { id } nope }"),
        200,
        refused(
            "{ me { id } nope }",
            "nope",
            "Validation error of type FieldUndefined: Field 'nope' in type 'Query' is undefined "
            "@ 'nope'",
        ),
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUT.values()), ids=list(BAD_INPUT))
async def test_bad_input_gets_an_appsync_error_and_writes_nothing(
    stack: Stack, make_token: MakeToken, snapshot, case: Bad
):
    before = snapshot()
    body = case.body()
    if case.caller == "merchant":
        response = await stack.merchant(body)
    else:
        response = await stack.customer(make_token(sub=f"bad-{uuid.uuid4()}"), body)

    assert (response.status_code, response.json()) == (case.status, case.response)
    assert stack.reached() == case.reaches
    assert snapshot() == before
