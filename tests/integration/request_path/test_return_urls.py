"""createCheckout's return URLs through the whole request path: SigV4 merchant → emulator →
credit proxy → credit service → DynamoDB Local, and back with `redirectUrl`."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.request_path.conftest import Stack
from tests.integration.request_path.documents import checkout_input, gql

pytestmark = [pytest.mark.anyio, pytest.mark.ddblocal]

FIELDS = "id status confirmationUrl cancelUrl redirectUrl"
CREATE = (
    "mutation Create($input: CreateCheckoutInput!) "
    f"{{ createCheckout(input: $input) {{ {FIELDS} }} }}"
)
READ = f"query Read($id: ID!) {{ checkout(id: $id) {{ {FIELDS} }} }}"
# The sandbox merchant's allowed prefixes are the demo shop's HTTPS origins (bnpl.sandbox).
OK = "https://127.0.0.1:4446/orders/confirmed"
CANCEL = "https://localhost:4446/orders/cancelled?from=bnpl"
PAGE = "https://127.0.0.1:4445"  # the credit service's default BNPL_CHECKOUT_PAGE_URL


async def create(stack: Stack, **urls: Any) -> dict[str, Any]:
    body = gql(CREATE, {"input": {**checkout_input(), **urls}})
    response = await stack.merchant(body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def test_the_urls_are_kept_and_the_answer_names_the_hosted_page(stack: Stack) -> None:
    answer = await create(stack, confirmationUrl=OK, cancelUrl=CANCEL)
    created = answer["data"]["createCheckout"]
    assert "errors" not in answer
    assert (created["confirmationUrl"], created["cancelUrl"]) == (OK, CANCEL)
    assert created["redirectUrl"] == f"{PAGE}/checkout/{created['id']}"
    read = await stack.merchant(gql(READ, {"id": created["id"]}))
    assert read.json() == {"data": {"checkout": created}}


async def test_without_urls_there_are_none_but_still_a_page(stack: Stack) -> None:
    created = (await create(stack))["data"]["createCheckout"]
    assert (created["confirmationUrl"], created["cancelUrl"]) == (None, None)
    assert created["redirectUrl"] == f"{PAGE}/checkout/{created['id']}"


@pytest.mark.parametrize(
    ("urls", "field", "words"),
    [
        ({"confirmationUrl": OK}, "cancelUrl", "give both or neither"),
        (
            {"confirmationUrl": "https://evil.example/", "cancelUrl": CANCEL},
            "confirmationUrl",
            "allowed redirect URL prefixes",
        ),
        (
            {"confirmationUrl": OK, "cancelUrl": "https://localhost:44460/orders/cancelled"},
            "cancelUrl",
            "allowed redirect URL prefixes",
        ),
        # Plain HTTP to localhost is for the local stack's setting only, off here.
        (
            {"confirmationUrl": "http://127.0.0.1:4446/ok", "cancelUrl": CANCEL},
            "confirmationUrl",
            "must use https",
        ),
        ({"confirmationUrl": f"{OK}#done", "cancelUrl": CANCEL}, "confirmationUrl", "fragment"),
    ],
)
async def test_a_url_outside_the_rules_is_a_validation_error_and_writes_nothing(
    stack: Stack, snapshot, urls: dict[str, str], field: str, words: str
) -> None:
    before = snapshot()
    answer = await create(stack, **urls)
    [error] = answer["errors"]
    assert answer["data"] is None
    assert error["errorType"] == "ValidationError"
    assert field in error["message"]
    assert words in error["message"]
    assert snapshot() == before


async def test_a_retry_must_repeat_the_urls(stack: Stack) -> None:
    order = checkout_input()
    first = await stack.merchant(
        gql(CREATE, {"input": {**order, "confirmationUrl": OK, "cancelUrl": CANCEL}})
    )
    again = await stack.merchant(
        gql(CREATE, {"input": {**order, "confirmationUrl": OK, "cancelUrl": CANCEL}})
    )
    assert again.json()["data"] == first.json()["data"]
    other = await stack.merchant(
        gql(CREATE, {"input": {**order, "confirmationUrl": CANCEL, "cancelUrl": OK}})
    )
    assert other.json()["errors"][0]["errorType"] == "Conflict"
