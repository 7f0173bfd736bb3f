"""The merchant's capture, void and refund over the credit service's HTTP API, on DynamoDB Local
with real JWTs and the durable sandbox card network. After every step that moves money the books
are checked on what is stored (`checkout_books.books`); every refused request is checked to have
written nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.conftest import IdentityProvider
from tests.functional.services.checkout_books import (
    Confirmed,
    Merchant,
    Scan,
    Shopper,
    accept,
    amounts,
    backdate_plan,
    books,
    error,
    gbp,
    given_back,
    plan_version,
    published,
    snapshot,
    stored_plan,
)
from tests.functional.services.conftest import RIVAL_ARN, SHOP_ARN
from tests.functional.services.money_harness import (
    AMOUNT,
    Harness,
    client,
    harness,
    merchant_headers,
    server,
    shopper,
)

__all__ = ["client", "harness", "server", "shopper"]  # fixtures, used by name

pytestmark = [pytest.mark.ddblocal]


@pytest.fixture
def shop(client: httpx.Client, idp: IdentityProvider) -> Merchant:
    return Merchant(client, merchant_headers(idp.service_token(), SHOP_ARN))


@pytest.fixture
def rival(client: httpx.Client, idp: IdentityProvider) -> Merchant:
    return Merchant(client, merchant_headers(idp.service_token(), RIVAL_ARN))


@pytest.fixture
def confirmed(harness: Harness, client: httpx.Client, shopper: Shopper) -> Callable[[], Confirmed]:
    return lambda: accept(harness, client, shopper)


# ---------------------------------------------------------------------- capture


def test_full_capture_takes_the_authorisation_and_leaves_the_plan_as_it_was(
    harness: Harness, scan: Scan, shop: Merchant, confirmed: Callable[[], Confirmed]
) -> None:
    """Capturing without an amount captures all of it: CAPTURED, the instalments untouched, no
    money back, the change published."""
    order = confirmed()
    before = stored_plan(scan, order.plan_id)

    response = shop.capture(order.checkout_id)

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["capturedAmount"], body["planId"]) == (
        "CAPTURED",
        gbp(AMOUNT),
        order.plan_id,
    )
    assert "refundedAmount" not in body
    plan = books(harness, scan, order.checkout_id)
    assert plan["instalments"] == before["instalments"]
    assert plan["status"] == "ACTIVE"
    assert given_back(harness, plan) == [0]
    assert published(harness, order.checkout_id)[-1] == body


def test_a_partial_capture_releases_the_rest_from_the_last_instalment_back(
    harness: Harness, scan: Scan, shop: Merchant, confirmed: Callable[[], Confirmed]
) -> None:
    """Capturing £60 of £100 releases £40: instalment 4 waived, instalment 3 cut to £10."""
    order = confirmed()

    response = shop.capture(order.checkout_id, 6000)

    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["capturedAmount"]) == (
        "CAPTURED",
        gbp(6000),
    )
    plan = books(harness, scan, order.checkout_id)
    assert amounts(plan) == [(2500, "PAID"), (2500, "DUE"), (1000, "DUE"), (0, "WAIVED")]
    assert (plan["status"], plan["refunded"]["amount"]) == ("ACTIVE", 4000)
    assert given_back(harness, plan) == [0]
    assert published(harness, order.checkout_id)[-1]["capturedAmount"] == gbp(6000)


def test_capturing_less_than_was_paid_gives_the_difference_back(
    harness: Harness, scan: Scan, shop: Merchant, confirmed: Callable[[], Confirmed]
) -> None:
    """Capturing £20 after £25 was paid waives every unpaid instalment and gives £5 back."""
    order = confirmed()

    response = shop.capture(order.checkout_id, 2000)

    assert response.status_code == 200, response.text
    plan = books(harness, scan, order.checkout_id)
    assert amounts(plan) == [(2500, "PAID"), (0, "WAIVED"), (0, "WAIVED"), (0, "WAIVED")]
    assert plan["status"] == "COMPLETED"  # nothing is left to pay
    assert given_back(harness, plan) == [500]


def test_capture_is_idempotent_per_key_and_happens_once(
    harness: Harness, scan: Scan, shop: Merchant, confirmed: Callable[[], Confirmed]
) -> None:
    """The same key answers the first capture without doing it again; the same key for another
    amount is IdempotencyKeyReused; another key on a captured checkout is InvalidState."""
    order = confirmed()
    key = str(uuid.uuid4())
    first = shop.capture(order.checkout_id, 6000, key=key)
    assert first.status_code == 200, first.text
    version = plan_version(scan, order.plan_id)
    updates = len(published(harness, order.checkout_id))
    written = snapshot(scan)

    again = shop.capture(order.checkout_id, 6000, key=key)
    assert again.status_code == 200, again.text
    assert again.json() == first.json()

    assert error(shop.capture(order.checkout_id, 7000, key=key)) == (422, "IdempotencyKeyReused")
    assert error(shop.capture(order.checkout_id, key=key)) == (422, "IdempotencyKeyReused")
    second = shop.capture(order.checkout_id, 6000)
    assert error(second) == (409, "InvalidState")

    assert snapshot(scan) == written
    assert plan_version(scan, order.plan_id) == version
    assert len(published(harness, order.checkout_id)) == updates
    books(harness, scan, order.checkout_id)


def test_a_merchants_key_names_one_request_across_its_checkouts(
    scan: Scan, shop: Merchant, confirmed: Callable[[], Confirmed]
) -> None:
    """Keys are scoped to the merchant: its key reused on another checkout is refused."""
    first, other = confirmed(), confirmed()
    key = str(uuid.uuid4())
    assert shop.capture(first.checkout_id, key=key).status_code == 200
    written = snapshot(scan)

    assert error(shop.capture(other.checkout_id, key=key)) == (422, "IdempotencyKeyReused")
    assert snapshot(scan) == written


def test_another_merchant_cannot_capture_void_or_refund_and_learns_nothing(
    harness: Harness,
    scan: Scan,
    shop: Merchant,
    rival: Merchant,
    confirmed: Callable[[], Confirmed],
) -> None:
    """A checkout of another merchant answers NotFound, like one that does not exist, and
    nothing changes, even with the owner's key."""
    order = confirmed()
    key = str(uuid.uuid4())
    written = snapshot(scan)
    updates = published(harness, order.checkout_id)

    for response in (
        rival.capture(order.checkout_id, key=key),
        rival.void(order.checkout_id),
        rival.refund(order.checkout_id, 100, key=key),
        rival.capture("no-such-checkout"),
    ):
        assert error(response) == (404, "NotFound")
    assert snapshot(scan) == written
    assert published(harness, order.checkout_id) == updates

    # The owner's key was not spent by the rival's attempts.
    assert shop.capture(order.checkout_id, key=key).status_code == 200


