"""`bnpl metrics`: what the local stack counted (decisions, screening steps, money movements,
webhooks, verification codes, resolver errors), summed from the metric documents its processes
wrote to `bnpl dev`'s log files (`bnpl.metric_logs`), as CloudWatch would sum them in AWS."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

from bnpl.commands import UsageError, dev_settings
from bnpl.metric_logs import read_documents, summarise, table


def run(*, since: str | None) -> int:
    """Print one row per metric and dimension set: count, sum, and p50/p99 for durations.

    Returns:
        0; 1 when there is no log folder (`bnpl dev` has not run with this data folder).
    """
    since_ms = _since_ms(since, datetime.now(UTC))
    log_dir = dev_settings().log_dir
    if not log_dir.is_dir():
        sys.stderr.write(f"bnpl metrics: no logs in {log_dir}; start the stack with `bnpl dev`\n")
        return 1
    series = summarise(read_documents(log_dir, since_ms=since_ms))
    if not series:
        sys.stdout.write(f"no metrics in {log_dir}" + (f" since {since}" if since else "") + "\n")
        return 0
    rows = table(series)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=True)]
        sys.stdout.write("  ".join(cells).rstrip() + "\n")
    return 0


def _since_ms(since: str | None, now: datetime) -> int | None:
    """`--since` as epoch milliseconds: a number of minutes before `now`, or an ISO 8601 moment.

    Raises:
        UsageError: neither, or a moment without a timezone.
    """
    if since is None:
        return None
    try:
        moment = now - timedelta(minutes=float(since))
    except ValueError:
        try:
            moment = datetime.fromisoformat(since)
        except ValueError:
            raise UsageError(
                f"--since takes minutes or an ISO 8601 date-time, not {since!r}"
            ) from None
        if moment.tzinfo is None:
            raise UsageError("--since needs a timezone, e.g. 2026-12-31T09:00:00Z") from None
    return int(moment.timestamp() * 1000)
