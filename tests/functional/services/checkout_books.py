"""What the merchant-operation and sweep tests share: a merchant backend calling the credit
service, a shopper's accepted offer, and the books check on what is stored.

The books, read from the stored plan document and checkout after any step: outstanding (the
unpaid instalments with their late fees) equals total payable + fees - paid (net of money given
back) - refunded - fees waived and is never negative; no instalment or refund goes below zero;
the card network gave back exactly what the plan says it gave back against each charge; and,
the plans being interest-free, the customer's net payments plus the unpaid instalments equal
what the merchant keeps (captured - refunded; the authorisation before capture; nothing once
voided or expired).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from services.credit.checkouts.redirects import checkout_page
from services.credit.models import PlanModel
from services.shared.dynamodb import bind
from services.shared.settings import Settings
from tests.functional.services.money_harness import AMOUNT, Harness, accept_body, post

Scan = Callable[[str], list[dict[str, Any]]]
Shopper = Callable[..., tuple[str, str]]
# What a merchant operation or the sweep may write: plans, checkouts, request records, money.
WRITTEN = ("plans", "checkouts", "plan_requests", "sandbox_charges", "sandbox_refunds")


def gbp(minor: int) -> dict[str, Any]:
    return {"amount": minor, "currency": "GBP"}


@dataclass
class Merchant:
    """A merchant backend calling through the credit proxy (service token + its IAM ARN)."""

    client: httpx.Client
    headers: dict[str, str]

    def capture(
        self, checkout_id: str, amount: int | None = None, *, key: str | None = None
    ) -> httpx.Response:
        body: dict[str, Any] = {"idempotencyKey": key or str(uuid.uuid4())}
        if amount is not None:
            body["amount"] = gbp(amount)
        return self.send(f"/checkouts/{checkout_id}/capture", body)

    def void(self, checkout_id: str) -> httpx.Response:
        return self.client.post(f"/checkouts/{checkout_id}/void", headers=self.headers)

    def refund(self, checkout_id: str, amount: int, *, key: str | None = None) -> httpx.Response:
        body = {"amount": gbp(amount), "idempotencyKey": key or str(uuid.uuid4())}
        return self.send(f"/checkouts/{checkout_id}/refunds", body)

    def send(self, path: str, body: Any) -> httpx.Response:
        return self.client.post(path, json=body, headers=self.headers)


@dataclass
class Confirmed:
    """A checkout whose offer (PAY_IN_4 of £100) was accepted: instalment 1 paid."""

    checkout_id: str
    plan_id: str
    sub: str
    token: str

    def pay(self, client: httpx.Client, number: int, key: str) -> httpx.Response:
        """The shopper pays instalment `number` with `tok_visa` under `key`."""
        body = {"instalmentNumber": number, "paymentMethodToken": "tok_visa", "idempotencyKey": key}
        return post(client, f"/plans/{self.plan_id}/payments", self.token, body)


def accept(harness: Harness, client: httpx.Client, shopper: Shopper) -> Confirmed:
    """A new shopper accepts PAY_IN_4 on a new checkout of the merchant `m_shop`."""
    sub, token = shopper()
    approved = harness.approved(sub)
    response = post(client, "/plans", token, accept_body(approved))
    assert response.status_code == 200, response.text
    return Confirmed(approved.checkout_id, response.json()["id"], sub, token)


def error(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]


def stored_item(scan: Scan, table: str, item_id: str) -> dict[str, Any]:
    [item] = [i for i in scan(table) if i["id"]["S"] == item_id]
    return item


def stored_plan(scan: Scan, plan_id: str) -> dict[str, Any]:
    """The plan's stored document (instalments, payments, refunds, fees waived)."""
    document: dict[str, Any] = json.loads(stored_item(scan, "plans", plan_id)["document"]["S"])
    return document


def plan_version(scan: Scan, plan_id: str) -> int:
    return int(stored_item(scan, "plans", plan_id)["version"]["N"])


def snapshot(scan: Scan) -> dict[str, list[str]]:
    """Every item a merchant operation could write, comparable before and after."""
    return {table: sorted(json.dumps(i, sort_keys=True) for i in scan(table)) for table in WRITTEN}


def amounts(document: dict[str, Any]) -> list[tuple[int, str]]:
    return [(i["amount"]["amount"], i["status"]) for i in document["instalments"]]


def given_back(harness: Harness, document: dict[str, Any]) -> list[int]:
    """What the card network gave back against each payment's charge, oldest payment first."""
    return [harness.provider.refunded(p["chargeId"]) for p in document["payments"]]


def published(harness: Harness, checkout_id: str) -> list[dict[str, Any]]:
    """The checkout's updates, as subscribers get them (the publisher adds `redirectUrl`)."""
    page = checkout_page(harness.settings.checkout_page_url, checkout_id)
    return [{**u, "redirectUrl": page} for u in harness.updates.checkouts if u["id"] == checkout_id]


def books(harness: Harness, scan: Scan, checkout_id: str) -> dict[str, Any]:
    """Check the stored plan and checkout add up (see the module docstring); the plan."""
    checkout = harness.checkouts.get(checkout_id)
    assert checkout is not None
    assert checkout.plan_id is not None
    plan = stored_plan(scan, checkout.plan_id)
    unpaid = [i for i in plan["instalments"] if i["status"] in ("DUE", "LATE")]
    outstanding = sum(i["amount"]["amount"] + i["lateFee"]["amount"] for i in unpaid)
    fees = sum(i["lateFee"]["amount"] for i in plan["instalments"])
    succeeded = [p for p in plan["payments"] if p["status"] == "SUCCEEDED"]
    net_paid = sum(p["amount"]["amount"] - p["refunded"]["amount"] for p in succeeded)
    expected = (
        plan["totalPayable"]["amount"]
        + fees
        - net_paid
        - plan["refunded"]["amount"]
        - plan["feesWaived"]["amount"]
    )
    assert outstanding == expected, plan
    assert outstanding >= 0
    assert all(i["amount"]["amount"] >= 0 for i in plan["instalments"])
    assert all(i["lateFee"]["amount"] >= 0 for i in plan["instalments"])
    assert all(0 <= p["refunded"]["amount"] <= p["amount"]["amount"] for p in plan["payments"])
    assert given_back(harness, plan) == [p["refunded"]["amount"] for p in plan["payments"]]
    captured = checkout.captured.amount if checkout.captured else 0
    refunded = checkout.refunded.amount if checkout.refunded else 0
    kept = {
        "CONFIRMED": AMOUNT,
        "CAPTURED": captured - refunded,
        "REFUNDED": captured - refunded,
        "VOIDED": 0,
        "EXPIRED": 0,
    }[checkout.status.value]
    assert net_paid + sum(i["amount"]["amount"] for i in unpaid) == kept, plan
    return plan


def backdate_plan(settings: Settings, plan_id: str, by: timedelta) -> None:
    """Move the plan's creation (when its checkout was confirmed) back by `by`."""
    model = bind(PlanModel, settings)
    item = model.get(plan_id, consistent_read=True)
    document = dict(item.document)
    created = datetime.fromisoformat(document["createdAt"]) - by
    document["createdAt"] = created.isoformat()
    item.update(actions=[model.document.set(document), model.created_at.set(created)])
