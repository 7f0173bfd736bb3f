"""What the webhook use cases need of the world: the endpoints, events and deliveries we keep,
the signing secrets, the outbox, and who owns a checkout."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from services.credit.webhooks.domain import (
    Delivery,
    DeliveryStatus,
    DisabledReason,
    Endpoint,
    SigningSecret,
    StoredEvent,
)
from services.credit.webhooks.events import EventDraft, WebhookEvent


class SecretStore(Protocol):
    """Where endpoints' signing secrets are kept."""

    def get(self, endpoint_id: str) -> list[SigningSecret]:
        """The endpoint's secrets, newest first; empty if it has none."""
        ...

    def put(self, endpoint_id: str, secrets: list[SigningSecret]) -> None:
        """Replace the endpoint's secrets."""
        ...


class EventOutbox(Protocol):
    def add(self, drafts: Sequence[EventDraft], now: datetime) -> list[WebhookEvent]:
        """Write events that report no other change (a test event)."""
        ...


class WebhookStore(Protocol):
    """Endpoints, events and deliveries (`store.DynamoWebhookStore`)."""

    def add_endpoint(self, endpoint: Endpoint) -> None: ...

    def endpoint(self, endpoint_id: str) -> Endpoint | None: ...

    def endpoints_of(self, merchant_id: str) -> list[Endpoint]: ...

    def disable(
        self, endpoint_id: str, reason: DisabledReason, now: datetime
    ) -> Endpoint | None: ...

    def enable(self, endpoint_id: str) -> Endpoint | None: ...

    def secret_rotated(self, endpoint_id: str, previous_expires_at: str | None) -> None:
        """Record that the endpoint's signing secret was rotated (its audit entry)."""
        ...

    def event(self, event_id: str) -> StoredEvent | None: ...

    def add_delivery(self, delivery: Delivery) -> bool: ...

    def redeliver(self, delivery_id: str, now: datetime) -> None: ...

    def delivery(self, delivery_id: str) -> Delivery | None: ...

    def deliveries_of(
        self,
        endpoint_id: str,
        *,
        status: DeliveryStatus | None,
        limit: int,
        next_token: str | None,
    ) -> tuple[list[Delivery], str | None]: ...