def test_only_a_merchant_vouched_for_by_the_proxy_may_operate(
    scan: Scan,
    client: httpx.Client,
    idp: IdentityProvider,
    confirmed: Callable[[], Confirmed],
) -> None:
    """The shopper's own token is Unauthorized for capture, void and refund (even naming a
    merchant's ARN), and so is the proxy's token without the caller's ARN."""
    order = confirmed()
    written = snapshot(scan)
    shopper_as_merchant = Merchant(client, merchant_headers(order.token, SHOP_ARN))
    proxy_alone = Merchant(client, {"authorization": f"Bearer {idp.service_token()}"})

    for caller in (shopper_as_merchant, proxy_alone):
        assert error(caller.capture(order.checkout_id)) == (403, "Unauthorized")
        assert error(caller.void(order.checkout_id)) == (403, "Unauthorized")
        assert error(caller.refund(order.checkout_id, 100)) == (403, "Unauthorized")
    assert snapshot(scan) == written


def test_nothing_can_be_captured_voided_or_refunded_before_an_offer_is_accepted(
    harness: Harness, scan: Scan, shop: Merchant, shopper: Shopper
) -> None:
    """An APPROVED checkout (no plan yet) answers InvalidState naming its status."""
    sub, _ = shopper()
    approved = harness.approved(sub)
    written = snapshot(scan)

    for response in (
        shop.capture(approved.checkout_id),
        shop.void(approved.checkout_id),
        shop.refund(approved.checkout_id, 100),
    ):
        assert error(response) == (409, "InvalidState")
        assert response.json()["details"]["status"] == "APPROVED"
    assert snapshot(scan) == written


@pytest.mark.parametrize(
    ("age", "status"),
    [(timedelta(days=27, hours=23), 200), (timedelta(days=28, minutes=1), 409)],
    ids=["within-28-days", "after-28-days"],
)
def test_an_authorisation_can_be_captured_for_28_days(
    harness: Harness,
    scan: Scan,
    shop: Merchant,
    confirmed: Callable[[], Confirmed],
    age: timedelta,
    status: int,
) -> None:
    """Capture works until 28 days after the offer was accepted; after that it is InvalidState
    and nothing changes (the sweep expires it)."""
    order = confirmed()
    backdate_plan(harness.settings, order.plan_id, age)
    written = snapshot(scan)

    response = shop.capture(order.checkout_id)

    assert response.status_code == status, response.text
    if status == 409:
        assert response.json()["error"] == "InvalidState"
        assert snapshot(scan) == written
    else:
        assert response.json()["status"] == "CAPTURED"


# ---------------------------------------------------------------------- void


