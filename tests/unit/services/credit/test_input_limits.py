"""The credit service's input limits: one idempotency-key limit for every request, and every
refusal that applies a limit states it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest

from services.credit.applications.domain import parse_apply_request
from services.credit.limits import (
    ID_MAX_CHARS,
    IDEMPOTENCY_KEY_MAX_CHARS,
    INSTALMENT_NUMBER_MAX,
    PAYMENT_TOKEN_MAX_CHARS,
    is_id,
    printable_schema,
)
from services.credit.openapi import OPENAPI
from services.credit.payments.provider import SandboxPaymentProvider
from services.credit.plans.domain import create_plan
from services.credit.plans.refunds import apply_refund
from services.credit.plans.requests import (
    parse_accept_request,
    parse_capture_request,
    parse_pay_request,
    parse_payoff_request,
    parse_refund_request,
)
from services.credit.policy.offers import pay_in_4
from services.credit.webhooks.addresses import check_url
from services.shared.errors import ValidationError
from services.shared.money import Money

GBP_10 = {"amount": 1000, "currency": "GBP"}

PARSERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "applyForCredit": lambda body: parse_apply_request({"checkoutId": "chk", **body}),
    "acceptOffer": lambda body: parse_accept_request(
        {"applicationId": "app", "offerId": "off", "paymentMethodToken": "tok_visa", **body}
    ),
    "payInstalment": lambda body: parse_pay_request(
        "pln", {"instalmentNumber": 2, "paymentMethodToken": "tok_visa", **body}
    ),
    "payOffPlan": lambda body: parse_payoff_request(
        "pln", {"paymentMethodToken": "tok_visa", **body}
    ),
    "captureCheckout": lambda body: parse_capture_request("chk", body),
    "refundCheckout": lambda body: parse_refund_request("chk", {"amount": GBP_10, **body}),
}


def refusal(parse: Callable[[dict[str, Any]], Any], body: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as refused:
        parse(body)
    return refused.value.message


def test_the_idempotency_key_limit_is_255_characters():
    assert IDEMPOTENCY_KEY_MAX_CHARS == 255


@pytest.mark.parametrize("operation", sorted(PARSERS))
def test_every_request_takes_the_same_idempotency_keys_and_states_the_limit(operation):
    parse = PARSERS[operation]
    longest = "k" * IDEMPOTENCY_KEY_MAX_CHARS
    assert parse({"idempotencyKey": longest}).idempotency_key == longest
    assert refusal(parse, {"idempotencyKey": longest + "k"}) == (
        "idempotencyKey must be 1 to 255 printable characters without spaces"
    )


def test_a_payment_token_refusal_states_the_limit():
    body = {"idempotencyKey": "k", "paymentMethodToken": "t" * (PAYMENT_TOKEN_MAX_CHARS + 1)}
    assert refusal(PARSERS["payOffPlan"], body) == (
        f"paymentMethodToken must be 1 to {PAYMENT_TOKEN_MAX_CHARS} printable characters "
        "without spaces"
    )


@pytest.mark.parametrize("number", [0, INSTALMENT_NUMBER_MAX + 1, "2"])
def test_an_instalment_number_refusal_states_the_range(number):
    body = {"instalmentNumber": number, "paymentMethodToken": "tok_visa", "idempotencyKey": "k"}
    with pytest.raises(ValidationError) as refused:
        parse_pay_request("pln", body)
    assert refused.value.message == "instalmentNumber must be an integer from 1 to 100"


def test_a_refund_beyond_what_the_plan_holds_states_what_it_holds():
    offer = pay_in_4(Money(10_000, "GBP"), today=date(2026, 1, 1), application_id="a")
    charge = SandboxPaymentProvider().charge(
        token="tok_visa", amount=offer.first_payment, idempotency_key="k"
    )
    plan = create_plan(
        offer,
        plan_id="p",
        checkout_id="c",
        customer_id="u",
        payment_id="pay1",
        first_charge=charge,
        now=datetime(2026, 1, 1, tzinfo=UTC),
    )
    with pytest.raises(ValidationError) as refused:
        apply_refund(plan, Money(10_001, "GBP"))
    assert refused.value.message == "refund amount must be at most 100.00 GBP, what the plan holds"


def test_a_sandbox_refund_beyond_the_charge_states_what_is_left():
    provider = SandboxPaymentProvider()
    charge = provider.charge(token="tok_visa", amount=Money(2500, "GBP"), idempotency_key="k")
    provider.refund(charge_id=charge.id, amount=Money(1000, "GBP"), idempotency_key="r1")
    with pytest.raises(ValidationError) as refused:
        provider.refund(charge_id=charge.id, amount=Money(1501, "GBP"), idempotency_key="r2")
    assert (
        refused.value.message
        == "refund amount must be at most 15.00 GBP, what is left of the charge"
    )


# ---------------------------------------------------------------- the document states the limits
# Found by fuzzing the credit service with schemathesis: its OpenAPI document allowed requests
# these parsers refuse (zero amounts, ids with spaces, http webhook URLs, an empty merchantId).


def _schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = OPENAPI["components"]["schemas"][name]
    return schema


@pytest.mark.parametrize("value", ["chk-1", "a" * 128, "", "a b", "é", "a\n", "a" * 129])
def test_the_documented_id_pattern_is_the_parsers_rule(value: str) -> None:
    documented = printable_schema(ID_MAX_CHARS)
    by_document = (
        1 <= len(value) <= documented["maxLength"]
        and re.fullmatch(documented["pattern"].strip("^$"), value) is not None
    )
    assert by_document == is_id(value)


def test_every_amount_a_request_gives_is_documented_above_zero() -> None:
    create = _schema("CreateCheckoutInput")["properties"]
    amounts = [
        create["amount"],
        _schema("LineItem")["properties"]["unitPrice"],
        _schema("CaptureCheckoutInput")["properties"]["amount"],
        _schema("RefundCheckoutInput")["properties"]["amount"],
    ]
    assert [a["properties"]["amount"]["minimum"] for a in amounts] == [1, 1, 1, 1]
    with pytest.raises(ValidationError):
        parse_refund_request(
            "chk", {"amount": {"amount": 0, "currency": "GBP"}, "idempotencyKey": "k"}
        )


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.com/bnpl",
        "https://hooks.example.com:443/bnpl?x=1",
        "https://example.com.",
        "http://hooks.example.com/",
        "https://localhost/",
        "https://10.1.2.3/",
        "https://hooks.example.com:8443/",
        "https://user:pw@example.com/",
        "https://example.com/#frag",
        "arn:",
        "https://c.org*",
        "https://8.8.8.8/hooks",
        "https://[2001:4860:4860::8888]/hooks",
        "https://shop_1.example.com/",
        "https://example.com/a b",
        "https://xn--bcher-kva.example/hooks",
    ],
)
def test_a_webhook_url_the_document_allows_is_accepted(url: str) -> None:
    pattern = _schema("CreateWebhookEndpointInput")["properties"]["url"]["pattern"]
    if re.search(pattern, url):
        assert check_url(url, allow_local=False) == url
    else:
        with pytest.raises(ValidationError):
            check_url(url, allow_local=False)


def test_every_operation_documents_the_callers_it_refuses() -> None:
    # Customers may not use the merchant's routes and merchants not the customer's: 403.
    missing = [
        f"{method.upper()} {path}"
        for path, operations in OPENAPI["paths"].items()
        for method, operation in operations.items()
        if path != "/health" and "403" not in operation["responses"]
    ]
    assert missing == []
