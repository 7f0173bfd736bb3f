"""What the credit proxy checks of AppSync's arguments before any of them reaches the network.

Ids share one limit with the services (`services.shared.ids.ID_MAX_CHARS`, 128 characters). An id
no record can have (empty, longer, not valid Unicode) is never sent:

- a query by id (`checkout`, `application`, `plan`, and `Checkout.application` / `Checkout.plan`)
  answers null, exactly as for an id nobody knows;
- a mutation (`applyForCredit`, `reviewApplication`, `acceptOffer`, `payInstalment`, `payOffPlan`,
  `captureCheckout`, `voidCheckout`, `refundCheckout`) answers a ValidationError naming the
  argument and stating the limit.

Header values the proxy passes on from the caller are made printable ASCII, which is all HTTP
carries.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from services.shared.errors import ValidationError
from services.shared.ids import id_rule, is_valid_id, is_valid_text

# Characters in a `myPlans` page token. The credit service's tokens are a few hundred; a longer one
# is none of them, and would only bloat the URL it travels in.
NEXT_TOKEN_MAX_CHARS = 2048


def lookup_id(value: object) -> str | None:
    """`value` if some record could have it as its id, else None (a query then answers null)."""
    return value if is_valid_id(value) else None


def required_id(value: object, field: str) -> str:
    """`value` as an id a mutation may send.

    Raises:
        ValidationError: no record can have it; the message states the limit.
    """
    if not is_valid_id(value):
        raise ValidationError(id_rule(field), field=field)
    return value


def check_ids(payload: Mapping[str, Any], *fields: str, optional: tuple[str, ...] = ()) -> None:
    """Refuse the first of `fields` (or of `optional`, when given) that no record can have.

    Raises:
        ValidationError: naming that field.
    """
    for field in fields:
        required_id(payload.get(field), field)
    for field in optional:
        if payload.get(field) is not None:
            required_id(payload[field], field)


def next_token(value: str | None) -> str | None:
    """A `myPlans` page token fit to send, or None for the first page.

    Raises:
        ValidationError: longer than `NEXT_TOKEN_MAX_CHARS` or not valid Unicode.
    """
    if value is None:
        return None
    if len(value) > NEXT_TOKEN_MAX_CHARS or not is_valid_text(value):
        raise ValidationError(
            f"nextToken must be at most {NEXT_TOKEN_MAX_CHARS} characters of valid Unicode text",
            field="nextToken",
        )
    return value


def header_value(value: str) -> str:
    """`value` as printable ASCII: unchanged when it is, else percent-encoded UTF-8 (so one
    device still gives one value)."""
    if value.isascii() and value.isprintable():
        return value
    return quote(value, safe="", errors="backslashreplace")
