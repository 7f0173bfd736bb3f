"""Times on the wire: UTC, ISO 8601 with a `Z`, millisecond precision (AppSync's AWSDateTime)."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """The current time, timezone-aware UTC, truncated to milliseconds (what we store)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def iso_timestamp(moment: datetime) -> str:
    """`2026-01-31T09:30:00.125Z`: the one format every service answers with.

    Raises:
        ValueError: `moment` is naive (its timezone would be a guess).
    """
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
