"""What merchants hear: the webhook events, their types, and the body each is sent as.

A change that a merchant may want to hear about (a decision, a confirmation, a capture, a paid
instalment...) is drafted here by the use case that makes it, and written to the outbox in the
same DynamoDB transaction as the change itself (`outbox.py`), where it gets its id and its
`sequence`: its place among its checkout's events, 1, 2, 3... A receiver that has seen a higher
sequence for a checkout can drop a lower one as stale.

The body follows Standard Webhooks' shape (`type`, `timestamp`, `data`), with the event's `id`
(also the `webhook-id` header) and `sequence`; `data` holds a snapshot of the resource as the
merchant sees it. Pure: no web, storage or AWS.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from services.credit.checkouts.domain import Checkout, CheckoutStatus
from services.credit.plans.domain import Instalment, InstalmentStatus, PaymentPlan, PlanStatus
from services.shared.timestamps import iso_timestamp


class EventType(StrEnum):
    """Every event a merchant can subscribe to."""

    CHECKOUT_APPROVED = "checkout.approved"
    CHECKOUT_DECLINED = "checkout.declined"
    CHECKOUT_REFERRED = "checkout.referred"
    CHECKOUT_CONFIRMED = "checkout.confirmed"
    CHECKOUT_CAPTURED = "checkout.captured"
    CHECKOUT_VOIDED = "checkout.voided"
    CHECKOUT_REFUNDED = "checkout.refunded"
    CHECKOUT_EXPIRED = "checkout.expired"
    PLAN_INSTALMENT_PAID = "plan.instalment_paid"
    PLAN_INSTALMENT_LATE = "plan.instalment_late"
    PLAN_COMPLETED = "plan.completed"
    # Sent by `sendTestWebhook` to one endpoint, whatever it subscribes to.
    WEBHOOK_TEST = "webhook.test"


SUBSCRIBABLE: tuple[EventType, ...] = tuple(t for t in EventType if t is not EventType.WEBHOOK_TEST)

_DECISIONS = {
    CheckoutStatus.APPROVED: EventType.CHECKOUT_APPROVED,
    CheckoutStatus.DECLINED: EventType.CHECKOUT_DECLINED,
    CheckoutStatus.REFERRED: EventType.CHECKOUT_REFERRED,
}

_INSTALMENT_EVENTS = {
    InstalmentStatus.PAID: EventType.PLAN_INSTALMENT_PAID,
    InstalmentStatus.LATE: EventType.PLAN_INSTALMENT_LATE,
}


@dataclass(frozen=True, kw_only=True)
class EventDraft:
    """An event before the outbox numbers it: what happened, to which checkout (its stream)."""

    type: EventType
    stream: str
    data: Mapping[str, Any]


@dataclass(frozen=True, kw_only=True)
class WebhookEvent:
    """An event as stored and sent: numbered in its stream, with its id and time."""

    id: str
    type: EventType
    stream: str
    sequence: int
    created_at: datetime
    data: Mapping[str, Any]

    @classmethod
    def numbered(cls, draft: EventDraft, *, sequence: int, now: datetime) -> WebhookEvent:
        return cls(
            id=new_event_id(),
            type=draft.type,
            stream=draft.stream,
            sequence=sequence,
            created_at=now,
            data=draft.data,
        )

    def body(self) -> str:
        """The JSON text sent (and signed), byte for byte the same on every attempt."""
        document = {
            "id": self.id,
            "type": self.type.value,
            "timestamp": iso_timestamp(self.created_at),
            "sequence": self.sequence,
            "data": self.data,
        }
        return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def new_event_id() -> str:
    """A fresh, opaque event id (the `webhook-id` header of every attempt to send it)."""
    return f"evt_{uuid.uuid4().hex}"


def merchant_snapshot(checkout: Checkout) -> dict[str, Any]:
    """The checkout as its merchant reads it with `checkout(id)`."""
    return checkout.merchant_view().to_json()


def decision_event(checkout: Checkout, *, application_id: str, outcome: str) -> EventDraft:
    """`checkout.approved|declined|referred`: one shopper's decision on the checkout (already
    applied to `checkout`); the snapshot is the merchant's view, so it names no shopper."""
    status = CheckoutStatus(outcome)
    return EventDraft(
        type=_DECISIONS[status],
        stream=checkout.id,
        data={
            "checkout": merchant_snapshot(checkout),
            "application": {"id": application_id, "outcome": status.value},
        },
    )


def checkout_event(type: EventType, checkout: Checkout) -> EventDraft:
    """A change of the checkout itself (confirmed, captured, voided, refunded, expired)."""
    return EventDraft(type=type, stream=checkout.id, data={"checkout": merchant_snapshot(checkout)})


def plan_snapshot(plan: PaymentPlan) -> dict[str, Any]:
    """The plan as a merchant may see it: its schedule and where it stands, never the shopper's
    payments (card details stay between the shopper and us)."""
    return {
        "id": plan.id,
        "checkoutId": plan.checkout_id,
        "status": plan.status.value,
        "principal": plan.principal.to_json(),
        "totalPayable": plan.total_payable.to_json(),
        "outstanding": plan.outstanding.to_json(),
        "instalments": [_instalment(i) for i in plan.instalments],
    }


def _instalment(instalment: Instalment) -> dict[str, Any]:
    return {**instalment.to_json(), "lateFee": instalment.late_fee.to_json()}


def plan_events(before: PaymentPlan | None, after: PaymentPlan) -> list[EventDraft]:
    """What changed between two versions of a plan, in the order a merchant should hear it:
    each instalment newly paid, each newly late, then the plan's completion."""
    earlier = {i.number: i.status for i in before.instalments} if before else {}
    drafts: list[EventDraft] = []
    snapshot = plan_snapshot(after)
    for instalment in after.instalments:
        was = earlier.get(instalment.number)
        if instalment.status == was:
            continue
        type = _INSTALMENT_EVENTS.get(instalment.status)
        if type is None or (before is None and type is EventType.PLAN_INSTALMENT_PAID):
            # A new plan's first instalment is paid with the acceptance: checkout.confirmed says so.
            continue
        drafts.append(
            EventDraft(
                type=type,
                stream=after.checkout_id,
                data={"plan": snapshot, "instalment": _instalment(instalment)},
            )
        )
    completed = after.status is PlanStatus.COMPLETED
    if completed and (before is None or before.status is not PlanStatus.COMPLETED):
        drafts.append(
            EventDraft(
                type=EventType.PLAN_COMPLETED, stream=after.checkout_id, data={"plan": snapshot}
            )
        )
    return drafts


def webhook_test_event(endpoint_id: str, merchant_id: str) -> EventDraft:
    """`webhook.test`, in a stream of its endpoint's own."""
    return EventDraft(
        type=EventType.WEBHOOK_TEST,
        stream=f"test:{endpoint_id}",
        data={"endpointId": endpoint_id, "merchantId": merchant_id},
    )
