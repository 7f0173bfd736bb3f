"""Fifty requests at once against the credit service on a real uvicorn over DynamoDB Local, with
real JWTs and the durable sandbox card network: money moves exactly once whichever request wins.

Each race releases 50 threads together (`race`), each on its own connection. The checks count
what the card network did (`sandbox_charges`, `find_charge`, `refunded`), not only what the API
answered.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from services.credit.checkouts.domain import CheckoutStatus
from services.credit.plans.domain import PaymentPlan, PaymentStatus
from services.credit.plans.requests import charge_key
from services.credit.plans.store import DynamoPlanStore
from tests.functional.services.checkout_books import books
from tests.functional.services.money_harness import (
    Approved,
    Harness,
    accept_body,
    client,
    get,
    harness,
    merchant_headers,
    post,
    race,
    server,
    shopper,
)

__all__ = ["client", "harness", "server", "shopper"]  # fixtures, used by name

pytestmark = [pytest.mark.ddblocal]

RACERS = 50
FIRST_PAYMENT = 2_500  # pay in 4 of the harness's 10,000 checkout


def charges_under(scan: Any, harness: Harness, sub: str, keys: set[str]) -> list[dict[str, Any]]:
    """The card network's charge items made under these requests' keys."""
    ids = set()
    for key in keys:
        charge = harness.provider.find_charge(idempotency_key=charge_key(sub, key))
        if charge is not None:
            ids.add(charge.id)
    return [item for item in scan("sandbox_charges") if item["id"]["S"] in ids]


def net_taken(harness: Harness, sub: str, keys: set[str]) -> int:
    """What the succeeded charges of these requests took, less what was given back of them."""
    net = 0
    for key in keys:
        charge = harness.provider.find_charge(idempotency_key=charge_key(sub, key))
        if charge is not None and charge.succeeded:
            net += charge.amount.amount - harness.provider.refunded(charge.id)
    return net


def plans_of(scan: Any, checkout_id: str) -> list[dict[str, Any]]:
    return [i for i in scan("plans") if i["checkout_id"]["S"] == checkout_id]


def errors(answers: list[httpx.Response]) -> list[tuple[int, str]]:
    return sorted((r.status_code, r.json()["error"]) for r in answers if r.status_code != 200)


def sent_key(response: httpx.Response) -> str:
    """The idempotency key a request was sent with (`race` answers in completion order)."""
    return str(json.loads(response.request.content)["idempotencyKey"])


def texts(answers: list[httpx.Response]) -> list[str]:
    """The bodies of the answers that were not 200, for a failing assertion's message."""
    return [r.text for r in answers if r.status_code != 200]


def accepted(harness: Harness, shopper: Any, client: httpx.Client) -> tuple[str, str, Approved]:
    """A shopper's ACTIVE pay-in-4 plan (instalment 1 paid): (token, plan id, approved)."""
    sub, token = shopper()
    approved = harness.approved(sub)
    response = post(client, "/plans", token, accept_body(approved))
    assert response.status_code == 200, response.text
    return token, str(response.json()["id"]), approved


