"""What an audit entry is, its canonical form and hash, and how a stream is verified. Pure.

Streams: one per subject, never one for everything. A subject is a credit application (its
decision, any underwriter's review), a payment plan (every charge, capture, void, refund, expiry
and late fee on it and its checkout), a bank consent or a merchant's webhook endpoint. Each
stream is its own DynamoDB partition, written only by the changes of its subject, which that
subject's own conditions already put in order: no global sequence, so no hot key and no
contention between unrelated changes.

The chain: entry n of a stream holds its number and the hash of entry n-1 (`GENESIS` for the
first); its own hash is SHA-256 over its canonical JSON (every field but the hash). Changing an
entry breaks its hash; deleting or inserting one breaks the numbering or the next entry's link.
The subject's item keeps the stream's head (number, hash, expiry), written in the same
transaction as the entry, so a deleted last entry shows as well.

Retention: each entry expires `RETENTION` after it is written (DynamoDB TTL, `docs/audit.md`).
A stream's entries expire in order, so only its start may go; each entry carries its
predecessor's expiry, which tells an expired start from a deletion.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

GENESIS = ""  # the link of a stream's first entry
FORMAT = 1  # the canonical form's version, hashed with every entry
# UK consumer credit: decision records for the life of the agreement (12 months at most here)
# plus six years (FCA CONC, Limitation Act 1980); seven years from each entry covers both.
RETENTION = timedelta(days=7 * 365 + 2)
SYSTEM = "system"  # who made a change no caller asked for (the sweep, the webhook sender)

Json = None | bool | int | str | list["Json"] | dict[str, "Json"]


class Subject(StrEnum):
    """What a stream is about; a stream's name is the subject and its key."""

    APPLICATION = "application"
    PLAN = "plan"
    CONSENT = "consent"
    WEBHOOK_ENDPOINT = "webhook_endpoint"


def stream_of(subject: Subject, *key: str) -> str:
    """A subject's stream name: `application#app_123`, `consent#<customer>#<consent>`.

    Example:
        >>> stream_of(Subject.PLAN, "pln_1")
        'plan#pln_1'
    """
    return "#".join((subject.value, *key))


def canonical_json(value: Any) -> str:
    """The one text of `value` that is hashed: sorted keys, no spaces, UTF-8 as is.

    Only JSON's exact types are taken: a float has more than one text (and money is integer minor
    units here anyway).

    Raises:
        TypeError: a float, or anything JSON cannot hold.

    Example:
        >>> canonical_json({"b": [1, None], "a": "é"})
        '{"a":"é","b":[1,null]}'
    """
    _check(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _check(value: Any) -> None:
    if value is None or isinstance(value, bool | int | str):
        return
    if isinstance(value, list | tuple):
        for item in value:
            _check(item)
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"audit keys are strings, not {type(key).__name__}")
            _check(item)
        return
    raise TypeError(f"an audit entry holds no {type(value).__name__}")


def digest(document: Any) -> str:
    """SHA-256 of a document an entry refers to (a decision's evidence): its sorted JSON, floats
    as Python writes them, so the same stored document always gives the same digest."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def epoch(moment: datetime) -> int:
    """Whole seconds since 1970 (how DynamoDB TTL reads an expiry)."""
    return int(moment.timestamp())


def iso(moment: datetime) -> str:
    """`2026-01-31T09:30:00.125Z`: the entries' time format."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


@dataclass(frozen=True, kw_only=True)
class Change:
    """What a store asks to record with a change it writes.

    Attributes:
        action: what happened (`application.decided`, `payment.charged`, ...).
        before: the subject's state before, small (status, outcome, amounts); None for a new one.
        after: its state after.
        evidence: references (ids, versions, reason codes, digests), never whole documents.
        actor: who, when not the caller of the current request (`bank`, `system`).
    """

    action: str
    before: Mapping[str, Json] | None
    after: Mapping[str, Json]
    evidence: Mapping[str, Json] = field(default_factory=dict)
    actor: str | None = None


@dataclass(frozen=True)
class Head:
    """A stream's last entry as its subject's item remembers it: number, hash and expiry."""

    sequence: int = 0
    hash: str = GENESIS
    expires_at: int | None = None