def test_void_before_capture_cancels_the_plan_and_gives_the_first_payment_back(
    harness: Harness, scan: Scan, shop: Merchant, confirmed: Callable[[], Confirmed]
) -> None:
    """VOIDED, the plan CANCELLED with nothing owed, instalment 1 refunded at the card network,
    published; voiding again answers the voided checkout and does nothing more; capture and
    refund are then InvalidState."""
    order = confirmed()

    response = shop.void(order.checkout_id)

    assert response.status_code == 200, response.text
    voided = response.json()
    assert voided["status"] == "VOIDED"
    assert "capturedAmount" not in voided
    plan = books(harness, scan, order.checkout_id)
    assert plan["status"] == "CANCELLED"
    assert amounts(plan) == [(2500, "PAID"), (0, "WAIVED"), (0, "WAIVED"), (0, "WAIVED")]
    assert given_back(harness, plan) == [2500]
    assert [u["status"] for u in published(harness, order.checkout_id)] == ["CONFIRMED", "VOIDED"]
    assert published(harness, order.checkout_id)[-1] == voided
    written = snapshot(scan)

    again = shop.void(order.checkout_id)
    assert again.status_code == 200, again.text
    assert again.json() == voided
    assert error(shop.capture(order.checkout_id)) == (409, "InvalidState")
    assert error(shop.refund(order.checkout_id, 100)) == (409, "InvalidState")

    assert snapshot(scan) == written
    assert [u["status"] for u in published(harness, order.checkout_id)] == ["CONFIRMED", "VOIDED"]
    assert given_back(harness, stored_plan(scan, order.plan_id)) == [2500]


def test_a_captured_checkout_cannot_be_voided(
    harness: Harness, scan: Scan, shop: Merchant, confirmed: Callable[[], Confirmed]
) -> None:
    """After capture only refunds give money back: void is InvalidState, nothing changes."""
    order = confirmed()
    assert shop.capture(order.checkout_id).status_code == 200
    written = snapshot(scan)

    assert error(shop.void(order.checkout_id)) == (409, "InvalidState")

    assert snapshot(scan) == written
    assert books(harness, scan, order.checkout_id)["status"] == "ACTIVE"


# ---------------------------------------------------------------------- refund


def test_refunds_reduce_the_last_instalments_then_give_money_back_newest_payment_first(
    harness: Harness,
    scan: Scan,
    client: httpx.Client,
    shop: Merchant,
    confirmed: Callable[[], Confirmed],
) -> None:
    """With instalments 1 and 2 paid (£50 of £100): a £20 refund cuts instalment 4; £40 more
    waives 4 and 3 and gives £10 back against payment 2; £35 more gives back the rest of
    payment 2 and £20 of payment 1; refunding more than is left is a ValidationError that
    changes nothing; the last £5 makes it REFUNDED, the plan CANCELLED, everything paid back."""
    order = confirmed()
    assert shop.capture(order.checkout_id).status_code == 200
    paid = order.pay(client, 2, str(uuid.uuid4()))
    assert paid.status_code == 200, paid.text
    books(harness, scan, order.checkout_id)

    def refund(amount: int) -> dict[str, Any]:
        response = shop.refund(order.checkout_id, amount)
        assert response.status_code == 200, response.text
        assert published(harness, order.checkout_id)[-1] == response.json()
        return dict(response.json())

    checkout = refund(2000)
    assert (checkout["status"], checkout["refundedAmount"]) == ("CAPTURED", gbp(2000))
    plan = books(harness, scan, order.checkout_id)
    assert amounts(plan) == [(2500, "PAID"), (2500, "PAID"), (2500, "DUE"), (500, "DUE")]
    assert given_back(harness, plan) == [0, 0]

    checkout = refund(4000)
    assert checkout["refundedAmount"] == gbp(6000)
    plan = books(harness, scan, order.checkout_id)
    assert amounts(plan) == [(2500, "PAID"), (2500, "PAID"), (0, "WAIVED"), (0, "WAIVED")]
    assert given_back(harness, plan) == [0, 1000]

    checkout = refund(3500)
    assert (checkout["status"], checkout["refundedAmount"]) == ("CAPTURED", gbp(9500))
    plan = books(harness, scan, order.checkout_id)
    assert given_back(harness, plan) == [2000, 2500]

    written = snapshot(scan)
    too_much = shop.refund(order.checkout_id, 501)
    assert error(too_much) == (400, "ValidationError")
    assert too_much.json()["details"]["field"] == "amount.amount"
    assert snapshot(scan) == written

    checkout = refund(500)
    assert (checkout["status"], checkout["refundedAmount"]) == ("REFUNDED", gbp(AMOUNT))
    plan = books(harness, scan, order.checkout_id)
    assert plan["status"] == "CANCELLED"
    assert given_back(harness, plan) == [2500, 2500]

    written = snapshot(scan)
    assert error(shop.refund(order.checkout_id, 1)) == (409, "InvalidState")
    assert snapshot(scan) == written


