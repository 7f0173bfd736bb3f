"""A merchant's webhook use cases: endpoints, their secrets, deliveries, replays and tests.

Every call acts for one merchant, known by the IAM principal AppSync verified; an endpoint or
event of another merchant is NotFound, never Unauthorized: whether it exists is none of the
caller's business.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from services.credit.checkouts.domain import Caller, MerchantCaller
from services.credit.checkouts.ports import MerchantRepository
from services.credit.limits import is_id, page_size
from services.credit.webhooks.domain import (
    MAX_ENDPOINTS_PER_MERCHANT,
    DeliveryStatus,
    DisabledReason,
    Endpoint,
    EndpointStatus,
    SigningSecret,
    new_delivery,
    new_secret,
    parse_endpoint_request,
    rotated,
)
from services.credit.webhooks.events import EventType, webhook_test_event
from services.credit.webhooks.ports import EventOutbox, SecretStore, WebhookStore
from services.shared.errors import InvalidState, NotFound, Unauthorized, ValidationError
from services.shared.timestamps import iso_timestamp, utc_now

_NO_ENDPOINT = "Webhook endpoint not found"


def new_endpoint_id() -> str:
    return f"we_{uuid.uuid4().hex}"


class WebhookService:
    """Args:
    merchant_of: the merchant of a checkout; None if there is no such checkout.
    allow_local: whether endpoints may be plain HTTP on loopback (the local stack only).
    """

    def __init__(
        self,
        *,
        store: WebhookStore,
        secrets: SecretStore,
        outbox: EventOutbox,
        merchants: MerchantRepository,
        merchant_of: Callable[[str], str | None],
        allow_local: bool = False,
        clock: Callable[[], datetime] = utc_now,
        new_id: Callable[[], str] = new_endpoint_id,
    ) -> None:
        self._store = store
        self._secrets = secrets
        self._outbox = outbox
        self._merchants = merchants
        self._merchant_of = merchant_of
        self._allow_local = allow_local
        self._clock = clock
        self._new_id = new_id

    def create(self, *, caller: Caller, payload: Mapping[str, Any]) -> dict[str, Any]:
        """A new endpoint and its signing secret, which is shown this once.

        Raises:
            ValidationError: a bad URL (see `addresses.check_url`), no or unknown event types.
            Unauthorized: the caller does not act for the merchant.
            InvalidState: the merchant has `MAX_ENDPOINTS_PER_MERCHANT` endpoints already.
        """
        request = parse_endpoint_request(payload, allow_local=self._allow_local)
        self._check_merchant(caller, request.merchant_id)
        if len(self._store.endpoints_of(request.merchant_id)) >= MAX_ENDPOINTS_PER_MERCHANT:
            raise InvalidState(
                f"A merchant may have at most {MAX_ENDPOINTS_PER_MERCHANT} webhook endpoints",
                details={"reason": "ENDPOINT_LIMIT", "limit": MAX_ENDPOINTS_PER_MERCHANT},
            )
        endpoint = Endpoint(
            id=self._new_id(),
            merchant_id=request.merchant_id,
            url=request.url,
            event_types=request.event_types,
            description=request.description,
            status=EndpointStatus.ENABLED,
            created_at=self._clock(),
        )
        secret = SigningSecret(value=new_secret())
        # The secret first: an endpoint never exists without one to sign its events with.
        self._secrets.put(endpoint.id, [secret])
        self._store.add_endpoint(endpoint)
        return {"endpoint": endpoint.to_json(), "secret": secret.value}

    def endpoints(self, *, caller: Caller, merchant_id: str) -> list[dict[str, Any]]:
        """The merchant's endpoints, oldest first."""
        self._check_merchant(caller, merchant_id)
        return [e.to_json() for e in self._store.endpoints_of(merchant_id)]

    def rotate(self, *, caller: Caller, endpoint_id: str) -> dict[str, Any]:
        """A new signing secret, shown this once; the old one keeps signing for a day."""
        endpoint = self._own_endpoint(caller, endpoint_id)
        now = self._clock()
        secrets = rotated(self._secrets.get(endpoint.id), now)
        self._secrets.put(endpoint.id, secrets)
        previous = [s.expires_at for s in secrets[1:] if s.expires_at]
        previous_expires_at = iso_timestamp(max(previous)) if previous else None
        # Recorded once the new secret is kept: the secret store is outside DynamoDB's
        # transactions, and a rotation must not go unrecorded.
        self._store.secret_rotated(endpoint.id, previous_expires_at)
        return {
            "endpoint": endpoint.to_json(),
            "secret": secrets[0].value,
            "previousSecretExpiresAt": previous_expires_at,
        }

    def disable(self, *, caller: Caller, endpoint_id: str) -> dict[str, Any]:
        """Stop sending to the endpoint; disabling a disabled one answers it as it is."""
        endpoint = self._own_endpoint(caller, endpoint_id)
        changed = self._store.disable(endpoint.id, DisabledReason.MERCHANT, self._clock())
        return (changed or self._own_endpoint(caller, endpoint_id)).to_json()

    def enable(self, *, caller: Caller, endpoint_id: str) -> dict[str, Any]:
        """Send to the endpoint again (after a merchant's disable, a 410 or days of failures);
        its failures are forgotten. Events of the time it was disabled are not sent: replay
        them with `replayWebhookEvent`."""
        endpoint = self._own_endpoint(caller, endpoint_id)
        changed = self._store.enable(endpoint.id)
        return (changed or endpoint).to_json()

    def deliveries(
        self,
        *,
        caller: Caller,
        endpoint_id: str,
        status: str | None,
        limit: object,
        next_token: str | None,
    ) -> dict[str, Any]:
        """The endpoint's deliveries, newest first, optionally only those of one status."""
        endpoint = self._own_endpoint(caller, endpoint_id)
        wanted = _status(status)
        size = page_size(limit)
        found, token = self._store.deliveries_of(
            endpoint.id, status=wanted, limit=size, next_token=next_token
        )
        return {"items": [d.to_json() for d in found], "nextToken": token}

    def replay(self, *, caller: Caller, event_id: str) -> list[dict[str, Any]]:
        """Send an event again, under its own id, to each of the merchant's enabled endpoints
        that takes its type (a test event: to its endpoint): the deliveries, due now."""
        event = self._store.event(event_id) if is_id(event_id) else None
        if event is None:
            raise NotFound("Webhook event not found")
        if event.type is EventType.WEBHOOK_TEST:
            endpoint = self._own_endpoint(caller, event.stream.removeprefix("test:"))
            targets = [endpoint] if endpoint.enabled else []
        else:
            merchant_id = self._merchant_of(event.stream)
            if merchant_id is None or not self._acts_for(caller, merchant_id):
                raise NotFound("Webhook event not found")
            targets = [e for e in self._store.endpoints_of(merchant_id) if e.wants(event.type)]
        if not targets:
            raise InvalidState(
                "No enabled endpoint takes this event's type",
                details={"reason": "NO_ENDPOINT", "eventType": event.type.name},
            )
        now = self._clock()
        replayed = []
        for endpoint in targets:
            delivery = new_delivery(event, endpoint, now)
            if not self._store.add_delivery(delivery):
                self._store.redeliver(delivery.id, now)
            replayed.append(self._store.delivery(delivery.id) or delivery)
        return [d.to_json() for d in replayed]

    def send_test(self, *, caller: Caller, endpoint_id: str) -> dict[str, Any]:
        """A `webhook.test` event to the endpoint, sent like any other."""
        endpoint = self._own_endpoint(caller, endpoint_id)
        if not endpoint.enabled:
            details = {"reason": "DISABLED", "endpointId": endpoint.id}
            raise InvalidState("The endpoint is disabled", details=details)
        draft = webhook_test_event(endpoint.id, endpoint.merchant_id)
        [event] = self._outbox.add([draft], self._clock())
        return {
            "eventId": event.id,
            "endpointId": endpoint.id,
            "eventType": event.type.name,
            "createdAt": iso_timestamp(event.created_at),
        }

    # ------------------------------------------------------------------ helpers

    def _acts_for(self, caller: Caller, merchant_id: str) -> bool:
        merchant = self._merchants.get(merchant_id)
        return merchant is not None and merchant.allows(caller)

    def _check_merchant(self, caller: Caller, merchant_id: str) -> None:
        if not isinstance(caller, MerchantCaller):
            raise Unauthorized("Only merchants may manage webhooks")
        if not self._acts_for(caller, merchant_id):
            raise Unauthorized("The caller does not act for this merchant")

    def _own_endpoint(self, caller: Caller, endpoint_id: str) -> Endpoint:
        if not isinstance(caller, MerchantCaller):
            raise Unauthorized("Only merchants may manage webhooks")
        endpoint = self._store.endpoint(endpoint_id) if is_id(endpoint_id) else None
        if endpoint is None or not self._acts_for(caller, endpoint.merchant_id):
            raise NotFound(_NO_ENDPOINT)
        return endpoint


def _status(value: str | None) -> DeliveryStatus | None:
    if value is None:
        return None
    try:
        return DeliveryStatus(value)
    except ValueError:
        known = ", ".join(s.value for s in DeliveryStatus)
        raise ValidationError(f"status must be one of {known}", field="status") from None
