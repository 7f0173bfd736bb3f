"""Signing a delivery with the Standard Webhooks scheme, by the `standardwebhooks` library.

`webhook-signature` holds one `v1,<base64 HMAC-SHA256>` per live secret, space-separated, over
`<webhook-id>.<webhook-timestamp>.<body>`: during a rotation a receiver holding either secret
verifies. The timestamp is the attempt's, so a receiver's tolerance (five minutes in the
library) refuses a captured request replayed later.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from math import floor

from standardwebhooks.webhooks import Webhook

from services.credit.webhooks.domain import SigningSecret


def signed_headers(
    event_id: str, body: bytes, secrets: Sequence[SigningSecret], now: datetime
) -> dict[str, str]:
    """The headers of one attempt: `webhook-id`, `webhook-timestamp`, `webhook-signature`.

    Raises:
        ValueError: no live secret to sign with.
    """
    live = [s for s in secrets if s.live(now)]
    if not live:
        raise ValueError("the endpoint has no live signing secret")
    signatures = [Webhook(s.value).sign(event_id, now, body) for s in live]
    return {
        "content-type": "application/json",
        "webhook-id": event_id,
        "webhook-timestamp": str(floor(now.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
