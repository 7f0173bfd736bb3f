"""Consent notifications from the bank: it revoked or expired a consent on its side.

A bank tells the TPP when a consent ends at the bank (the customer revoked it in their banking
app, or the bank expired it), so that we stop reading data the customer no longer shares. The
notification is a webhook signed by the Standard Webhooks scheme: headers `webhook-id`,
`webhook-timestamp` and `webhook-signature`, an HMAC-SHA256 of `<id>.<timestamp>.<body>` under
the bank's `whsec_` secret (checked in `signatures`). The signature is its only authentication;
a timestamp more than five minutes from our clock is refused, and each `webhook-id` is applied at
most once, so a captured notification can be replayed neither later nor now.

The body:

    {"type": "consent.revoked" | "consent.expired",
     "timestamp": "<ISO 8601 date-time with offset>",
     "data": {"consentId": "...", "customerId": "..."}}

Fields beyond these are ignored, so the bank may add some. Pure: no web, storage or AWS.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from services.shared.errors import ValidationError
from services.shared.ids import id_rule, is_valid_id
from services.user.consents.domain import BankConsent, parse_datetime

# How long a notification's id is remembered. Its signature is good for five minutes either side
# of our clock, but a bank re-signs each retry with a fresh timestamp and the same id, and may go
# on retrying for days: a week outlasts any retry schedule.
RETENTION = timedelta(days=7)


class NotificationType(StrEnum):
    """What the bank says happened to the consent."""

    CONSENT_REVOKED = "consent.revoked"
    CONSENT_EXPIRED = "consent.expired"


class Outcome(StrEnum):
    """What a notification did; the bank is answered 204 for each (it needs no retry)."""

    APPLIED = "applied"
    # Its `webhook-id` was applied before: a retry, or a replay.
    REPLAYED = "replayed"
    # The consent was no longer live (revoked by the customer, rejected, expired): it stays so.
    ALREADY_ENDED = "already_ended"
    # No such consent of that customer. It will never appear, so a retry would not help.
    UNKNOWN_CONSENT = "unknown_consent"


class Recorded(StrEnum):
    """What storage made of a notification's write (id and consent change, all or nothing)."""

    APPLIED = "applied"
    REPLAYED = "replayed"
    # The consent's status was no longer the one read: judge the notification again.
    CONSENT_CHANGED = "consent_changed"


_ENDINGS: dict[NotificationType, Callable[[BankConsent, datetime], BankConsent]] = {
    NotificationType.CONSENT_REVOKED: BankConsent.revoke,
    NotificationType.CONSENT_EXPIRED: BankConsent.expire,
}


@dataclass(frozen=True, kw_only=True)
class BankNotification:
    """A verified consent notification.

    Attributes:
        id: the `webhook-id`, the same for every delivery of one notification.
        occurred_at: when it happened at the bank (the body's `timestamp`); kept for the log,
            the consent's `statusUpdatedAt` is when we learnt of it.
    """

    id: str
    type: NotificationType
    occurred_at: datetime
    consent_id: str
    customer_id: str

    def apply(self, consent: BankConsent, now: datetime) -> BankConsent:
        """`consent` as the notification leaves it: REVOKED or EXPIRED.

        Raises:
            InvalidState: the consent is no longer live (nothing to end).
        """
        return _ENDINGS[self.type](consent, now)


def parse_notification(notification_id: str, body: bytes) -> BankNotification:
    """The notification in `body`, delivered under `notification_id` (the `webhook-id`).

    Raises:
        ValidationError: naming the field at fault (`webhook-id` for the id).
    """
    if not is_valid_id(notification_id):
        raise ValidationError(id_rule("webhook-id"), field="webhook-id")
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ValidationError("Request body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise ValidationError("Request body must be a JSON object")
    kinds = {t.value: t for t in NotificationType}
    kind = payload.get("type")
    if not isinstance(kind, str) or kind not in kinds:
        raise ValidationError(f"type must be one of {', '.join(sorted(kinds))}", field="type")
    occurred_at = parse_datetime(payload.get("timestamp"), field="timestamp")
    data = payload.get("data")
    if not isinstance(data, dict):
        raise ValidationError("data must be an object", field="data")
    return BankNotification(
        id=notification_id,
        type=kinds[kind],
        occurred_at=occurred_at,
        consent_id=_id(data, "consentId"),
        customer_id=_id(data, "customerId"),
    )


def _id(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    if not is_valid_id(value):
        raise ValidationError(id_rule(f"data.{name}"), field=f"data.{name}")
    return value
