"""The sandbox bank's consent notifications: what a bank sends a TPP when a consent ends on its
side, signed by the Standard Webhooks scheme with the bank's `whsec_` secret.

Pure: it builds and signs the request; sending it is the caller's (`bnpl bank`).
"""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import dataclass
from datetime import datetime

from standardwebhooks.webhooks import Webhook

from services.shared.timestamps import iso_timestamp
from services.user.consents.notifications import NotificationType


@dataclass(frozen=True)
class SignedNotification:
    """A notification as it goes on the wire: send `body` byte for byte with `headers`."""

    message_id: str
    headers: dict[str, str]
    body: bytes


def consent_notification_body(
    kind: NotificationType, *, consent_id: str, customer_id: str, occurred_at: datetime
) -> bytes:
    """The JSON body of a notification that `consent_id` of `customer_id` was revoked or
    expired at the bank at `occurred_at`."""
    payload = {
        "type": kind.value,
        "timestamp": iso_timestamp(occurred_at),
        "data": {"consentId": consent_id, "customerId": customer_id},
    }
    return json.dumps(payload, separators=(",", ":")).encode()


def sign_notification(
    secret: str, body: bytes, *, signed_at: datetime, message_id: str | None = None
) -> SignedNotification:
    """`body` with its Standard Webhooks headers.

    Args:
        secret: the bank's `whsec_` secret.
        signed_at: the `webhook-timestamp`; the receiver refuses one more than 5 minutes off.
        message_id: the `webhook-id`; a new one by default. A retry of the same notification
            keeps its id and is signed again with a fresh timestamp.
    """
    message_id = message_id or f"msg_{uuid.uuid4().hex}"
    signature = Webhook(secret).sign(message_id, signed_at, body)
    return SignedNotification(
        message_id=message_id,
        headers={
            "content-type": "application/json",
            "webhook-id": message_id,
            "webhook-timestamp": str(math.floor(signed_at.timestamp())),
            "webhook-signature": signature,
        },
        body=body,
    )
