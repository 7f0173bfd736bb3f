"""Schemathesis over the user and credit services' OpenAPI documents, on DynamoDB Local.

Every phase (examples, coverage, fuzzing, stateful through the documents' links) with every
check, as a verified customer and, on the credit service, as a merchant through the credit
proxy's service token. Seeded (`rest_harness.SEED`, deterministic generation, no example
database) and bounded per operation, so a run is reproducible and takes a couple of minutes.
"""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from services.credit.checkouts.store import DynamoMerchantRepository
from services.shared.money import CURRENCIES, is_int
from services.shared.settings import Settings
from services.user.app import create_app as create_user_app
from services.user.customers.domain import Customer, Profile, VerificationStatus
from services.user.customers.store import DynamoCustomerRepository
from tests.conftest import IdentityProvider, MakeToken
from tests.functional.services.application_harness import Harness, build_harness
from tests.functional.services.conftest import RIVAL, SHOP, SHOP_ARN
from tests.fuzz.rest_harness import FuzzRun, fuzz

pytestmark = [pytest.mark.ddblocal, pytest.mark.fuzz]

MAX_EXAMPLES = 10
CUSTOMER = "sandbox-approve"
BANK_SECRET = "whsec_" + base64.b64encode(b"fuzzing-bank-secret-32-bytes-ok!").decode()


@pytest.fixture(scope="module")
def credit(ddb_settings: Settings) -> Harness:
    merchants = DynamoMerchantRepository(ddb_settings)
    merchants.save(SHOP)
    merchants.save(RIVAL)
    harness = build_harness(ddb_settings)
    for _ in range(3):
        harness.checkout()
    return harness


def _verified_customer(settings: Settings, sub: str) -> None:
    profile = Profile(
        given_name="Ada",
        family_name="Lovelace",
        date_of_birth=date(1990, 1, 1),
        phone="+447700900123",
        address=None,
    )
    DynamoCustomerRepository(settings).add(
        Customer.register(
            customer_id=sub,
            email="ada@example.test",
            profile=profile,
            created_at=datetime.now(UTC),
            verification_status=VerificationStatus.VERIFIED,
        )
    )


def _check(run: FuzzRun) -> None:
    # The cases sent per operation are the run's report: shown with -s, and on any failure.
    print(run.summary())  # noqa: T201
    assert run.total > 0, run.report()
    assert not run.failures, run.report()
    assert not run.errors, run.report()


def test_user_service_as_a_customer(ddb_settings: Settings, make_token: MakeToken) -> None:
    _verified_customer(ddb_settings, CUSTOMER)
    # Every dependency healthy: the bank's notifications have a secret to be checked against.
    settings = replace(ddb_settings, bank_webhook_secret=BANK_SECRET)
    app = create_user_app(settings)
    headers = {"Authorization": f"Bearer {make_token(sub=CUSTOMER)}"}
    _check(fuzz(app, label="user/customer", headers=headers, max_examples=MAX_EXAMPLES))


def test_credit_service_as_a_customer(credit: Harness, make_token: MakeToken) -> None:
    headers = {"Authorization": f"Bearer {make_token(sub=CUSTOMER)}"}
    checkouts = [credit.checkout().id for _ in range(4)]

    def steer(operation: str, values: dict[str, Any]) -> dict[str, Any]:
        # Apply to the seeded checkouts, three times in four: the workflow runs, not only 404.
        given = values.get("checkoutId")
        if operation == "POST /applications" and isinstance(given, str):
            pick = sum(map(ord, given)) % (len(checkouts) + 1)
            if pick < len(checkouts):
                return {**values, "checkoutId": checkouts[pick]}
        return values

    run = fuzz(
        credit.app,
        label="credit/customer",
        headers=headers,
        max_examples=MAX_EXAMPLES,
        steer=steer,
    )
    _check(run)


def test_credit_service_as_a_merchant(credit: Harness, idp: IdentityProvider) -> None:
    headers: dict[str, Any] = {
        "Authorization": f"Bearer {idp.service_token()}",
        "X-Bnpl-Caller-Arn": SHOP_ARN,
    }
    run = fuzz(
        credit.app,
        label="credit/merchant",
        headers=headers,
        max_examples=MAX_EXAMPLES,
        steer=_as_the_shop,
    )
    _check(run)


def _as_the_shop(operation: str, values: dict[str, Any]) -> dict[str, Any]:
    """The shop's own merchantId where one is asked for, and a checkout's amount made the sum of
    its items in its currency, so that checkouts are created and webhooks registered."""
    if not isinstance(values.get("merchantId"), str):
        return values
    values = {**values, "merchantId": SHOP.id}
    if operation == "POST /checkouts":
        values = _summed(values)
    return values


def _summed(body: dict[str, Any]) -> dict[str, Any]:
    amount, items = body.get("amount"), body.get("items")
    if not isinstance(amount, dict) or amount.get("currency") not in CURRENCIES:
        return body
    if not isinstance(items, list) or not all(_priced(item) for item in items):
        return body
    currency = amount["currency"]
    lines = [{**item, "unitPrice": {**item["unitPrice"], "currency": currency}} for item in items]
    total = sum(item["quantity"] * item["unitPrice"]["amount"] for item in items)
    return {**body, "items": lines, "amount": {**amount, "amount": total}}


def _priced(item: Any) -> bool:
    if not isinstance(item, dict) or not isinstance(item.get("unitPrice"), dict):
        return False
    quantity, price = item.get("quantity"), item["unitPrice"]
    return is_int(quantity) and is_int(price.get("amount")) and price.get("currency") in CURRENCIES
