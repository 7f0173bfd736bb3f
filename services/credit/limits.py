"""The credit service's input limits, in one place: every parser enforces these, and every
refusal states the limit it applied. The API's schema quotes the same figures.

Pure: no web, storage or AWS.
"""

from __future__ import annotations

import re
from typing import Any

from services.shared import ids
from services.shared.errors import ValidationError

# Ids of checkouts, applications, plans, offers and bank consents: the platform's one id limit.
ID_MAX_CHARS = ids.ID_MAX_CHARS
# Every idempotency key: applyForCredit, acceptOffer, payInstalment, payOffPlan,
# captureCheckout, refundCheckout.
IDEMPOTENCY_KEY_MAX_CHARS = 255
PAYMENT_TOKEN_MAX_CHARS = 128
NOTE_MAX_CHARS = 2000  # an underwriter's review note
INSTALMENT_NUMBER_MAX = 100
PAGE_DEFAULT = 20  # myPlans without a limit
PAGE_MAX = 100  # myPlans(limit:)
PAGE_RULE = f"limit must be an integer from 1 to {PAGE_MAX}"

# Ids and keys are printable ASCII without spaces: what any client can send and log unchanged.
_PRINTABLE = re.compile(r"[\x21-\x7e]+")
# The same rule as a JSON Schema (ECMA-262) pattern, for the API's schema.
PRINTABLE_PATTERN = "^[\\x21-\\x7e]+$"


def printable_schema(max_chars: int, description: str | None = None) -> dict[str, Any]:
    """The JSON Schema of what `is_printable(value, max_chars)` accepts."""
    schema: dict[str, Any] = {
        "type": "string",
        "minLength": 1,
        "maxLength": max_chars,
        "pattern": PRINTABLE_PATTERN,
    }
    if description is not None:
        schema["description"] = description
    return schema


def is_printable(value: object, max_chars: int) -> bool:
    """Whether `value` is 1 to `max_chars` printable ASCII characters without spaces.

    Example:
        >>> is_printable("chk-1", 8), is_printable("", 8), is_printable("a b", 8)
        (True, False, False)
    """
    return isinstance(value, str) and len(value) <= max_chars and bool(_PRINTABLE.fullmatch(value))


def is_id(value: object) -> bool:
    """Whether `value` could be one of our ids; anything else is never found, unlooked-up.

    Example:
        >>> is_id("pln_0f3a"), is_id(""), is_id("x" * 129), is_id("\\ufffd")
        (True, False, False, False)
    """
    return is_printable(value, ID_MAX_CHARS)


def page_size(limit: object) -> int:
    """A list's page size: `limit`, or `PAGE_DEFAULT` when None.

    Raises:
        ValidationError: not an integer from 1 to `PAGE_MAX`.
    """
    if limit is None:
        return PAGE_DEFAULT
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= PAGE_MAX:
        raise ValidationError(PAGE_RULE, field="limit")
    return limit
