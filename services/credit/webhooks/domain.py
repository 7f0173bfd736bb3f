"""Webhook endpoints and deliveries: what a merchant registers, and how hard we try to reach it.

- An endpoint is a URL, the event types it takes, and its signing secrets (kept apart, in the
  secret store). Rotating the secret keeps the old one signing beside the new for
  `ROTATION_OVERLAP`, so a receiver can switch without dropping an event.
- A delivery is one event to one endpoint. It is attempted at once, then after each delay of
  `SCHEDULE` (with jitter), about three days in all; a 2xx answer delivers it, a 410 disables
  the endpoint, and a `Retry-After` answer waits at least that long. After the last attempt the
  delivery is dead-lettered (FAILED); when that happens to an endpoint that has not had a single
  success for `DISABLE_AFTER`, the endpoint is disabled too, and says why. Retries are never cut
  short: an endpoint is disabled only once a delivery has run through its whole schedule.

Pure: no web, storage or AWS.
"""

from __future__ import annotations

import base64
import random
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any

from services.credit.webhooks.addresses import check_url
from services.credit.webhooks.events import SUBSCRIBABLE, EventType
from services.shared.errors import ValidationError
from services.shared.timestamps import iso_timestamp

# The delays before each retry: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, 12 h, 12 h, 20 h;
# eleven attempts over 71.6 hours.
SCHEDULE: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
    timedelta(hours=12),
    timedelta(hours=12),
    timedelta(hours=20),
)
MAX_ATTEMPTS = len(SCHEDULE) + 1
JITTER = 0.2  # each delay is stretched or shrunk by up to a fifth, so retries do not stampede
MAX_RETRY_AFTER = timedelta(hours=24)  # a receiver may slow us down, not make us give up
DISABLE_AFTER = timedelta(days=2)
ROTATION_OVERLAP = timedelta(hours=24)
ATTEMPT_TIMEOUT_S = 15.0
DESCRIPTION_MAX_CHARS = 200
MAX_ENDPOINTS_PER_MERCHANT = 16
ERROR_MAX_CHARS = 300


class EndpointStatus(StrEnum):
    ENABLED = "ENABLED"
    DISABLED = "DISABLED"


class DisabledReason(StrEnum):
    """Why an endpoint stopped receiving events."""

    MERCHANT = "MERCHANT"  # `disableWebhookEndpoint`
    GONE = "GONE"  # it answered 410 Gone
    FAILING = "FAILING"  # it failed every attempt for `DISABLE_AFTER`


