"""Plans through the credit service's HTTP API on DynamoDB Local, with real JWTs and the sandbox
payment provider: accepting an offer, declines, idempotency, races over real HTTP (threads), paying
instalments, reading and paging plans, and no payment token in any table."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest

from services.credit.checkouts.domain import CheckoutStatus
from services.credit.plans.requests import charge_key
from tests.functional.services.money_harness import (
    Approved,
    Harness,
    client,
    get,
    harness,
    post,
    race,
    server,
    shopper,
)

__all__ = ["client", "harness", "server", "shopper"]  # fixtures, used by name

pytestmark = [pytest.mark.ddblocal]


def charge_count(scan: Any) -> int:
    """Charges the sandbox card network has made, all customers."""
    return len(scan("sandbox_charges"))


def accept_body(
    approved: Approved, *, token: str = "tok_visa", key: str | None = None
) -> dict[str, Any]:
    return {
        "applicationId": approved.application_id,
        "offerId": approved.pay_in_4,
        "paymentMethodToken": token,
        "idempotencyKey": key or str(uuid.uuid4()),
    }


def plans_of(scan, checkout_id: str) -> list[dict[str, Any]]:
    return [i for i in scan("plans") if i["checkout_id"]["S"] == checkout_id]


def test_accepting_an_offer_pays_instalment_one_and_confirms_the_checkout(harness, shopper, client):
    sub, token = shopper()
    approved = harness.approved(sub)
    response = post(client, "/plans", token, accept_body(approved))
    assert response.status_code == 200, response.text
    plan = response.json()
    assert (plan["status"], plan["customerId"], plan["checkoutId"]) == (
        "ACTIVE",
        sub,
        approved.checkout_id,
    )
    assert [i["status"] for i in plan["instalments"]] == ["PAID", "DUE", "DUE", "DUE"]
    [payment] = plan["payments"]
    assert (payment["status"], payment["cardLast4"], payment["amount"]["amount"]) == (
        "SUCCEEDED",
        "4242",
        2500,
    )
    checkout = harness.checkouts.get(approved.checkout_id)
    assert checkout is not None
    assert (checkout.status, checkout.plan_id) == (CheckoutStatus.CONFIRMED, plan["id"])
    assert harness.updates.checkouts[-1]["status"] == "CONFIRMED"
    assert harness.updates.checkouts[-1]["planId"] == plan["id"]
    assert get(client, f"/plans/{plan['id']}", token).json() == plan


@pytest.mark.parametrize(
    ("card", "code"),
    [("tok_declined", "card_declined"), ("tok_insufficient_funds", "insufficient_funds")],
)
def test_a_declined_first_payment_writes_nothing(harness, shopper, client, scan, card, code):
    sub, token = shopper()
    approved = harness.approved(sub)
    requests_before = len(scan("plan_requests"))
    checkout_before = harness.checkouts.get(approved.checkout_id)
    response = post(client, "/plans", token, accept_body(approved, token=card))
    assert (response.status_code, response.json()["error"]) == (402, "PaymentDeclined")
    assert response.json()["details"]["failureCode"] == code
    assert plans_of(scan, approved.checkout_id) == []
    assert len(scan("plan_requests")) == requests_before
    assert harness.checkouts.get(approved.checkout_id) == checkout_before  # still unbound
    # A fresh attempt with a good card still works.
    assert post(client, "/plans", token, accept_body(approved)).status_code == 200


def test_the_same_key_returns_the_first_plan_and_another_request_is_refused(
    harness, shopper, client, scan
):
    sub, token = shopper()
    approved = harness.approved(sub)
    body = accept_body(approved)
    charges = charge_count(scan)
    first = post(client, "/plans", token, body)
    again = post(client, "/plans", token, body)
    assert again.json() == first.json()
    assert charge_count(scan) == charges + 1
    other = post(client, "/plans", token, {**body, "offerId": approved.monthly})
    assert (other.status_code, other.json()["error"]) == (422, "IdempotencyKeyReused")
    later = post(client, "/plans", token, accept_body(approved, key=str(uuid.uuid4())))
    assert (later.status_code, later.json()["error"]) == (409, "InvalidState")


def test_only_the_owner_of_an_approved_unexpired_application_may_accept(harness, shopper, client):
    sub, token = shopper()
    approved = harness.approved(sub)
    _, stranger = shopper()
    response = post(client, "/plans", stranger, accept_body(approved))
    assert (response.status_code, response.json()["error"]) == (404, "NotFound")
    unknown_offer = {**accept_body(approved), "offerId": "off_nope"}
    assert post(client, "/plans", token, unknown_offer).status_code == 404
    expired = harness.approved(sub, expires_in=timedelta(seconds=-1))
    response = post(client, "/plans", token, accept_body(expired))
    assert (response.status_code, response.json()["error"]) == (410, "CheckoutExpired")


def test_twenty_identical_accepts_make_one_plan_and_one_charge(harness, shopper, server, scan):
    sub, token = shopper()
    approved = harness.approved(sub)
    body = accept_body(approved)
    charges = charge_count(scan)
    answers = race(server, 20, lambda c, _: post(c, "/plans", token, body))
    assert [r.status_code for r in answers] == [200] * 20, [r.text for r in answers]
    assert len({r.json()["id"] for r in answers}) == 1
    assert len(plans_of(scan, approved.checkout_id)) == 1
    assert charge_count(scan) == charges + 1


def test_twenty_accepts_with_different_keys_make_one_plan_and_give_back_the_rest(
    harness, shopper, server, scan
):
    sub, token = shopper()
    approved = harness.approved(sub)
    bodies = [accept_body(approved) for _ in range(20)]
    answers = race(server, 20, lambda c, i: post(c, "/plans", token, bodies[i]))
    codes = sorted(r.status_code for r in answers)
    assert codes == [200] + [409] * 19, [r.text for r in answers]
    assert {r.json()["error"] for r in answers if r.status_code == 409} == {"InvalidState"}
    [item] = plans_of(scan, approved.checkout_id)
    winner = next(r.json() for r in answers if r.status_code == 200)
    charge_id = _charge_id(scan, winner["id"])
    assert harness.provider.refunded(charge_id) == 0
    # Every losing request that charged gave its charge back: money moved once.
    assert net_taken(harness, sub, {b["idempotencyKey"] for b in bodies}, 2500) == 2500
    assert item["id"]["S"] == winner["id"]


def net_taken(harness: Harness, sub: str, keys: set[str], amount: int) -> int:
    """What the charges of these requests took, less what was given back of them."""
    net = 0
    for key in keys:
        charge = harness.provider.find_charge(idempotency_key=charge_key(sub, key))
        if charge is not None and charge.succeeded:
            net += amount - harness.provider.refunded(charge.id)
    return net


def _charge_id(scan, plan_id: str) -> str:
    [item] = [i for i in scan("plans") if i["id"]["S"] == plan_id]
    document = json.loads(item["document"]["S"])
    return str(document["payments"][0]["chargeId"])


def test_paying_instalments_completes_the_plan_and_is_idempotent(harness, shopper, client):
    sub, token = shopper()
    plan = post(client, "/plans", token, accept_body(harness.approved(sub))).json()
    for number in (2, 3, 4):
        body = {
            "instalmentNumber": number,
            "paymentMethodToken": "tok_mastercard",
            "idempotencyKey": f"pay-{number}-{plan['id']}",
        }
        paid = post(client, f"/plans/{plan['id']}/payments", token, body)
        assert paid.status_code == 200, paid.text
        assert paid.json()["instalmentNumbers"] == [number]
        assert post(client, f"/plans/{plan['id']}/payments", token, body).json() == paid.json()
    done = get(client, f"/plans/{plan['id']}", token).json()
    assert done["status"] == "COMPLETED"
    assert len(done["payments"]) == 4
    again = post(
        client,
        f"/plans/{plan['id']}/payments",
        token,
        {"instalmentNumber": 2, "paymentMethodToken": "tok_visa", "idempotencyKey": "new"},
    )
    assert (again.status_code, again.json()["error"]) == (409, "InvalidState")


def test_a_declined_instalment_payment_is_recorded_and_leaves_it_due(harness, shopper, client):
    sub, token = shopper()
    plan = post(client, "/plans", token, accept_body(harness.approved(sub))).json()
    body = {"instalmentNumber": 2, "paymentMethodToken": "tok_declined", "idempotencyKey": "d"}
    response = post(client, f"/plans/{plan['id']}/payments", token, body)
    assert (response.status_code, response.json()["error"]) == (402, "PaymentDeclined")
    now = get(client, f"/plans/{plan['id']}", token).json()
    assert now["instalments"][1]["status"] == "DUE"
    assert now["payments"][-1]["status"] == "FAILED"


def test_only_the_owner_may_pay_or_read_a_plan(harness, shopper, client):
    sub, token = shopper()
    plan = post(client, "/plans", token, accept_body(harness.approved(sub))).json()
    _, stranger = shopper()
    body = {"instalmentNumber": 2, "paymentMethodToken": "tok_visa", "idempotencyKey": "x"}
    assert post(client, f"/plans/{plan['id']}/payments", stranger, body).status_code == 404
    assert get(client, f"/plans/{plan['id']}", stranger).status_code == 404


def test_concurrent_payments_of_one_instalment_take_money_once(harness, shopper, server, client):
    sub, token = shopper()
    plan = post(client, "/plans", token, accept_body(harness.approved(sub))).json()
    keys = [str(uuid.uuid4()) for _ in range(10)] * 2  # ten keys, each sent twice

    def pay(c: httpx.Client, index: int) -> httpx.Response:
        body = {
            "instalmentNumber": 2,
            "paymentMethodToken": "tok_visa",
            "idempotencyKey": keys[index],
        }
        return post(c, f"/plans/{plan['id']}/payments", token, body)

    answers = race(server, 20, pay)
    assert {r.status_code for r in answers} <= {200, 409}, [r.text for r in answers]
    paid = [r.json() for r in answers if r.status_code == 200]
    assert paid
    assert len({p["id"] for p in paid}) == 1
    stored = get(client, f"/plans/{plan['id']}", token).json()
    succeeded = [p for p in stored["payments"] if p["status"] == "SUCCEEDED"]
    assert len(succeeded) == 2  # the first payment and instalment 2, once
    assert net_taken(harness, sub, set(keys), 2500) == 2500


@pytest.mark.parametrize(
    "position",
    [
        {},
        {"id": {"S": "pln_1"}},
        {"id": {"S": "pln_1"}, "created_at": {"N": "1"}},
        {"id": {"S": ""}, "created_at": {"S": "2026-01-01T00:00:00.000000+0000"}},
        {"id": {"S": "pln_1"}, "created_at": {"S": "x"}, "status": {"S": "ACTIVE"}},
    ],
)
def test_a_forged_next_token_of_ones_own_list_is_invalid_not_a_store_failure(
    shopper, client, position
):
    # Found by fuzzing: a token naming the caller's list but not a position in it reached
    # DynamoDB, whose refusal answered 502 DependencyFailure.
    sub, token = shopper()
    key = {"customer_id": {"S": sub}, **position}
    forged = base64.urlsafe_b64encode(json.dumps(key).encode()).decode()
    refused = get(client, f"/plans?nextToken={forged}", token)
    assert refused.status_code == 400
    assert refused.json()["details"] == {"field": "nextToken"}


def test_my_plans_pages_newest_first(harness, shopper, client):
    sub, token = shopper()
    ids = [
        post(client, "/plans", token, accept_body(harness.approved(sub))).json()["id"]
        for _ in range(3)
    ]
    first = get(client, "/plans?limit=2", token).json()
    assert [p["id"] for p in first["items"]] == ids[::-1][:2]
    assert first["nextToken"]
    rest = get(client, f"/plans?limit=2&nextToken={first['nextToken']}", token).json()
    assert [p["id"] for p in rest["items"]] == ids[::-1][2:]
    _, stranger = shopper()
    assert get(client, "/plans", stranger).json() == {"items": [], "nextToken": None}
    refused = get(client, f"/plans?nextToken={first['nextToken']}", stranger)
    assert refused.status_code == 400