def test_a_refund_replays_under_its_key_and_refunds_once(
    harness: Harness, scan: Scan, shop: Merchant, confirmed: Callable[[], Confirmed]
) -> None:
    """The same refund again answers the first result and gives nothing back twice; the same
    key for another amount is IdempotencyKeyReused."""
    order = confirmed()
    assert shop.capture(order.checkout_id).status_code == 200
    key = str(uuid.uuid4())
    first = shop.refund(order.checkout_id, 8000, key=key)
    assert first.status_code == 200, first.text
    assert given_back(harness, stored_plan(scan, order.plan_id)) == [500]
    written = snapshot(scan)

    again = shop.refund(order.checkout_id, 8000, key=key)
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    assert error(shop.refund(order.checkout_id, 100, key=key)) == (422, "IdempotencyKeyReused")

    assert snapshot(scan) == written
    assert books(harness, scan, order.checkout_id)["refunded"] == gbp(8000)


def test_a_partially_captured_checkout_refunds_only_what_was_captured(
    harness: Harness, scan: Scan, shop: Merchant, confirmed: Callable[[], Confirmed]
) -> None:
    """After capturing £60, refunding £60.01 is a ValidationError; refunding £60 ends the plan
    with everything the customer paid given back."""
    order = confirmed()
    assert shop.capture(order.checkout_id, 6000).status_code == 200
    written = snapshot(scan)

    assert error(shop.refund(order.checkout_id, 6001)) == (400, "ValidationError")
    assert snapshot(scan) == written

    response = shop.refund(order.checkout_id, 6000)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "REFUNDED"
    plan = books(harness, scan, order.checkout_id)
    assert plan["status"] == "CANCELLED"
    assert given_back(harness, plan) == [2500]


def test_a_refund_before_capture_is_invalid(
    harness: Harness, scan: Scan, shop: Merchant, confirmed: Callable[[], Confirmed]
) -> None:
    """A CONFIRMED checkout has nothing captured to refund (the merchant voids it instead)."""
    order = confirmed()
    written = snapshot(scan)

    response = shop.refund(order.checkout_id, 100)

    assert error(response) == (409, "InvalidState")
    assert snapshot(scan) == written
    books(harness, scan, order.checkout_id)


# ---------------------------------------------------------------------- bad input


KEY = {"idempotencyKey": "bad-input"}
BAD_BODIES: list[tuple[str, Any, str]] = [
    ("capture", {}, "idempotencyKey"),
    ("capture", {"idempotencyKey": ""}, "idempotencyKey"),
    ("capture", {"idempotencyKey": "has space"}, "idempotencyKey"),
    ("capture", {**KEY, "amount": gbp(0)}, "amount.amount"),
    ("capture", {**KEY, "amount": gbp(-100)}, "amount.amount"),
    ("capture", {**KEY, "amount": gbp(AMOUNT + 1)}, "amount.amount"),
    ("capture", {**KEY, "amount": {"amount": 5000, "currency": "EUR"}}, "amount.currency"),
    ("capture", {**KEY, "amount": {"amount": "5000", "currency": "GBP"}}, "amount.amount"),
    ("capture", {**KEY, "tip": 1}, "tip"),
    ("capture", [KEY], ""),
    ("refunds", {"amount": gbp(100)}, "idempotencyKey"),
    ("refunds", KEY, "amount"),
    ("refunds", {**KEY, "amount": gbp(0)}, "amount.amount"),
    ("refunds", {**KEY, "amount": gbp(-100)}, "amount.amount"),
    ("refunds", {**KEY, "amount": {"amount": 100, "currency": "EUR"}}, "amount.currency"),
    ("refunds", {**KEY, "amount": {"amount": 100, "currency": "GBP", "x": 1}}, "amount"),
    ("refunds", {**KEY, "amount": gbp(100), "reason": "x"}, "reason"),
]


@pytest.mark.parametrize(("action", "body", "field"), BAD_BODIES)
def test_bad_input_is_a_validation_error_and_writes_nothing(
    scan: Scan,
    shop: Merchant,
    confirmed: Callable[[], Confirmed],
    action: str,
    body: Any,
    field: str,
) -> None:
    """Missing or malformed keys, zero, negative, too large or foreign amounts and unknown
    fields are ValidationError naming the field, with nothing written and no key spent."""
    order = confirmed()
    if action == "refunds":
        assert shop.capture(order.checkout_id).status_code == 200
    written = snapshot(scan)

    response = shop.send(f"/checkouts/{order.checkout_id}/{action}", body)

    assert error(response) == (400, "ValidationError")
    if field:
        assert response.json()["details"]["field"] == field
    assert snapshot(scan) == written
