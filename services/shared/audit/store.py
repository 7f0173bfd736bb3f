"""Audit entries written in the transaction of the change they record, and read back.

A store that writes an audited change:

1. knows its subject's head (a new subject has none; otherwise `AuditLog.head` reads it) and
   makes the next entry from it (`AuditLog.entry`);
2. adds `head_action(model, entry)` to its own update of the subject (or sets
   `head_value(entry)` on a new item), so the item remembers the stream's new head;
3. stages the entry after its own items (`AuditLog.stage`), in its `AuditedTransactWrite`: a
   put on the condition that the entry's (stream, sequence) slot is free.

All of it commits or none of it: no change without its entry, no entry without its change. Two
writers that read the same head race for the same slot, and one is cancelled whatever else its
transaction holds, so a stream never forks. Where the subject's own conditions do not already
order its writers, `transact` tells that race apart from the store's own refusals (`collided`)
and writes again on a fresh head.

Who: the caller of the current request (`services.shared.trace`), unless the change names its
actor; `system` when there is no caller (the sweep, the webhook sender).
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pynamodb.connection import Connection
from pynamodb.connection.base import BOTOCORE_EXCEPTIONS
from pynamodb.exceptions import DoesNotExist, PynamoDBException, TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from services.shared import trace
from services.shared.audit.chain import SYSTEM, Change, Entry, Head, canonical_json, epoch
from services.shared.audit.models import AuditEntryModel, AuditHeadMap
from services.shared.dynamodb import bind
from services.shared.errors import DependencyFailure
from services.shared.settings import Settings
from services.shared.timestamps import utc_now

CONDITION_FAILED = "ConditionalCheckFailed"
TRANSACTION_CONFLICT = "TransactionConflict"
# Writers of one subject whose own conditions let them all through (two reconfirmations of a
# consent) take the slots one after another: up to this many may race.
RACE_ATTEMPTS = 10
RACE_BACKOFF_S = 0.005


class AuditedTransactWrite(TransactWrite):
    """A `TransactWrite` that places each audit entry right after the items staged before it.

    pynamodb sends a transaction's puts before its updates, whatever the order they were added
    in; an entry is a put (the services may not update the audit table), so it would come first
    and move the place of every cancellation reason the store reads. Here it keeps its place:
    after the store's own items, before anything staged later (the webhook outbox's events).
    `audit_positions` says where the entries ended up.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._entries: list[tuple[int, dict[str, Any]]] = []
        self.audit_positions: tuple[int, ...] = ()

    def put_entry(self, item: AuditEntryModel) -> None:
        """Add an entry's put, on the condition that its slot is free."""
        model = type(item)
        # The slot is the key: a writer that read an old head finds its number taken.
        kwargs = item.get_save_kwargs_from_instance(condition=model.stream.does_not_exist())
        self._entries.append((len(self._update_items), kwargs))

    def _commit(self) -> Any:
        if not self._entries:
            return super()._commit()
        items: list[dict[str, Any]] = [
            *({"ConditionCheck": item} for item in self._condition_check_items),
            *({"Delete": item} for item in self._delete_items),
            *({"Put": item} for item in self._put_items),
        ]
        positions = []
        entries = iter(self._entries)
        entry = next(entries, None)
        for index, update in enumerate([*self._update_items, None]):
            while entry is not None and entry[0] == index:
                positions.append(len(items))
                items.append({"Put": entry[1]})
                entry = next(entries, None)
            if update is not None:
                items.append({"Update": update})
        self.audit_positions = tuple(positions)
        connection = self._connection
        operation = connection._get_transact_operation_kwargs(
            client_request_token=self._client_request_token,
            return_consumed_capacity=self._return_consumed_capacity,
            return_item_collection_metrics=self._return_item_collection_metrics,
        )
        operation["TransactItems"] = items
        try:
            response = connection.dispatch("TransactWriteItems", operation)
        except BOTOCORE_EXCEPTIONS as exc:
            raise TransactWriteError("Failed to write transaction items", exc) from exc
        for model in self._models_for_version_attribute_update:
            model.update_local_version_attribute()
        return response


def collided(exc: TransactWriteError, transaction: AuditedTransactWrite) -> bool:
    """Whether a cancelled transaction lost only the race for an entry's slot: its entries
    failed their condition and nothing else did (write again on a fresh head)."""
    reasons = [reason.code if reason else None for reason in exc.cancellation_reasons]
    failed = {index for index, code in enumerate(reasons) if code == CONDITION_FAILED}
    return bool(failed) and failed <= set(transaction.audit_positions)


