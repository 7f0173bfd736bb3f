"""The events the workflow raises, shaped as EventBridge `PutEvents` entries.

`EventPublisher` is the port: locally a DynamoDB outbox table holds the entries
(`services.credit.adapters.event_publishers.OutboxEventPublisher`); in AWS the EventBridge
adapter sends them with `events.put_events` (`EventBridgePublisher`). Consumers (adverse-action
letters, analytics) key on `Detail.applicationId`: an event may be delivered more than once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from services.shared.timestamps import iso_timestamp

SOURCE = "bnpl.credit"
REJECTED = "CreditApplicationRejected"


@dataclass(frozen=True, kw_only=True)
class Event:
    """One `PutEvents` entry: Source, DetailType, Detail (a JSON string), EventBusName, Time."""

    source: str
    detail_type: str
    detail: Mapping[str, Any]
    event_bus_name: str
    time: datetime

    def entry(self) -> dict[str, Any]:
        """The entry exactly as `put_events(Entries=[...])` takes it."""
        return {
            "Source": self.source,
            "DetailType": self.detail_type,
            "Detail": json.dumps(self.detail, sort_keys=True, separators=(",", ":")),
            "EventBusName": self.event_bus_name,
            "Time": self.time,
        }


class EventPublisher(Protocol):
    """Publishes events (an outbox locally, EventBridge in AWS)."""

    def publish(self, event: Event) -> None:
        """Raises DependencyFailure when the event could not be published."""
        ...


def rejection_event(
    *,
    application_id: str,
    checkout_id: str,
    customer_id: str,
    reasons: Sequence[Mapping[str, Any]],
    policy_version: str,
    decided_at: datetime,
    event_bus_name: str,
) -> Event:
    """`CreditApplicationRejected`: what a decline notice needs (the reasons, in order)."""
    return Event(
        source=SOURCE,
        detail_type=REJECTED,
        detail={
            "applicationId": application_id,
            "checkoutId": checkout_id,
            "customerId": customer_id,
            "outcome": "DECLINED",
            "reasons": [dict(reason) for reason in reasons],
            "policyVersion": policy_version,
            "decidedAt": iso_timestamp(decided_at),
        },
        event_bus_name=event_bus_name,
        time=decided_at,
    )


class RecordingPublisher:
    """An `EventPublisher` that keeps what it is given (tests and tools)."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def publish(self, event: Event) -> None:
        self.events.append(event)
