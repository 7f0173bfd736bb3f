"""The outbox: webhook events written in the same DynamoDB transaction as the change they
report, so no event is lost and none is sent for a change that did not happen.

A store that makes a change hands its writes to `Outbox.transact`, which adds the events after
the store's own items in one `TransactWrite`. Each event is numbered from a strongly consistent
read of its stream's last number and written only if that number is still free: two changes of
one checkout racing for the same number cannot both commit, so the numbers follow the order
the changes committed in. The loser's transaction is cancelled with nothing written
(`collided`), and is written again after a jittered pause, numbered afresh; any other
cancellation is the store's to read.

A writer that already knows a stream's last number (a decision on a checkout nobody has applied
to yet knows it has none) passes it as `known_last` and spares the read; if it was wrong, the
event's condition refuses it like any lost race, and the retry reads the number.

In AWS the table's stream hands each new event to the sender; locally, and for anything the
stream missed, the sender reads the sparse `undispatched` index.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta

from pynamodb.connection import Connection
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.transactions import TransactWrite

from services.credit.webhooks.events import EventDraft, WebhookEvent
from services.credit.webhooks.models import WebhookEventModel
from services.shared import trace
from services.shared.audit.store import AuditedTransactWrite
from services.shared.dynamodb import bind, connection
from services.shared.errors import DependencyFailure
from services.shared.settings import Settings
from services.shared.timestamps import utc_now

# How long an event stays replayable.
RETENTION = timedelta(days=30)
UNDISPATCHED = "1"
# A checkout's concurrent changes (its applicants deciding at once) race for the next number:
# one wins each round, so the others may need as many rounds as there are racers.
SEQUENCE_RETRIES = 30
SEQUENCE_BACKOFF_S = 0.01


class Outbox:
    """Stages events into a store's transaction (see the module docstring)."""

    def __init__(self, settings: Settings, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self._events = bind(WebhookEventModel, settings)
        self._sleep = sleep
        self._connection = connection(settings)

    def last_sequence(self, stream: str) -> int:
        """The number of the stream's latest event; 0 when it has none."""
        model = self._events
        try:
            for item in model.query(
                stream,
                scan_index_forward=False,
                limit=1,
                consistent_read=True,
                attributes_to_get=["sequence"],
            ):
                return int(item.sequence)
        except PynamoDBException as exc:
            raise DependencyFailure("The event outbox is unavailable; nothing was written") from exc
        return 0

    def stage(
        self,
        transaction: TransactWrite,
        drafts: Sequence[EventDraft],
        now: datetime | None = None,
        known_last: Mapping[str, int] | None = None,
    ) -> list[WebhookEvent]:
        """Add the drafts to `transaction`, after the store's own items, numbered in their
        streams (after `known_last`'s numbers where given, else after a read of the stream).
        Call it once per attempt: a retried transaction numbers its events again."""
        now = now or utc_now()
        cause = trace.current()
        following: dict[str, int] = dict(known_last or {})
        events = []
        for draft in drafts:
            if draft.stream not in following:
                following[draft.stream] = self.last_sequence(draft.stream)
            following[draft.stream] += 1
            event = WebhookEvent.numbered(draft, sequence=following[draft.stream], now=now)
            # Written as an update that may only create the item: DynamoDB orders a transaction's
            # puts before its updates, and an event must be its transaction's last item, after
            # the store's own, so that where each cancellation reason belongs stays known.
            model = self._events
            traced = (
                []
                if cause is None
                else [
                    model.request_id.set(cause.request_id),
                    model.trace_root.set(cause.root),
                ]
            )
            transaction.update(
                model(event.stream, event.sequence),
                actions=[
                    model.id.set(event.id),
                    model.type.set(event.type.value),
                    model.created_at.set(event.created_at),
                    model.body.set(event.body()),
                    model.undispatched.set(UNDISPATCHED),
                    model.expires_at.set(event.created_at + RETENTION),
                    *traced,
                ],
                condition=model.stream.does_not_exist(),
            )
            events.append(event)
        return events

    def transact(
        self,
        connection: Connection,
        write: Callable[[AuditedTransactWrite], None],
        drafts: Sequence[EventDraft],
        now: datetime | None = None,
        *,
        known_last: Mapping[str, int] | None = None,
    ) -> list[WebhookEvent]:
        """Commit `write`'s items and the drafts' events in one transaction.

        Args:
            known_last: streams' last numbers as the writer knows them, tried first.

        Raises:
            TransactWriteError: cancelled for any reason but a lost race for an event's number
                (or that race lost `SEQUENCE_RETRIES` times over).
        """
        for attempt in range(SEQUENCE_RETRIES + 1):
            try:
                # Audited: a store may stage its audit entry too (`services.shared.audit`).
                with AuditedTransactWrite(connection=connection) as transaction:
                    write(transaction)
                    events = self.stage(transaction, drafts, now, known_last)
            except TransactWriteError as exc:
                if collided(exc, len(drafts)) and attempt < SEQUENCE_RETRIES:
                    if not known_last:  # a stale guess is no race: no reason to wait
                        self._sleep(SEQUENCE_BACKOFF_S * (1 + random.random()))  # noqa: S311
                    known_last = None
                    continue
                raise
            return events
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def add(self, drafts: Sequence[EventDraft], now: datetime) -> list[WebhookEvent]:
        """Write events with no other change (a test event): a transaction of their own."""
        try:
            return self.transact(self._connection, lambda _: None, drafts, now)
        except TransactWriteError as exc:
            raise DependencyFailure("Could not store the event; try again") from exc


def collided(exc: TransactWriteError, staged: int) -> bool:
    """Whether a cancelled transaction lost only the race for an event's number: its last
    `staged` items (the events) failed their condition, and none of the others did."""
    reasons = [reason.code if reason else None for reason in exc.cancellation_reasons]
    if not staged or len(reasons) < staged:
        return False
    own, events = reasons[:-staged], reasons[-staged:]
    return "ConditionalCheckFailed" in events and "ConditionalCheckFailed" not in own
