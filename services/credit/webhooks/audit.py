"""What a webhook endpoint's audit stream records: created, disabled (by its merchant, or by the
sender when it answered 410 Gone or kept failing), enabled again, its signing secret rotated.

Delivery bookkeeping (an attempt failed or succeeded) is no change of the endpoint and is not
recorded; secrets never are. Pure.
"""

from __future__ import annotations

from services.credit.webhooks.domain import DisabledReason, Endpoint, EndpointStatus
from services.shared.audit.chain import SYSTEM, Change, Json, Subject, stream_of

CREATED = "webhook_endpoint.created"
DISABLED = "webhook_endpoint.disabled"
ENABLED = "webhook_endpoint.enabled"
ROTATED = "webhook_endpoint.secret_rotated"


def stream(endpoint_id: str) -> str:
    """The endpoint's audit stream."""
    return stream_of(Subject.WEBHOOK_ENDPOINT, endpoint_id)


def created(endpoint: Endpoint) -> Change:
    """A merchant registered the endpoint."""
    event_types: list[Json] = [t.name for t in sorted(endpoint.event_types, key=str)]
    return Change(
        action=CREATED,
        before=None,
        after={**_state(endpoint), "url": endpoint.url, "eventTypes": event_types},
        evidence={"merchantId": endpoint.merchant_id},
    )


def disabled(before: Endpoint, reason: DisabledReason) -> Change:
    """The endpoint stopped receiving events: its merchant's call, or the sender's."""
    return Change(
        action=DISABLED,
        before=_state(before),
        after={"status": EndpointStatus.DISABLED.value, "disabledReason": reason.value},
        actor=None if reason is DisabledReason.MERCHANT else SYSTEM,
    )


def enabled(before: Endpoint) -> Change:
    """Its merchant sends to the endpoint again."""
    return Change(
        action=ENABLED,
        before=_state(before),
        after={"status": EndpointStatus.ENABLED.value, "disabledReason": None},
    )


def secret_rotated(endpoint: Endpoint, previous_expires_at: str | None) -> Change:
    """A new signing secret; the previous one signs on until `previous_expires_at`."""
    return Change(
        action=ROTATED,
        before=_state(endpoint),
        after=_state(endpoint),
        evidence={"previousSecretExpiresAt": previous_expires_at},
    )


def _state(endpoint: Endpoint) -> dict[str, Json]:
    reason = endpoint.disabled_reason
    return {"status": endpoint.status.value, "disabledReason": reason.value if reason else None}
