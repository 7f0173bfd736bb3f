"""Where webhook endpoints, events and deliveries are kept (DynamoDB).

A delivery is claimed before it is sent: a conditional write sets the sender's lease, so two
senders never send it at once, and the result is written only by the lease's holder. A sender
that dies holding a lease leaves the delivery due; once the lease runs out another sends it
again: at least once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, PynamoDBException, UpdateError

from services.credit.models import CheckoutModel
from services.credit.paging import decode_token, encode_token
from services.credit.webhooks import audit
from services.credit.webhooks.domain import (
    Delivery,
    DeliveryStatus,
    DisabledReason,
    Endpoint,
    EndpointStatus,
    StoredEvent,
)
from services.credit.webhooks.endpoint_store import AuditedEndpoints, endpoint_of as _endpoint
from services.credit.webhooks.events import EventType
from services.credit.webhooks.models import (
    WebhookDeliveryModel,
    WebhookEndpointModel,
    WebhookEventModel,
)
from services.credit.webhooks.outbox import RETENTION
from services.shared.dynamodb import bind
from services.shared.errors import DependencyFailure
from services.shared.settings import Settings

DUE = "1"  # the one partition of the sparse `due` index


class DynamoWebhookStore:
    """Endpoints, events and deliveries in their tables (see the module docstring)."""

    def __init__(self, settings: Settings) -> None:
        self._endpoints = bind(WebhookEndpointModel, settings)
        self._events = bind(WebhookEventModel, settings)
        self._deliveries = bind(WebhookDeliveryModel, settings)
        # Changes of an endpoint are audited (created, disabled, enabled, secret rotated).
        self._audited = AuditedEndpoints(settings)

    # ------------------------------------------------------------------ endpoints

    def add_endpoint(self, endpoint: Endpoint) -> None:
        self._audited.add(endpoint)

    def endpoint(self, endpoint_id: str) -> Endpoint | None:
        try:
            return _endpoint(self._endpoints.get(endpoint_id, consistent_read=True))
        except DoesNotExist:
            return None
        except PynamoDBException as exc:
            raise DependencyFailure("The endpoint store is unavailable") from exc

    def endpoints_of(self, merchant_id: str) -> list[Endpoint]:
        try:
            return [_endpoint(i) for i in self._endpoints.by_merchant.query(merchant_id)]
        except PynamoDBException as exc:
            raise DependencyFailure("The endpoint store is unavailable") from exc

    def disable(self, endpoint_id: str, reason: DisabledReason, now: datetime) -> Endpoint | None:
        """Disable an enabled endpoint; None if it was not enabled (or is gone)."""
        model = self._endpoints
        return self._audited.change(
            endpoint_id,
            [
                model.status.set(EndpointStatus.DISABLED.value),
                model.disabled_reason.set(reason.value),
                model.disabled_at.set(now),
            ],
            model.status == EndpointStatus.ENABLED.value,
            lambda before: audit.disabled(before, reason),
        )

    def enable(self, endpoint_id: str) -> Endpoint | None:
        """Enable an endpoint again, its failures forgotten; None if it is gone."""
        model = self._endpoints
        return self._audited.change(
            endpoint_id,
            [
                model.status.set(EndpointStatus.ENABLED.value),
                model.disabled_reason.remove(),
                model.disabled_at.remove(),
                model.failing_since.remove(),
            ],
            model.id.exists(),
            audit.enabled,
        )

    def secret_rotated(self, endpoint_id: str, previous_expires_at: str | None) -> None:
        """Record the rotation of the endpoint's signing secret (kept in the secret store)."""
        self._audited.change(
            endpoint_id,
            [],
            self._endpoints.id.exists(),
            lambda before: audit.secret_rotated(before, previous_expires_at),
        )

    def failed(self, endpoint_id: str, now: datetime) -> Endpoint | None:
        """Note a failed attempt: the endpoint is failing since now, unless it already was."""
        model = self._endpoints
        return self._update_endpoint(
            endpoint_id,
            [model.failing_since.set(model.failing_since | now)],
            model.id.exists(),
        )

    def succeeded(self, endpoint_id: str) -> None:
        """Note a delivered attempt: the endpoint is failing no more."""
        model = self._endpoints
        self._update_endpoint(
            endpoint_id, [model.failing_since.remove()], model.failing_since.exists()
        )

    def _update_endpoint(self, endpoint_id: str, actions: Any, condition: Any) -> Endpoint | None:
        item = self._endpoints(endpoint_id)
        try:
            item.update(actions=actions, condition=condition)
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return None
            raise DependencyFailure("Could not update the endpoint") from exc
        return _endpoint(item)

    # ------------------------------------------------------------------ events

    def event(self, event_id: str) -> StoredEvent | None:
        """The event with this id (the `by_id` index, then the item itself)."""
        try:
            keys = list(self._events.by_id.query(event_id, limit=1))
            if not keys:
                return None
            return self.event_at(keys[0].stream, int(keys[0].sequence))
        except PynamoDBException as exc:
            raise DependencyFailure("The event store is unavailable") from exc

    def event_at(self, stream: str, sequence: int) -> StoredEvent | None:
        try:
            item = self._events.get(stream, sequence, consistent_read=True)
        except DoesNotExist:
            return None
        except PynamoDBException as exc:
            raise DependencyFailure("The event store is unavailable") from exc
        return _stored_event(item)

    def events_at(self, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], StoredEvent]:
        """The events with these keys that are still kept, read in batches of 100 (a pass
        fans out many events: one read for all of them, not one each)."""
        try:
            items = self._events.batch_get(list(keys), consistent_read=True)
            return {(item.stream, int(item.sequence)): _stored_event(item) for item in items}
        except PynamoDBException as exc:
            raise DependencyFailure("The event store is unavailable") from exc

    def undispatched(self, limit: int) -> list[tuple[str, int]]:
        """Keys of events not yet fanned out, oldest first."""
        index = self._events.pending
        try:
            return [(item.stream, int(item.sequence)) for item in index.query("1", limit=limit)]
        except PynamoDBException as exc:
            raise DependencyFailure("The event store is unavailable") from exc

    def dispatched(self, stream: str, sequence: int) -> None:
        model = self._events
        try:
            model(stream, sequence).update(
                actions=[model.undispatched.remove()], condition=model.stream.exists()
            )
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise DependencyFailure("Could not update the event") from exc

    # ------------------------------------------------------------------ deliveries

    def add_delivery(
        self, delivery: Delivery, *, owner: str | None = None, until: datetime | None = None
    ) -> bool:
        """Store a new delivery, due at once (held by `owner` until `until`, if given); False
        if (event, endpoint) has one already."""
        item = _delivery_item(self._deliveries, delivery)
        item.lease_owner = owner
        item.lease_until = until
        try:
            item.save(condition=self._deliveries.id.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise DependencyFailure("Could not store the delivery") from exc
        return True

    def delivery(self, delivery_id: str) -> Delivery | None:
        try:
            return _delivery(self._deliveries.get(delivery_id, consistent_read=True))
        except DoesNotExist:
            return None
        except PynamoDBException as exc:
            raise DependencyFailure("The delivery store is unavailable") from exc

    def due(self, now: datetime, limit: int) -> list[str]:
        """Ids of deliveries due by `now`, earliest first."""
        index = self._deliveries.due_index
        model = self._deliveries
        try:
            return [item.id for item in index.query(DUE, model.next_attempt_at <= now, limit=limit)]
        except PynamoDBException as exc:
            raise DependencyFailure("The delivery store is unavailable") from exc

    def claim(
        self, delivery_id: str, *, owner: str, now: datetime, until: datetime
    ) -> Delivery | None:
        """Hold a due delivery for `owner` until `until`; None if it is not due or is held."""
        model = self._deliveries
        item = model(delivery_id)
        try:
            item.update(
                actions=[model.lease_owner.set(owner), model.lease_until.set(until)],
                condition=(model.status == DeliveryStatus.PENDING.value)
                & (model.next_attempt_at <= now)
                & (model.lease_until.does_not_exist() | (model.lease_until < now)),
            )
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return None
            raise DependencyFailure("Could not claim the delivery") from exc
        return _delivery(item)

    def record(self, delivery: Delivery, *, owner: str) -> bool:
        """Write what the attempt did and let the lease go; False if `owner` lost the lease."""
        model = self._deliveries
        pending = delivery.status is DeliveryStatus.PENDING
        actions = [
            model.status.set(delivery.status.value),
            model.attempts.set(delivery.attempts),
            model.next_attempt_at.set(delivery.next_attempt_at),
            model.due.set(DUE) if pending else model.due.remove(),
            _set_or_remove(model.last_attempt_at, delivery.last_attempt_at),
            _set_or_remove(model.last_status_code, delivery.last_status_code),
            _set_or_remove(model.last_error, delivery.last_error),
            _set_or_remove(model.delivered_at, delivery.delivered_at),
            model.lease_owner.remove(),
            model.lease_until.remove(),
        ]
        try:
            model(delivery.id).update(actions=actions, condition=model.lease_owner == owner)
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise DependencyFailure("Could not record the delivery") from exc
        return True

    def redeliver(self, delivery_id: str, now: datetime) -> None:
        """Make a delivery due now with a fresh schedule (a replay); a held one is left to its
        holder, who is sending it anyway."""
        model = self._deliveries
        try:
            model(delivery_id).update(
                actions=[
                    model.status.set(DeliveryStatus.PENDING.value),
                    model.attempts.set(0),
                    model.next_attempt_at.set(now),
                    model.due.set(DUE),
                    model.delivered_at.remove(),
                ],
                condition=model.id.exists()
                & (model.lease_until.does_not_exist() | (model.lease_until < now)),
            )
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise DependencyFailure("Could not replay the delivery") from exc

    def deliveries_of(
        self,
        endpoint_id: str,
        *,
        status: DeliveryStatus | None,
        limit: int,
        next_token: str | None,
    ) -> tuple[list[Delivery], str | None]:
        """An endpoint's deliveries, newest first, a page at a time (`status` filters)."""
        model = self._deliveries
        start = (
            decode_token(next_token, attribute="endpoint_id", value=endpoint_id)
            if next_token
            else None
        )
        try:
            page = model.by_endpoint.query(
                endpoint_id,
                filter_condition=(model.status == status.value) if status else None,
                scan_index_forward=False,
                limit=limit,
                last_evaluated_key=start,
            )
            found = [_delivery(item) for item in page]
            last = page.last_evaluated_key
        except PynamoDBException as exc:
            raise DependencyFailure("The delivery store is unavailable") from exc
        return found, encode_token(last) if last else None


def _set_or_remove(attribute: Any, value: Any) -> Any:
    return attribute.remove() if value is None else attribute.set(value)


def _delivery_item(model: type[WebhookDeliveryModel], d: Delivery) -> WebhookDeliveryModel:
    return model(
        d.id,
        event_id=d.event_id,
        endpoint_id=d.endpoint_id,
        merchant_id=d.merchant_id,
        stream=d.stream,
        sequence=d.sequence,
        event_type=d.event_type.value,
        status=d.status.value,
        attempts=d.attempts,
        created_at=d.created_at,
        next_attempt_at=d.next_attempt_at,
        due=DUE if d.status is DeliveryStatus.PENDING else None,
        expires_at=d.created_at + RETENTION,
    )


def _delivery(item: WebhookDeliveryModel) -> Delivery:
    code = item.last_status_code
    return Delivery(
        id=item.id,
        event_id=item.event_id,
        endpoint_id=item.endpoint_id,
        merchant_id=item.merchant_id,
        stream=item.stream,
        sequence=int(item.sequence),
        event_type=EventType(item.event_type),
        status=DeliveryStatus(item.status),
        attempts=int(item.attempts),
        created_at=item.created_at,
        next_attempt_at=item.next_attempt_at,
        last_attempt_at=item.last_attempt_at,
        last_status_code=int(code) if code is not None else None,
        last_error=item.last_error,
        delivered_at=item.delivered_at,
    )


class CheckoutMerchants:
    """The merchant of a checkout (the stream of its events), read once per checkout: a
    checkout's merchant never changes."""

    def __init__(self, settings: Settings, *, cache_size: int = 10_000) -> None:
        self._checkouts = bind(CheckoutModel, settings)
        self._known: dict[str, str] = {}
        self._cache_size = cache_size

    def __call__(self, checkout_id: str) -> str | None:
        known = self._known.get(checkout_id)
        if known is not None:
            return known
        try:
            item = self._checkouts.get(
                checkout_id, consistent_read=True, attributes_to_get=["merchant_id"]
            )
        except DoesNotExist:
            return None
        except PynamoDBException as exc:
            raise DependencyFailure("The checkout store is unavailable") from exc
        if len(self._known) >= self._cache_size:
            self._known.clear()
        self._known[checkout_id] = item.merchant_id
        return str(item.merchant_id)


def _stored_event(item: WebhookEventModel) -> StoredEvent:
    return StoredEvent(
        id=item.id,
        type=EventType(item.type),
        stream=item.stream,
        sequence=int(item.sequence),
        created_at=item.created_at,
        body=item.body,
        request_id=item.request_id,
        trace_root=item.trace_root,
    )