class DeliveryStatus(StrEnum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"  # every attempt failed, or the endpoint was disabled: dead-lettered


@dataclass(frozen=True, kw_only=True)
class SigningSecret:
    """One of an endpoint's secrets; `expires_at` is set on the old one during a rotation."""

    value: str
    expires_at: datetime | None = None

    def live(self, now: datetime) -> bool:
        return self.expires_at is None or now < self.expires_at


def new_secret() -> str:
    """A fresh signing secret in Standard Webhooks' form: `whsec_` and 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def rotated(current: list[SigningSecret], now: datetime) -> list[SigningSecret]:
    """A new secret first, the live old ones kept until `ROTATION_OVERLAP` from now."""
    until = now + ROTATION_OVERLAP
    kept = [
        replace(s, expires_at=min(s.expires_at, until) if s.expires_at else until)
        for s in current
        if s.live(now)
    ]
    return [SigningSecret(value=new_secret()), *kept]


@dataclass(frozen=True, kw_only=True)
class Endpoint:
    """A merchant's webhook endpoint."""

    id: str
    merchant_id: str
    url: str
    event_types: frozenset[EventType]
    status: EndpointStatus
    created_at: datetime
    description: str | None = None
    disabled_reason: DisabledReason | None = None
    disabled_at: datetime | None = None
    failing_since: datetime | None = None

    @property
    def enabled(self) -> bool:
        return self.status is EndpointStatus.ENABLED

    def wants(self, event_type: EventType) -> bool:
        return self.enabled and event_type in self.event_types

    def to_json(self) -> dict[str, Any]:
        """The API's `WebhookEndpoint` (never a secret)."""
        return {
            "id": self.id,
            "merchantId": self.merchant_id,
            "url": self.url,
            "eventTypes": sorted(t.name for t in self.event_types),
            "description": self.description,
            "status": self.status.value,
            "disabledReason": self.disabled_reason.value if self.disabled_reason else None,
            "disabledAt": iso_timestamp(self.disabled_at) if self.disabled_at else None,
            "failingSince": iso_timestamp(self.failing_since) if self.failing_since else None,
            "createdAt": iso_timestamp(self.created_at),
        }


@dataclass(frozen=True, kw_only=True)
class EndpointRequest:
    """A merchant's validated `createWebhookEndpoint` input."""

    merchant_id: str
    url: str
    event_types: frozenset[EventType]
    description: str | None


def parse_endpoint_request(payload: Mapping[str, Any], *, allow_local: bool) -> EndpointRequest:
    """Raises ValidationError naming the field at fault."""
    merchant_id = payload.get("merchantId")
    if not isinstance(merchant_id, str) or not merchant_id:
        raise ValidationError("merchantId is required", field="merchantId")
    url = check_url(payload.get("url"), allow_local=allow_local)
    types = payload.get("eventTypes")
    if not isinstance(types, list) or not types:
        raise ValidationError("eventTypes must name at least one event type", field="eventTypes")
    # The API's enum names (CHECKOUT_APPROVED); events carry the dotted type (checkout.approved).
    known = {t.name: t for t in SUBSCRIBABLE}
    # A JSON object or list in the list is no name either (and cannot be looked up: unhashable).
    unknown = sorted({str(t) for t in types if not isinstance(t, str) or t not in known})
    if unknown:
        raise ValidationError(
            f"eventTypes has unknown types: {', '.join(unknown)[:200]}",
            field="eventTypes",
            details={"known": sorted(known)},
        )
    description = payload.get("description")
    if description is not None and (
        not isinstance(description, str) or len(description) > DESCRIPTION_MAX_CHARS
    ):
        raise ValidationError(
            f"description must be at most {DESCRIPTION_MAX_CHARS} characters", field="description"
        )
    return EndpointRequest(
        merchant_id=merchant_id,
        url=url,
        event_types=frozenset(known[str(t)] for t in types),
        description=description or None,
    )


@dataclass(frozen=True, kw_only=True)
class Attempt:
    """What one attempt got: an HTTP status, or an error before any (timeout, refused)."""

    status_code: int | None
    error: str | None = None
    retry_after: timedelta | None = None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        return self.status_code == 410

    def summary(self) -> str | None:
        """What to show the merchant of a failed attempt."""
        if self.delivered:
            return None
        text = self.error or f"HTTP {self.status_code}"
        return text[:ERROR_MAX_CHARS]


def next_attempt(
    attempts: int,
    attempt: Attempt,
    now: datetime,
    *,
    jitter: Callable[[], float] = random.random,
) -> datetime | None:
    """When to try again after the `attempts`-th attempt failed; None once it was the last.

    The schedule's delay, jittered by up to `JITTER` either way; at least what `Retry-After`
    asked for (up to `MAX_RETRY_AFTER`).
    """
    if attempts >= MAX_ATTEMPTS:
        return None
    delay = SCHEDULE[attempts - 1] * (1 - JITTER + 2 * JITTER * jitter())
    if attempt.retry_after is not None:
        delay = max(delay, min(attempt.retry_after, MAX_RETRY_AFTER))
    return now + delay


def failing_too_long(endpoint: Endpoint, now: datetime) -> bool:
    """Whether an endpoint whose delivery was just given up has failed for `DISABLE_AFTER`."""
    return endpoint.failing_since is not None and now - endpoint.failing_since >= DISABLE_AFTER


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """A `Retry-After` header (seconds, or an HTTP date) as a delay; None if absent or bad."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return timedelta(seconds=int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(when - now, timedelta(0))


@dataclass(frozen=True, kw_only=True)
class Delivery:
    """One event's delivery to one endpoint."""

    id: str
    event_id: str
    endpoint_id: str
    merchant_id: str
    stream: str
    sequence: int
    event_type: EventType
    status: DeliveryStatus
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    last_attempt_at: datetime | None = None
    last_status_code: int | None = None
    last_error: str | None = None
    delivered_at: datetime | None = None

    def after(self, attempt: Attempt, now: datetime, retry_at: datetime | None) -> Delivery:
        """This delivery once `attempt` was made: delivered, due again at `retry_at`, or given
        up (FAILED) when there is no `retry_at` or the endpoint is gone."""
        attempts = self.attempts + 1
        if attempt.delivered:
            status = DeliveryStatus.DELIVERED
        elif attempt.gone or retry_at is None:
            status = DeliveryStatus.FAILED
        else:
            status = DeliveryStatus.PENDING
        return replace(
            self,
            status=status,
            attempts=attempts,
            last_attempt_at=now,
            last_status_code=attempt.status_code,
            last_error=attempt.summary(),
            delivered_at=now if attempt.delivered else None,
            next_attempt_at=retry_at if status is DeliveryStatus.PENDING and retry_at else now,
        )

    def given_up(self, why: str, now: datetime) -> Delivery:
        """Dead-lettered without an attempt (its endpoint was disabled meanwhile)."""
        return replace(self, status=DeliveryStatus.FAILED, last_error=why, next_attempt_at=now)

    def to_json(self) -> dict[str, Any]:
        """The API's `WebhookDelivery`."""
        return {
            "id": self.id,
            "eventId": self.event_id,
            "endpointId": self.endpoint_id,
            "eventType": self.event_type.name,
            "checkoutId": None if self.stream.startswith("test:") else self.stream,
            "sequence": self.sequence,
            "status": self.status.value,
            "attempts": self.attempts,
            "createdAt": iso_timestamp(self.created_at),
            "nextAttemptAt": (
                iso_timestamp(self.next_attempt_at)
                if self.status is DeliveryStatus.PENDING
                else None
            ),
            "lastAttemptAt": iso_timestamp(self.last_attempt_at) if self.last_attempt_at else None,
            "lastStatusCode": self.last_status_code,
            "lastError": self.last_error,
            "deliveredAt": iso_timestamp(self.delivered_at) if self.delivered_at else None,
        }


def delivery_id(event_id: str, endpoint_id: str) -> str:
    """One delivery per (event, endpoint), whoever fans the event out and however often."""
    return f"dlv_{event_id.removeprefix('evt_')}_{endpoint_id.removeprefix('we_')}"


@dataclass(frozen=True, kw_only=True)
class StoredEvent:
    """An event as the outbox holds it: its body is sent byte for byte as stored."""

    id: str
    type: EventType
    stream: str
    sequence: int
    created_at: datetime
    body: str
    # The request that caused it (absent for events written before requests were traced).
    request_id: str | None = None
    trace_root: str | None = None


def new_delivery(event: StoredEvent, endpoint: Endpoint, now: datetime) -> Delivery:
    """The delivery of `event` to `endpoint`, due now."""
    return Delivery(
        id=delivery_id(event.id, endpoint.id),
        event_id=event.id,
        endpoint_id=endpoint.id,
        merchant_id=endpoint.merchant_id,
        stream=event.stream,
        sequence=event.sequence,
        event_type=event.type,
        status=DeliveryStatus.PENDING,
        attempts=0,
        created_at=now,
        next_attempt_at=now,
    )
