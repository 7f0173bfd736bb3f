"""How a plan is stored: one JSON document holding its instalments and payments.

The document keeps what the API shows and the bookkeeping behind it (refunds, waived fees, the
provider's charge ids); never a payment token.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from services.credit.plans.domain import (
    Instalment,
    InstalmentStatus,
    Payment,
    PaymentPlan,
    PaymentStatus,
    PlanStatus,
)
from services.shared.money import Money


def _money(value: dict[str, Any]) -> Money:
    return Money(int(value["amount"]), str(value["currency"]))


def plan_to_json(plan: PaymentPlan) -> dict[str, Any]:
    """Everything a plan holds (the API's fields and the bookkeeping ones), as JSON."""
    return {
        **plan.to_json(),
        "refunded": plan.refunded.to_json(),
        "feesWaived": plan.fees_waived.to_json(),
        "instalments": [{**i.to_json(), "lateFee": i.late_fee.to_json()} for i in plan.instalments],
        "payments": [
            {**p.to_json(), "chargeId": p.charge_id, "refunded": p.refunded.to_json()}
            for p in plan.payments
        ],
    }


def plan_from_json(document: dict[str, Any]) -> PaymentPlan:
    """The plan `plan_to_json` wrote."""
    return PaymentPlan(
        id=document["id"],
        checkout_id=document["checkoutId"],
        customer_id=document["customerId"],
        status=PlanStatus(document["status"]),
        principal=_money(document["principal"]),
        total_payable=_money(document["totalPayable"]),
        instalments=tuple(
            Instalment(
                number=int(i["number"]),
                due_date=date.fromisoformat(i["dueDate"]),
                amount=_money(i["amount"]),
                status=InstalmentStatus(i["status"]),
                late_fee=_money(i["lateFee"]),
                paid_at=datetime.fromisoformat(i["paidAt"]) if i.get("paidAt") else None,
            )
            for i in document["instalments"]
        ),
        payments=tuple(
            Payment(
                id=p["id"],
                plan_id=p["planId"],
                amount=_money(p["amount"]),
                status=PaymentStatus(p["status"]),
                instalment_numbers=tuple(int(n) for n in p["instalmentNumbers"]),
                charge_id=p["chargeId"],
                card_last4=p.get("cardLast4"),
                failure_code=p.get("failureCode"),
                created_at=datetime.fromisoformat(p["createdAt"]),
                refunded=_money(p["refunded"]),
            )
            for p in document["payments"]
        ),
        created_at=datetime.fromisoformat(document["createdAt"]),
        refunded=_money(document["refunded"]),
        fees_waived=_money(document["feesWaived"]),
    )
