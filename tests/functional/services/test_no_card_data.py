"""No card data anywhere: every money path of the credit service (accept with each test token,
pay an instalment, a declined payment, pay off, capture, refund, void), driven over real HTTP
against DynamoDB Local with every logger at DEBUG (the service's, uvicorn's, httpx's, botocore's
request bodies), leaves no payment token, no card-number-like digit run and no CVV/CVC in any
log record or in any table of the test's prefix (the sandbox card network's included), and no
bearer token in any log record. (The whole stack's written log lines are checked for the same,
and for verification codes, by `tests/e2e/test_trace.py` and `tests/e2e/test_verification.py`.)
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest

from services.credit.payments.provider import TEST_CARDS
from tests.functional.services.money_harness import (
    Harness,
    accept_body,
    client,
    harness,
    merchant_headers,
    post,
    server,
    shopper,
)

__all__ = ["client", "harness", "server", "shopper"]  # fixtures, used by name

pytestmark = [pytest.mark.ddblocal]

# Loggers that do not all propagate to the root (uvicorn configures its own handlers), each
# turned to DEBUG and captured directly.
LOGGERS = (
    "services",
    "uvicorn",
    "uvicorn.error",
    "uvicorn.access",
    "uvicorn.asgi",
    "httpx",
    "httpcore",
    "botocore",
    "boto3",
    "urllib3",
    "pynamodb",
)
# The test PANs behind the sandbox tokens (Stripe's), in case anything ever maps them back.
TEST_PANS = ("4242424242424242", "5555555555554444", "4000000000000002", "4000000000009995")
# A card number: 12-19 digits standing alone (not part of an id, a hex digest, a UUID, a
# decimal or a longer number).
PAN_LIKE = re.compile(r"(?<![\w.\-])\d{12,19}(?![\w.\-])")
# An ARN's 12-digit AWS account id (the merchants' principals) is not a card number.
ARN = re.compile(r"arn:aws:[\w\-]*:[\w\-]*:\d{12}:")
CVV = re.compile(r"cv[vc]", re.IGNORECASE)
JWT = re.compile(r"eyJ[\w-]{10,}\.[\w-]{10,}\.")
STORED_PAYMENT_FIELDS = {
    "id",
    "planId",
    "amount",
    "status",
    "instalmentNumbers",
    "cardLast4",
    "failureCode",
    "createdAt",
    "chargeId",
    "refunded",
}


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every record of every logger, at DEBUG, from every thread (the server's included)."""
    caplog.set_level(logging.DEBUG)
    attached = []
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
        logger = logging.getLogger(name)
        if not logger.propagate:
            logger.addHandler(caplog.handler)
            attached.append(logger)
    yield caplog
    for logger in attached:
        logger.removeHandler(caplog.handler)


def logged_text(caplog: pytest.LogCaptureFixture) -> str:
    """Each captured record's message, its raw arguments and any traceback."""
    parts = []
    for record in caplog.records:
        parts += [record.getMessage(), str(record.msg), repr(record.args)]
        if record.exc_info:
            parts.append(logging.Formatter().formatException(record.exc_info))
        if record.exc_text:
            parts.append(record.exc_text)
    return "\n".join(parts)


def tables_text(harness: Harness) -> tuple[list[str], str]:
    """The names of the tables with the test's prefix and every item in them, as text."""
    settings = harness.settings
    dynamodb = boto3.client(
        "dynamodb", endpoint_url=settings.dynamodb_endpoint, region_name=settings.region
    )
    names = [  # every page: the session's other modules have tables of their own
        n
        for page in dynamodb.get_paginator("list_tables").paginate()
        for n in page["TableNames"]
        if n.startswith(settings.table_prefix)
    ]
    items = []
    for name in names:
        for page in dynamodb.get_paginator("scan").paginate(TableName=name, ConsistentRead=True):
            items += page["Items"]
    return names, json.dumps(items)


def card_data_in(text: str) -> list[str]:
    """Whatever in `text` looks like card data."""
    found = [token for token in TEST_CARDS if token in text]
    found += [pan for pan in TEST_PANS if pan in text]
    found += PAN_LIKE.findall(ARN.sub("arn:", text))
    found += CVV.findall(text)
    return found


def drive_every_money_path(
    harness: Harness, shopper: Any, client: httpx.Client, merchant: dict[str, str]
) -> None:
    sub, token = shopper()
    plans: dict[str, dict[str, Any]] = {}
    checkouts: dict[str, str] = {}
    for card in TEST_CARDS:
        approved = harness.approved(sub)
        answer = post(client, "/plans", token, accept_body(approved, token=card))
        expected = 402 if TEST_CARDS[card].failure_code else 200
        assert answer.status_code == expected, answer.text
        if expected == 200:
            plans[card] = answer.json()
            checkouts[card] = approved.checkout_id

    visa = plans["tok_visa"]["id"]
    pay = {"instalmentNumber": 2, "paymentMethodToken": "tok_mastercard", "idempotencyKey": "i2"}
    assert post(client, f"/plans/{visa}/payments", token, pay).status_code == 200
    declined = {
        "instalmentNumber": 3,
        "paymentMethodToken": "tok_insufficient_funds",
        "idempotencyKey": "i3",
    }
    assert post(client, f"/plans/{visa}/payments", token, declined).status_code == 402
    payoff = {"paymentMethodToken": "tok_visa", "idempotencyKey": "off"}
    paid_off = post(client, f"/plans/{visa}/payoff", token, payoff)
    assert paid_off.status_code == 200, paid_off.text

    visa_checkout = f"/checkouts/{checkouts['tok_visa']}"
    capture = {"idempotencyKey": str(uuid.uuid4())}
    assert client.post(f"{visa_checkout}/capture", json=capture, headers=merchant).is_success
    refund = {"amount": {"amount": 1_000, "currency": "GBP"}, "idempotencyKey": "r1"}
    refunded = client.post(f"{visa_checkout}/refunds", json=refund, headers=merchant)
    assert refunded.status_code == 200, refunded.text
    voided = client.post(f"/checkouts/{checkouts['tok_mastercard']}/void", headers=merchant)
    assert voided.json()["status"] == "VOIDED", voided.text


def test_no_card_data_in_any_log_record_or_table(harness, shopper, client, idp, debug_logs):
    """After every money path with every test token: no token, PAN-like number or CVV/CVC in
    any log record (message, arguments, traceback) or any table; stored payments keep only
    the charge id and last four digits (besides amounts and states); the sandbox network
    keeps a one-way fingerprint of each request."""
    drive_every_money_path(harness, shopper, client, merchant_headers(idp.service_token()))

    logged = logged_text(debug_logs)
    # The capture saw the whole conversation: the server's, the client's and the database's.
    assert "POST /plans" in logged
    assert "/capture" in logged
    assert "PutItem" in logged or "TransactWriteItems" in logged
    assert card_data_in(logged) == []
    # Nor any bearer token: the shopper's, the service's or the merchant's caller's.
    assert JWT.findall(logged) == []

    names, stored = tables_text(harness)
    money_tables = ("checkouts", "plans", "plan_requests", "sandbox_charges", "sandbox_refunds")
    assert {harness.settings.table_name(t) for t in money_tables} <= set(names)
    assert card_data_in(stored) == []

    for item in json.loads(stored):
        if "document" in item and "payments" in item["document"].get("S", ""):
            for payment in json.loads(item["document"]["S"])["payments"]:
                assert set(payment) == STORED_PAYMENT_FIELDS
                assert payment["cardLast4"] in {card.last4 for card in TEST_CARDS.values()}
