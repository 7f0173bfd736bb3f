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

from services.credit.limits import PAGE_MAX, PAGE_RULE
from services.shared.errors import ValidationError


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
    return key