def transact(
    connection: Connection,
    write: Callable[[AuditedTransactWrite], None],
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Commit `write`'s items; again, from a fresh call of `write` (which reads the head
    afresh), after losing an entry's slot or meeting another transaction on an item.

    Raises:
        TransactWriteError: cancelled for any other reason (the store reads its reasons), or
            still racing after `RACE_ATTEMPTS`.
    """
    for attempt in range(RACE_ATTEMPTS):
        transaction = AuditedTransactWrite(connection=connection)
        try:
            with transaction:
                write(transaction)
        except TransactWriteError as exc:
            codes = [reason.code if reason else None for reason in exc.cancellation_reasons]
            racing = collided(exc, transaction) or TRANSACTION_CONFLICT in codes
            if not racing or attempt == RACE_ATTEMPTS - 1:
                raise
            sleep(RACE_BACKOFF_S * (attempt + 1))
            continue
        return


def head_value(entry: Entry) -> AuditHeadMap:
    """The head a subject's item keeps once `entry` is its stream's last."""
    return AuditHeadMap(  # type: ignore[no-untyped-call]  # pynamodb's untyped __init__
        sequence=int(entry.sequence), entry_hash=entry.hash, expires_at=entry.expires_at
    )


def head_action(model: Any, entry: Entry) -> Action:
    """The action, for the subject's own update, that moves its head to `entry`."""
    action: Action = model.audit_head.set(head_value(entry))
    return action


def head_of(item: Model) -> Head:
    """The head an item keeps; the empty head when it has none."""
    stored: AuditHeadMap | None = getattr(item, "audit_head", None)
    if stored is None:
        return Head()
    expires = stored.expires_at
    return Head(int(stored.sequence), stored.entry_hash, None if expires is None else int(expires))


class AuditLog:
    """The `audit_log` table (see the module docstring)."""

    def __init__(self, settings: Settings) -> None:
        self._entries = bind(AuditEntryModel, settings)

    @property
    def table(self) -> str:
        """The physical table name."""
        return str(self._entries.Meta.table_name)

    def head(self, model: type[Model], hash_key: str, range_key: str | None = None) -> Head:
        """A subject's head, strongly consistent; the empty head for an item without one.

        Raises:
            DependencyFailure: the item could not be read.
        """
        try:
            item = model.get(
                hash_key, range_key, consistent_read=True, attributes_to_get=["audit_head"]
            )
        except DoesNotExist:  # no such item, or one without a head
            return Head()
        except PynamoDBException as exc:
            raise DependencyFailure("The audit log is unavailable; nothing was written") from exc
        return head_of(item)

    def entry(self, stream: str, change: Change, head: Head) -> Entry:
        """The entry after `head` that records `change`, made by the current request's caller
        (or the change's own actor, else `system`), now. Make it once per attempt: a retried
        transaction numbers its entry on a fresh head."""
        current = trace.current()
        actor = change.actor or (current.sub if current is not None else None) or SYSTEM
        return Entry.following(
            head,
            change,
            stream=stream,
            actor=actor,
            request_id=current.request_id if current is not None else None,
            now=utc_now(),
        )

    def stage(self, transaction: AuditedTransactWrite, entry: Entry) -> None:
        """Put `entry` into `transaction`, after the items staged so far (stage it after the
        store's own items, whose update of the subject carries `head_action`)."""
        transaction.put_entry(self._item(entry))

    def trail(self, stream: str) -> list[Entry]:
        """A stream's entries in order, strongly consistent.

        Raises:
            DependencyFailure: the table could not be read.
        """
        try:
            items = self._entries.query(stream, consistent_read=True)
            return [_entry(item) for item in items]
        except PynamoDBException as exc:
            raise DependencyFailure("The audit log is unavailable; try again") from exc

    def streams(self) -> dict[str, list[Entry]]:
        """Every stream's entries in order (a scan of the whole table: for verification)."""
        streams: defaultdict[str, list[Entry]] = defaultdict(list)
        for item in self._entries.scan(consistent_read=True):
            streams[item.stream].append(_entry(item))
        return {name: sorted(found, key=lambda e: e.sequence) for name, found in streams.items()}

    def _item(self, entry: Entry) -> AuditEntryModel:
        return self._entries(
            entry.stream,
            entry.sequence,
            prev_hash=entry.prev_hash,
            entry_hash=entry.hash,
            at=entry.at,
            expires_at=datetime.fromtimestamp(entry.expires_at, UTC),
            prev_expires_at=entry.prev_expires_at,
            actor=entry.actor,
            action=entry.action,
            request_id=entry.request_id,
            before=None if entry.before is None else canonical_json(entry.before),
            after=canonical_json(entry.after),
            evidence=canonical_json(entry.evidence),
        )


def _entry(item: AuditEntryModel) -> Entry:
    """The entry a stored item holds, as stored: whatever was changed in it stays changed (and
    fails its hash), and what is missing reads as empty."""
    number = item.sequence
    expires = item.expires_at
    prev_expires = item.prev_expires_at
    return Entry(
        stream=item.stream,
        sequence=int(number) if number == int(number) else number,
        prev_hash=item.prev_hash or "",
        at=item.at or "",
        expires_at=epoch(expires) if expires is not None else 0,
        prev_expires_at=None if prev_expires is None else int(prev_expires),
        actor=item.actor or "",
        action=item.action or "",
        request_id=item.request_id,
        before=None if item.before is None else _json(item.before),
        after=_json(item.after or ""),
        evidence=_json(item.evidence or ""),
        hash=item.entry_hash or "",
    )


def _json(text: str) -> Any:
    """Stored JSON text parsed; text that is no JSON stays text (and fails its hash)."""
    try:
        return json.loads(text)
    except ValueError:
        return text
