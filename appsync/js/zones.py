"""Time zone offsets for `util.time`, from Python's zoneinfo, embedded in resolver scripts.

QuickJS has no zone database, and the shim cannot call Python during a call (the time limit
forbids it), so `util.time`'s formatted functions learn a zone's offsets from a table that comes
with the resolver: each string literal of the code that names an IANA zone (`'Australia/Perth'`)
adds a `__appsync_zone(id, transitions)` call to the script. A zone named only at run time
(from `ctx.args`, say) is unknown locally and refused, where AppSync would know it.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z_]*(?:/[A-Za-z0-9_+\-]+)+")
_FIRST = datetime(1900, 1, 1, tzinfo=UTC)
_LAST = datetime(2100, 1, 1, tzinfo=UTC)
# Transitions are found by sampling weekly and narrowing to the second: no zone has changed
# its offset twice within a week.
_STEP = timedelta(days=7)


def zone_table(name: str) -> list[tuple[int, int, str]] | None:
    """`[(epoch seconds from which it applies, offset seconds, abbreviation)]` for an IANA zone
    from 1900 to 2100, or None if zoneinfo does not know `name`."""
    if not _ZONE_NAME.fullmatch(name):
        return None
    return _table(name)


@functools.lru_cache(maxsize=64)
def _table(name: str) -> list[tuple[int, int, str]] | None:
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None

    def state(epoch: int) -> tuple[int, str]:
        local = datetime.fromtimestamp(epoch, zone)
        offset = local.utcoffset()
        return (int(offset.total_seconds()) if offset else 0, local.tzname() or "")

    first, last, step = int(_FIRST.timestamp()), int(_LAST.timestamp()), int(_STEP.total_seconds())
    current = state(first)
    table = [(-(1 << 40), *current)]
    moment = first
    while moment < last:
        following = moment + step
        seen = state(following)
        if seen != current:
            low, high = moment, following  # the change is in (low, high]
            while high - low > 1:
                middle = (low + high) // 2
                if state(middle) == current:
                    low = middle
                else:
                    high = middle
            table.append((high, *seen))
            current = seen
        moment = following
    return table


def registrations(literals: Iterable[str]) -> str:
    """JS registering the zones among `literals` (string literal values), on one line."""
    calls = []
    for name in sorted(set(literals)):
        table = zone_table(name)
        if table is not None:
            transitions = json.dumps(table, separators=(",", ":"))
            calls.append(f"globalThis.__appsync_zone({json.dumps(name)}, {transitions});")
    return " ".join(calls)
