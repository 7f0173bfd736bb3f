"""Calendar arithmetic the credit rules share. Pure."""

from __future__ import annotations

import calendar
from datetime import date


def add_months(day: date, months: int) -> date:
    """`day` moved by whole calendar months (negative: back), clamped to the target month's end.

    Always counted from `day` itself, so a schedule started on 31 January runs 28 (or 29)
    February, 31 March, 30 April: the short month does not drag the later dates back.

    Example:
        >>> add_months(date(2026, 1, 31), 1), add_months(date(2024, 1, 31), 1)
        (datetime.date(2026, 2, 28), datetime.date(2024, 2, 29))
    """
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))
