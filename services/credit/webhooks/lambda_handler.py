"""The sender Lambda (`services.credit.webhooks.lambda_handler.handler`) in AWS.

One function, three triggers (infra/modules/webhooks):
- the outbox table's stream: the new events are fanned out and sent at once;
- a schedule, every minute: the retry sweep (due deliveries, and any event the stream missed);
- the redrive queue: dead letters an operator sends back from the dead-letter queue; each names
  an event and an endpoint, whose delivery is made due again with a fresh schedule.

Each delivery attempt and each dead letter is a CloudWatch metric (EMF, namespace `BNPL`,
service `webhooks`: `DeliveryAttempts`, `DeliveryFailures`, `DeadLettered`), written by the
sender as it happens, which the delivery-failure alarm reads.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from services.credit.webhooks.domain import delivery_id
from services.credit.webhooks.sender import PassReport, WebhookSender
from services.credit.webhooks.settings import WebhookSettings
from services.credit.webhooks.store import DynamoWebhookStore
from services.credit.webhooks.wiring import webhook_sender
from services.shared.emf import EmfMetrics
from services.shared.settings import Settings
from services.shared.timestamps import utc_now

_sender: tuple[WebhookSender, DynamoWebhookStore] | None = None
_lock = threading.Lock()


def _parts() -> tuple[WebhookSender, DynamoWebhookStore]:
    # Built on first use: the connection pools then live as long as the execution environment.
    global _sender  # noqa: PLW0603
    with _lock:
        if _sender is None:
            settings = Settings.from_environ()
            _sender = (
                webhook_sender(
                    settings,
                    WebhookSettings.from_environ(),
                    metrics=EmfMetrics(service="webhooks"),
                ),
                DynamoWebhookStore(settings),
            )
        return _sender


def stream_keys(records: list[Mapping[str, Any]]) -> list[tuple[str, int]]:
    """The (stream, sequence) keys of the events a stream batch inserted."""
    keys = []
    for record in records:
        if record.get("eventName") != "INSERT":
            continue
        key = record.get("dynamodb", {}).get("Keys", {})
        keys.append((str(key["stream"]["S"]), int(key["sequence"]["N"])))
    return keys


def handle(
    event: Mapping[str, Any],
    sender: WebhookSender,
    store: DynamoWebhookStore,
    *,
    now: datetime | None = None,
) -> PassReport:
    """One invocation, whichever trigger made it."""
    records: list[Mapping[str, Any]] = list(event.get("Records") or [])
    sources = {r.get("eventSource") for r in records}
    if "aws:dynamodb" in sources:
        return sender.deliver_due(sender.dispatch(stream_keys(records)))
    for record in records:
        if record.get("eventSource") != "aws:sqs":
            continue
        try:
            letter = json.loads(record.get("body") or "")
        except ValueError:
            continue
        # A dead letter of ours names its delivery; the stream's own failure records do not,
        # and the sweep below picks their events up from the undispatched index.
        if isinstance(letter, dict) and {"eventId", "endpointId"} <= letter.keys():
            redelivery = delivery_id(letter["eventId"], letter["endpointId"])
            store.redeliver(redelivery, now or utc_now())
    return sender.run_once()


def handler(event: Mapping[str, Any], context: Any) -> dict[str, int]:
    del context
    sender, store = _parts()
    report = handle(event, sender, store)
    return {
        "dispatched": report.dispatched,
        "delivered": report.delivered,
        "failed": report.failed_attempts,
        "deadLettered": report.dead_lettered,
    }
