"""Pages of a list, shared by `/plans` and `/webhook-endpoints/{id}/deliveries`: the `limit`
query parameter, and `nextToken`, the position DynamoDB gave, opaque to callers.

A token is bound to the list it came from (the partition key it names), so it cannot be used
to read another caller's list.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from starlette.requests import Request

from services.credit.limits import PAGE_MAX, PAGE_RULE, is_printable
from services.shared.errors import ValidationError

# The key attributes, besides the list's own, of a position in either list.
_POSITION = ("id", "created_at")


def query_limit(request: Request) -> int | None:
    """The request's `limit`, or None when it gives none.

    Raises:
        ValidationError: not 1 to `PAGE_MAX` written in digits.
    """
    value = request.query_params.get("limit")
    if value is None:
        return None
    # Digits only, and never more of them than the largest page has: no huge number is parsed.
    if not value.isdigit() or len(value) > len(str(PAGE_MAX)):
        raise ValidationError(PAGE_RULE, field="limit")
    return int(value)


def encode_token(key: dict[str, Any]) -> str:
    """The `nextToken` of DynamoDB's last evaluated key."""
    return base64.urlsafe_b64encode(json.dumps(key, sort_keys=True).encode()).decode()


def decode_token(token: str | None, *, attribute: str, value: str) -> dict[str, Any] | None:
    """The key a `nextToken` names, if it is a position in the list whose `attribute` is `value`;
    None for the first page (no token).

    Raises:
        ValidationError: anything else.
    """
    if not token:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, binascii.Error):
        raise ValidationError("nextToken is not valid", field="nextToken") from None
    if not isinstance(key, dict) or key.get(attribute) != {"S": value}:
        raise ValidationError("nextToken is not valid", field="nextToken")
    # Both lists page an index keyed by the list's attribute and `created_at` over items keyed
    # by `id`, all strings: DynamoDB refuses any other start key, which would read as the store
    # failing rather than the token being wrong.
    if set(key) != {attribute, *_POSITION} or not all(_is_string(key[name]) for name in _POSITION):
        raise ValidationError("nextToken is not valid", field="nextToken")
    return key


def _is_string(value: object) -> bool:
    # Ids and timestamps are printable ASCII, well within DynamoDB's key size.
    return isinstance(value, dict) and set(value) == {"S"} and is_printable(value["S"], 1024)
