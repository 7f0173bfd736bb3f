"""Ids no record can have, and text that is not valid Unicode, through GraphQL: each gets a clear
AppSync-shaped answer, and nothing is written (or, for ids, even sent to a service).

A lone surrogate travels in JSON as an escape (`"\\ud800"`); `gql` escapes it the same way.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.conftest import MakeToken
from tests.integration.request_path.conftest import Stack
from tests.integration.request_path.documents import (
    CHECKOUT,
    CREATE,
    PROFILE,
    REGISTER,
    checkout_input,
    field_error,
    gql,
)

pytestmark = [pytest.mark.anyio, pytest.mark.ddblocal]

REVOKE = "mutation Revoke($id: ID!) { revokeBankConsent(id: $id) { id status } }"
CONFIRM = (
    "mutation Confirm($id: ID!, $code: String!) "
    "{ confirmVerification(challengeId: $id, code: $code) { id verificationStatus } }"
)
UPDATE = (
    "mutation Update($input: UpdateCustomerInput!) "
    "{ updateCustomer(input: $input) { id givenName } }"
)
BAD_IDS = pytest.mark.parametrize(
    "bad_id", ["", "i" * 129, "i" * 100_000, "a\ud800b"], ids=["empty", "129", "100k", "surrogate"]
)
# A lone surrogate reaches the APPSYNC_JS resolver as it would in AppSync, whose check refuses
# it (tests/unit/resolvers/test_id_arguments.py).
BAD_IDS_FOR_JS = BAD_IDS


def customer_token(make_token: MakeToken) -> str:
    sub = f"ids-{uuid.uuid4()}"
    return make_token(sub=sub, email=f"{sub}@example.test")


def id_error(query: str, name: str, field: str) -> dict[str, Any]:
    """The resolver's ValidationError for an id no record can have, stating the limit."""
    message = f"{field} must be 1 to 128 characters of valid Unicode text"
    return field_error(query, name, "ValidationError", message, {"field": field})


@BAD_IDS
async def test_a_checkout_no_id_can_name_is_null_and_never_asked_for(
    stack: Stack, bad_id: str, make_token: MakeToken
):
    merchant = await stack.merchant(gql(CHECKOUT, {"id": bad_id}))
    assert (merchant.status_code, merchant.json()) == (200, {"data": {"checkout": None}})
    shopper = await stack.customer(customer_token(make_token), gql(CHECKOUT, {"id": bad_id}))
    assert (shopper.status_code, shopper.json()) == (200, {"data": {"checkout": None}})
    assert stack.reached() is None


@BAD_IDS_FOR_JS
async def test_revoking_a_consent_no_id_can_name(
    stack: Stack, make_token: MakeToken, scan, bad_id: str
):
    before = scan("bank_consents")
    response = await stack.customer(customer_token(make_token), gql(REVOKE, {"id": bad_id}))
    expected = id_error(REVOKE, "revokeBankConsent", "id")
    assert (response.status_code, response.json()) == (200, expected)
    assert stack.reached() is None
    assert scan("bank_consents") == before


@BAD_IDS_FOR_JS
async def test_confirming_a_challenge_no_id_can_name(
    stack: Stack, make_token: MakeToken, scan, bad_id: str
):
    before = scan("verification_challenges")
    variables = {"id": bad_id, "code": "123456"}
    response = await stack.customer(customer_token(make_token), gql(CONFIRM, variables))
    expected = id_error(CONFIRM, "confirmVerification", "challengeId")
    assert (response.status_code, response.json()) == (200, expected)
    assert stack.reached() is None
    assert scan("verification_challenges") == before


async def test_an_id_that_needs_escaping_reaches_the_service_as_one_segment(
    stack: Stack, make_token: MakeToken
):
    response = await stack.customer(customer_token(make_token), gql(REVOKE, {"id": "a b?c+d%e#f"}))
    assert response.json() == field_error(
        REVOKE, "revokeBankConsent", "NotFound", "Bank consent not found"
    )
    assert stack.reached() == "user"


# `.` and `..` are ids like any, but in a URL path they are dot segments, which HTTP clients
# resolve away (`/plans/.` is `/plans`): sent as they were, they asked another resource.
DOT_SEGMENTS = pytest.mark.parametrize("dots", [".", ".."], ids=["dot", "dot-dot"])


@DOT_SEGMENTS
@pytest.mark.parametrize("field", ["checkout", "application", "plan"])
async def test_a_dot_segment_id_is_an_id_nobody_has(
    stack: Stack, make_token: MakeToken, dots: str, field: str
):
    query = f"query Get($id: ID!) {{ {field}(id: $id) {{ id }} }}"
    response = await stack.customer(customer_token(make_token), gql(query, {"id": dots}))
    assert (response.status_code, response.json()) == (200, {"data": {field: None}})
    assert stack.reached() == "credit"


@DOT_SEGMENTS
async def test_voiding_a_dot_segment_id_is_not_found(stack: Stack, dots: str):
    query = "mutation Void($id: ID!) { voidCheckout(checkoutId: $id) { id } }"
    response = await stack.merchant(gql(query, {"id": dots}))
    assert response.json() == field_error(query, "voidCheckout", "NotFound", "Checkout not found")


@DOT_SEGMENTS
async def test_revoking_or_confirming_a_dot_segment_id_is_not_found(
    stack: Stack, make_token: MakeToken, dots: str
):
    token = customer_token(make_token)
    revoked = await stack.customer(token, gql(REVOKE, {"id": dots}))
    assert revoked.json() == field_error(
        REVOKE, "revokeBankConsent", "NotFound", "Bank consent not found"
    )
    confirmed = await stack.customer(token, gql(CONFIRM, {"id": dots, "code": "123456"}))
    assert confirmed.json() == field_error(
        CONFIRM, "confirmVerification", "NotFound", "Verification challenge not found"
    )


async def test_updating_a_profile_with_a_lone_surrogate_names_the_field_and_writes_nothing(
    stack: Stack, make_token: MakeToken, snapshot
):
    token = customer_token(make_token)
    registered = await stack.customer(token, gql(REGISTER, {"input": PROFILE}))
    assert "errors" not in registered.json(), registered.json()
    before = snapshot()
    response = await stack.customer(token, gql(UPDATE, {"input": {"givenName": "\ud800x"}}))
    assert (response.status_code, response.json()) == (
        200,
        field_error(
            UPDATE,
            "updateCustomer",
            "ValidationError",
            "givenName is not valid Unicode text (it has a lone surrogate)",
            {"field": "givenName"},
        ),
    )
    assert snapshot() == before


async def test_a_checkout_with_a_lone_surrogate_names_the_field_and_writes_nothing(
    stack: Stack, snapshot
):
    before = snapshot()
    arguments = {**checkout_input(), "merchantReference": "\ud800x"}
    response = await stack.merchant(gql(CREATE, {"input": arguments}))
    assert (response.status_code, response.json()) == (
        200,
        field_error(
            CREATE,
            "createCheckout",
            "ValidationError",
            "merchantReference is not valid Unicode text (it has a lone surrogate)",
        ),
    )
    assert stack.reached() == "credit"
    assert snapshot() == before
