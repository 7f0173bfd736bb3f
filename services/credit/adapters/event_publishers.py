"""Adapters of the workflow's `EventPublisher`: a DynamoDB outbox locally, EventBridge in AWS."""

from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from services.credit.models import CreditEventModel
from services.credit.screening.events import Event
from services.shared.dynamodb import bind
from services.shared.errors import DependencyFailure
from services.shared.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient

logger = logging.getLogger(__name__)


def event_id(event: Event) -> str:
    """Deterministic: publishing the same event twice writes one outbox item."""
    entry = event.entry()
    text = f"{entry['Source']}|{entry['DetailType']}|{entry['Detail']}"
    return f"evt_{hashlib.sha256(text.encode()).hexdigest()[:32]}"


class OutboxEventPublisher:
    """Writes each event to the `credit_event_outbox` table, as EventBridge would receive it."""

    def __init__(self, settings: Settings) -> None:
        self._model = bind(CreditEventModel, settings)

    def publish(self, event: Event) -> None:
        entry = event.entry()
        self._model(
            event_id(event),
            source=entry["Source"],
            detail_type=entry["DetailType"],
            detail=entry["Detail"],
            event_bus_name=entry["EventBusName"],
            time=event.time,
        ).save()


class EventBridgePublisher:
    """Sends each event with `events.put_events` (the production adapter).

    Args:
        client: a boto3 `events` client (its timeouts and retries in its `Config`).
    """

    def __init__(self, client: EventBridgeClient) -> None:
        self._client = client

    def publish(self, event: Event) -> None:
        """Raises DependencyFailure when EventBridge refuses or fails the entry."""
        try:
            answer = self._client.put_events(Entries=[event.entry()])  # type: ignore[list-item]
        except (BotoCoreError, ClientError) as exc:
            logger.warning("put_events failed: %r", exc)
            raise DependencyFailure("EventBridge is unavailable") from exc
        if answer.get("FailedEntryCount", 0):
            failed = answer["Entries"][0]
            logger.warning("put_events refused the entry: %s", failed)
            raise DependencyFailure(
                f"EventBridge refused the event ({failed.get('ErrorCode', 'unknown')})"
            )