@dataclass(frozen=True, kw_only=True)
class Entry:
    """One audit entry. `sequence` is the number of its key (a stored key may be fractional:
    no writer makes one, so such an entry was inserted)."""

    stream: str
    sequence: int | float
    prev_hash: str
    at: str
    expires_at: int
    prev_expires_at: int | None
    actor: str
    action: str
    request_id: str | None
    before: Mapping[str, Json] | None
    after: Mapping[str, Json]
    evidence: Mapping[str, Json]
    hash: str

    @classmethod
    def following(
        cls,
        head: Head,
        change: Change,
        *,
        stream: str,
        actor: str,
        request_id: str | None,
        now: datetime,
    ) -> Entry:
        """The entry after `head` that records `change`, hashed."""
        fields: dict[str, Any] = {
            "stream": stream,
            "sequence": head.sequence + 1,
            "prev_hash": head.hash,
            "at": iso(now),
            "expires_at": epoch(now + RETENTION),
            "prev_expires_at": head.expires_at,
            "actor": actor,
            "action": change.action,
            "request_id": request_id,
            "before": None if change.before is None else dict(change.before),
            "after": dict(change.after),
            "evidence": dict(change.evidence),
        }
        return cls(**fields, hash=_hash(fields))

    def body(self) -> dict[str, Any]:
        """Every field but the hash, with the format: what the hash is over."""
        return {
            "v": FORMAT,
            "stream": self.stream,
            "sequence": self.sequence,
            "prev_hash": self.prev_hash,
            "at": self.at,
            "expires_at": self.expires_at,
            "prev_expires_at": self.prev_expires_at,
            "actor": self.actor,
            "action": self.action,
            "request_id": self.request_id,
            "before": self.before,
            "after": self.after,
            "evidence": self.evidence,
        }

    def computed_hash(self) -> str:
        """The hash the entry's fields give now."""
        return _hash(self.body())

    @property
    def head(self) -> Head:
        """The stream's head once this entry is its last."""
        return Head(int(self.sequence), self.hash, self.expires_at)

    def to_json(self) -> dict[str, Any]:
        """The API's `AuditEntry`."""
        return {
            "sequence": self.sequence,
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "requestId": self.request_id,
            "before": self.before,
            "after": self.after,
            "evidence": self.evidence,
            "hash": self.hash,
            "previousHash": self.prev_hash,
        }


def _hash(fields: Mapping[str, Any]) -> str:
    body = {"v": FORMAT, **{k: v for k, v in fields.items() if k != "hash"}}
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()


class BreakKind(StrEnum):
    """How a stream fails verification."""

    ALTERED = "altered"
    MISSING = "missing"
    INSERTED = "inserted"
    HEAD_MISMATCH = "head mismatch"


@dataclass(frozen=True)
class Break:
    """The first place a stream stops being what was written."""

    stream: str
    sequence: int | float
    kind: BreakKind
    detail: str

    def __str__(self) -> str:
        return f"{self.stream} #{self.sequence}: {self.kind.value}: {self.detail}"


def verify_stream(
    stream: str, entries: Sequence[Entry], head: Head | None, *, now: datetime
) -> Break | None:
    """The first break in a stream, or None when it is intact.

    Args:
        entries: every stored entry of the stream, in key order.
        head: the head its subject's item keeps; None when no item names this stream.
        now: entries that expired before it may be gone from the stream's start.
    """
    expected, link, link_expiry = 1, GENESIS, None
    for index, entry in enumerate(entries):
        where = entry.sequence
        if entry.sequence != int(entry.sequence) or entry.sequence < expected:
            return Break(stream, where, BreakKind.INSERTED, "no writer makes this number")
        if entry.sequence > expected and not (index == 0 and _expired(entry, now)):
            return Break(stream, expected, BreakKind.MISSING, "the entry is gone")
        if entry.stream != stream or entry.computed_hash() != entry.hash:
            return Break(stream, where, BreakKind.ALTERED, "its content does not match its hash")
        # A stream's first entry links to GENESIS; an expired start leaves nothing to link to.
        linked = index > 0 or entry.sequence == 1
        if linked and (entry.prev_hash != link or entry.prev_expires_at != link_expiry):
            detail = "its link does not match the entry before it: one of them was rewritten"
            return Break(stream, where, BreakKind.ALTERED, detail)
        if head is None or entry.sequence > head.sequence:
            return Break(stream, where, BreakKind.INSERTED, "it is past its subject's head")
        expected, link, link_expiry = int(entry.sequence) + 1, entry.hash, entry.expires_at
    return _check_head(stream, head, expected - 1, link, now)


def _expired(first: Entry, now: datetime) -> bool:
    """Whether a stream's missing start expired: its last missing entry's expiry has passed."""
    return first.prev_expires_at is not None and first.prev_expires_at <= epoch(now)


def _check_head(
    stream: str, head: Head | None, last: int, link: str, now: datetime
) -> Break | None:
    if head is None or head.sequence == 0:
        return None
    if last == 0:
        # Every entry gone: fine only once the last of them expired.
        if head.expires_at is not None and head.expires_at <= epoch(now):
            return None
        return Break(stream, 1, BreakKind.MISSING, "the stream's entries are gone")
    if head.sequence > last:
        return Break(stream, last + 1, BreakKind.MISSING, "the stream's latest entries are gone")
    if head.hash != link:
        detail = "its subject remembers another hash for the stream's latest entry"
        return Break(stream, last, BreakKind.HEAD_MISMATCH, detail)
    return None