def captured(
    harness: Harness, shopper: Any, client: httpx.Client, merchant: dict[str, str]
) -> tuple[str, str, Approved]:
    """A fully CAPTURED checkout with its plan: (token, plan id, approved)."""
    token, plan_id, approved = accepted(harness, shopper, client)
    response = client.post(
        f"/checkouts/{approved.checkout_id}/capture",
        json={"idempotencyKey": str(uuid.uuid4())},
        headers=merchant,
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "CAPTURED"
    return token, plan_id, approved


def paid_to(plan: dict[str, Any]) -> dict[str, int]:
    """Each succeeded payment's amount by its id, as the API shows the plan."""
    return {p["id"]: p["amount"]["amount"] for p in plan["payments"] if p["status"] == "SUCCEEDED"}


@pytest.fixture
def merchant(idp: Any) -> dict[str, str]:
    """The shop's backend calling through the credit proxy."""
    return merchant_headers(idp.service_token())


class TestAcceptOffer:
    def test_fifty_identical_accepts_make_one_plan_and_one_charge(
        self, harness, shopper, server, scan
    ):
        """The same key 50 times at once: every answer is the one plan, the card network made
        one charge under the key, the checkout was confirmed (and announced) once."""
        sub, token = shopper()
        approved = harness.approved(sub)
        body = accept_body(approved)
        updates_before = len(harness.updates.checkouts)

        answers = race(server, RACERS, lambda c, _: post(c, "/plans", token, body))

        assert [r.status_code for r in answers] == [200] * RACERS, texts(answers)
        assert len({r.json()["id"] for r in answers}) == 1
        assert len(plans_of(scan, approved.checkout_id)) == 1
        [charge] = charges_under(scan, harness, sub, {body["idempotencyKey"]})
        assert charge["status"]["S"] == "SUCCEEDED"
        assert int(charge["amount"]["N"]) == FIRST_PAYMENT
        assert net_taken(harness, sub, {body["idempotencyKey"]}) == FIRST_PAYMENT
        checkout = harness.checkouts.get(approved.checkout_id)
        assert checkout is not None
        assert checkout.status is CheckoutStatus.CONFIRMED
        confirmed = [
            u
            for u in harness.updates.checkouts[updates_before:]
            if u["id"] == approved.checkout_id and u["status"] == "CONFIRMED"
        ]
        assert len(confirmed) == 1

    def test_fifty_keys_on_one_application_make_one_plan_and_take_money_once(
        self, harness, shopper, server, scan
    ):
        """50 different keys at once: one 200; every other answer is InvalidState, either
        IN_PROGRESS (the lease) or the checkout already CONFIRMED; one plan; the charges of
        all 50 keys net out to the first payment exactly."""
        sub, token = shopper()
        approved = harness.approved(sub)
        bodies = [accept_body(approved) for _ in range(RACERS)]

        answers = race(server, RACERS, lambda c, i: post(c, "/plans", token, bodies[i]))

        wins = [r for r in answers if r.status_code == 200]
        assert len(wins) == 1, texts(answers)
        losers = [r.json() for r in answers if r.status_code != 200]
        assert {(r["error"]) for r in losers} == {"InvalidState"}, losers
        for loser in losers:
            details = loser["details"]
            assert details.get("reason") == "IN_PROGRESS" or details.get("status") == "CONFIRMED"
        [plan] = plans_of(scan, approved.checkout_id)
        assert plan["id"]["S"] == wins[0].json()["id"]
        keys = {b["idempotencyKey"] for b in bodies}
        assert net_taken(harness, sub, keys) == FIRST_PAYMENT


class TestPayInstalment:
    def test_fifty_keys_paying_one_instalment_take_money_once(
        self, harness, shopper, server, client, scan
    ):
        """50 payments of instalment 2 with different keys: one 200, 49 InvalidState (the plan
        is leased, or the instalment is PAID by then); one SUCCEEDED payment for it; the card
        network charged once for the 50 keys and gave nothing back."""
        token, plan_id, _ = accepted(harness, shopper, client)
        sub = get(client, f"/plans/{plan_id}", token).json()["customerId"]
        keys = [str(uuid.uuid4()) for _ in range(RACERS)]

        def pay(c: httpx.Client, index: int) -> httpx.Response:
            body = {"instalmentNumber": 2, "paymentMethodToken": "tok_visa"}
            return post(
                c, f"/plans/{plan_id}/payments", token, {**body, "idempotencyKey": keys[index]}
            )

        answers = race(server, RACERS, pay)

        assert sorted(r.status_code for r in answers) == [200] + [409] * (RACERS - 1), texts(
            answers
        )
        assert {e for _, e in errors(answers)} == {"InvalidState"}
        plan = get(client, f"/plans/{plan_id}", token).json()
        for_two = [
            p
            for p in plan["payments"]
            if p["instalmentNumbers"] == [2] and p["status"] == "SUCCEEDED"
        ]
        assert [p["id"] for p in for_two] == [
            next(r for r in answers if r.status_code == 200).json()["id"]
        ]
        assert [i["status"] for i in plan["instalments"]] == ["PAID", "PAID", "DUE", "DUE"]
        assert net_taken(harness, sub, set(keys)) == FIRST_PAYMENT
        # What is due is read under the plan's lease: no loser charged, so nothing went back.
        charges = charges_under(scan, harness, sub, set(keys))
        assert [int(c["amount"]["N"]) for c in charges] == [FIRST_PAYMENT]
        charge_ids = {c["id"]["S"] for c in charges}
        assert [r for r in scan("sandbox_refunds") if r["charge_id"]["S"] in charge_ids] == []

    def test_fifty_payments_with_one_key_are_one_payment_and_one_charge(
        self, harness, shopper, server, client, scan
    ):
        """The same payment 50 times at once: all 200 with the same payment id, one charge."""
        token, plan_id, _ = accepted(harness, shopper, client)
        sub = get(client, f"/plans/{plan_id}", token).json()["customerId"]
        body = {"instalmentNumber": 2, "paymentMethodToken": "tok_visa", "idempotencyKey": "pay-2"}

        answers = race(
            server, RACERS, lambda c, _: post(c, f"/plans/{plan_id}/payments", token, body)
        )

        assert [r.status_code for r in answers] == [200] * RACERS, texts(answers)
        assert len({r.json()["id"] for r in answers}) == 1
        assert len(charges_under(scan, harness, sub, {"pay-2"})) == 1
        plan = get(client, f"/plans/{plan_id}", token).json()
        assert [p["instalmentNumbers"] for p in plan["payments"]] == [[1], [2]]
        assert net_taken(harness, sub, {"pay-2"}) == FIRST_PAYMENT
        # No duplicate left the plan held: the next instalment can be paid straight away.
        body = {"instalmentNumber": 3, "paymentMethodToken": "tok_visa", "idempotencyKey": "pay-3"}
        next_one = post(client, f"/plans/{plan_id}/payments", token, body)
        assert next_one.status_code == 200, next_one.text


class TestPayOffPlan:
    def test_fifty_payoffs_with_different_keys_charge_once_and_refund_nothing(
        self, harness, shopper, server, client, scan
    ):
        """50 payoffs of one plan with different keys: one 200 paying the 7,500 left; every
        other is InvalidState (the plan is held, or nothing is left by then). What is owed is
        read under the plan's lease, so the card network made exactly one charge for the 50
        keys and gave nothing back."""
        token, plan_id, _ = accepted(harness, shopper, client)
        sub = get(client, f"/plans/{plan_id}", token).json()["customerId"]
        keys = [str(uuid.uuid4()) for _ in range(RACERS)]

        def pay_off(c: httpx.Client, index: int) -> httpx.Response:
            body = {"paymentMethodToken": "tok_visa", "idempotencyKey": keys[index]}
            return post(c, f"/plans/{plan_id}/payoff", token, body)

        answers = race(server, RACERS, pay_off)

        wins = [r.json() for r in answers if r.status_code == 200]
        assert len(wins) == 1, texts(answers)
        assert (wins[0]["status"], wins[0]["amount"]["amount"]) == ("SUCCEEDED", 3 * FIRST_PAYMENT)
        assert errors(answers) == [(409, "InvalidState")] * (RACERS - 1)
        charges = charges_under(scan, harness, sub, set(keys))
        assert [int(c["amount"]["N"]) for c in charges] == [3 * FIRST_PAYMENT]
        charge_ids = {c["id"]["S"] for c in charges}
        assert [r for r in scan("sandbox_refunds") if r["charge_id"]["S"] in charge_ids] == []
        plan = get(client, f"/plans/{plan_id}", token).json()
        assert plan["status"] == "COMPLETED"
        assert sum(paid_to(plan).values()) == 4 * FIRST_PAYMENT


class TestCaptureCheckout:
    def test_twenty_partial_captures_capture_once_and_the_books_hold(
        self, harness, shopper, server, client, merchant, scan
    ):
        """20 partial captures of 2,000 of a confirmed 10,000 checkout with different keys: one
        200; each other answers InvalidState (the checkout is CAPTURED by then: a capture
        happens once, so trying again cannot help) or the retryable Conflict, never another
        error. The 8,000 released cut the plan once, and the books hold."""
        _, plan_id, approved = accepted(harness, shopper, client)
        path = f"/checkouts/{approved.checkout_id}/capture"

        def capture(c: httpx.Client, _: int) -> httpx.Response:
            body = {
                "amount": {"amount": 2_000, "currency": "GBP"},
                "idempotencyKey": str(uuid.uuid4()),
            }
            return c.post(path, json=body, headers=merchant)

        answers = race(server, 20, capture)

        wins = [r.json() for r in answers if r.status_code == 200]
        assert len(wins) == 1, texts(answers)
        assert (wins[0]["status"], wins[0]["capturedAmount"]["amount"]) == ("CAPTURED", 2_000)
        assert {e for _, e in errors(answers)} <= {"InvalidState", "Conflict"}, texts(answers)
        conflicts = [r.json() for r in answers if r.status_code == 409]
        assert all(
            "same idempotency key" in c["message"] for c in conflicts if c["error"] == "Conflict"
        )
        records = [r for r in scan("plan_requests") if r["plan_id"]["S"] == plan_id]
        assert len([r for r in records if "result" in r]) == 1
        plan = books(harness, scan, approved.checkout_id)
        assert plan["refunded"]["amount"] == 8_000
        assert [i["status"] for i in plan["instalments"]] == ["PAID", "WAIVED", "WAIVED", "WAIVED"]


class TestRefundCheckout:
    def test_fifty_full_refunds_refund_once(self, harness, shopper, server, client, merchant):
        """50 refunds of the whole captured amount with different keys: one 200 (REFUNDED);
        every other is InvalidState, because once one commits the checkout is REFUNDED, and a
        REFUNDED checkout is not refundable at all (ValidationError would mean a CAPTURED
        checkout asked for more than is left, which no moment of this race has). The card
        network gave back exactly what the customer paid, once."""
        token, plan_id, approved = captured(harness, shopper, client, merchant)
        path = f"/checkouts/{approved.checkout_id}/refunds"
        keys = [str(uuid.uuid4()) for _ in range(RACERS)]

        def refund(c: httpx.Client, index: int) -> httpx.Response:
            body = {"amount": {"amount": 10_000, "currency": "GBP"}, "idempotencyKey": keys[index]}
            return c.post(path, json=body, headers=merchant)

        answers = race(server, RACERS, refund)

        wins = [r.json() for r in answers if r.status_code == 200]
        assert len(wins) == 1, texts(answers)
        assert wins[0]["status"] == "REFUNDED"
        assert wins[0]["refundedAmount"] == {"amount": 10_000, "currency": "GBP"}
        assert errors(answers) == [(409, "InvalidState")] * (RACERS - 1)
        plan = get(client, f"/plans/{plan_id}", token).json()
        assert plan["status"] == "CANCELLED"
        assert given_back(harness, stored_plan(harness, plan_id)) == FIRST_PAYMENT
        assert sum(paid_to(plan).values()) == FIRST_PAYMENT

    def test_fifty_partial_refunds_all_fit_and_are_serialised(
        self, harness, shopper, server, client, merchant
    ):
        """50 refunds of 100 with different keys on a captured 10,000 checkout whose customer
        has paid 7,500 (instalments 1-3). They are serialised by the plan's version: each
        answer is 200, or the retryable Conflict ("busy, retry with the same key") having
        written nothing, so refundedAmount is 100 per success; retried with their keys, all
        50 fit and succeed, each success having seen its own total. The first 2,500 cut
        instalment 4 to nothing (WAIVED, the plan COMPLETED), the other 2,500 go back against
        the newest payment, and the card network gave back exactly what the plan records."""
        token, plan_id, approved = captured(harness, shopper, client, merchant)
        for number in (2, 3):
            body = {"instalmentNumber": number, "paymentMethodToken": "tok_visa"}
            paid = post(
                client,
                f"/plans/{plan_id}/payments",
                token,
                {**body, "idempotencyKey": f"p{number}"},
            )
            assert paid.status_code == 200, paid.text
        path = f"/checkouts/{approved.checkout_id}/refunds"
        pending = [str(uuid.uuid4()) for _ in range(RACERS)]
        successes: list[dict[str, Any]] = []

        for _ in range(RACERS):  # each round lets at least one through
            keys = list(pending)

            def refund(c: httpx.Client, index: int, keys: list[str] = keys) -> httpx.Response:
                body = {"amount": {"amount": 100, "currency": "GBP"}, "idempotencyKey": keys[index]}
                return c.post(path, json=body, headers=merchant)

            answers = race(server, len(keys), refund)
            assert {e for _, e in errors(answers)} <= {"Conflict"}, texts(answers)
            assert all(
                "same idempotency key" in r.json()["message"]
                for r in answers
                if r.status_code != 200
            )
            won = [r.json() for r in answers if r.status_code == 200]
            assert won, texts(answers)
            successes += won
            checkout = client.get(f"/checkouts/{approved.checkout_id}", headers=merchant).json()
            assert checkout["refundedAmount"]["amount"] == 100 * len(successes)
            pending = [sent_key(r) for r in answers if r.status_code != 200]
            if not pending:
                break

        assert len(successes) == RACERS
        seen = sorted(c["refundedAmount"]["amount"] for c in successes)
        assert seen == [100 * (i + 1) for i in range(RACERS)]  # one at a time
        assert checkout["status"] == "CAPTURED"
        plan = get(client, f"/plans/{plan_id}", token).json()
        assert plan["status"] == "COMPLETED"  # nothing is owed any more
        assert [(i["amount"]["amount"], i["status"]) for i in plan["instalments"]] == [
            (2_500, "PAID"),
            (2_500, "PAID"),
            (2_500, "PAID"),
            (0, "WAIVED"),
        ]
        assert sum(paid_to(plan).values()) == 7_500
        stored = stored_plan(harness, plan_id)
        # The customer now owes 5,000 of the 10,000 and paid 7,500: 2,500 went back, all of it
        # against the newest payment (instalment 3's).
        assert given_back(harness, stored) == 2_500
        assert [p.refunded.amount for p in stored.payments] == [0, 0, 2_500]


def stored_plan(harness: Harness, plan_id: str) -> PaymentPlan:
    stored = DynamoPlanStore(harness.settings).get(plan_id)
    assert stored is not None
    return stored.plan


def given_back(harness: Harness, plan: PaymentPlan) -> int:
    """What the card network gave back against the plan's charges; each charge's give-back must
    be what the plan records as refunded of its payment."""
    total = 0
    for payment in plan.payments:
        if payment.status is PaymentStatus.SUCCEEDED:
            refunded = harness.provider.refunded(payment.charge_id)
            assert refunded == payment.refunded.amount, payment
            total += refunded
    return total
