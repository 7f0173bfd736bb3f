"""How webhooks are stored: the outbox of events, merchants' endpoints, and each event's
deliveries to each endpoint (pynamodb models; `Meta.table_name` is the short name)."""

from __future__ import annotations

from pynamodb.attributes import (
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from services.shared.audit.models import AuditHeadMap


class EventsById(GlobalSecondaryIndex["WebhookEventModel"]):  # type: ignore[no-untyped-call]
    """An event by its id (`replayWebhookEvent`)."""

    class Meta:
        index_name = "by_id"
        projection = AllProjection()

    id = UnicodeAttribute(hash_key=True)


class UndispatchedEvents(GlobalSecondaryIndex["WebhookEventModel"]):  # type: ignore[no-untyped-call]
    """Events not yet fanned out to their endpoints (sparse: `undispatched` is removed once
    they are). The local sender polls it; in AWS the table's stream feeds the sender."""

    class Meta:
        index_name = "undispatched"
        projection = KeysOnlyProjection()

    undispatched = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class WebhookEventModel(Model):
    """The outbox: one event per item, written in the transaction of the change it reports.

    Keyed by its stream (the checkout it is about) and its `sequence` in that stream: writing
    an event only if its key is new is what numbers a checkout's events 1, 2, 3... with no gap
    and no repeat, whichever process writes them.
    """

    class Meta:
        table_name = "webhook_events"

    stream = UnicodeAttribute(hash_key=True)
    sequence = NumberAttribute(range_key=True)
    id = UnicodeAttribute()
    type = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    body = UnicodeAttribute()  # the JSON text sent, exactly as signed
    undispatched = UnicodeAttribute(null=True)
    expires_at = TTLAttribute()  # kept `RETENTION` for replays, then DynamoDB drops it
    # The request that caused the event, so its delivery logs under the same request and trace.
    request_id = UnicodeAttribute(null=True)
    trace_root = UnicodeAttribute(null=True)
    by_id = EventsById()
    pending = UndispatchedEvents()


class EndpointsByMerchant(GlobalSecondaryIndex["WebhookEndpointModel"]):  # type: ignore[no-untyped-call]
    """A merchant's endpoints, oldest first."""

    class Meta:
        index_name = "by_merchant"
        projection = AllProjection()

    merchant_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class WebhookEndpointModel(Model):
    """A merchant's webhook endpoint: where its events go, and which. Never its secrets (those
    are in the secret store)."""

    class Meta:
        table_name = "webhook_endpoints"

    id = UnicodeAttribute(hash_key=True)
    merchant_id = UnicodeAttribute()
    url = UnicodeAttribute()
    event_types = UnicodeSetAttribute()
    description = UnicodeAttribute(null=True)
    status = UnicodeAttribute()  # ENABLED | DISABLED
    disabled_reason = UnicodeAttribute(null=True)  # MERCHANT | GONE | FAILING
    disabled_at = UTCDateTimeAttribute(null=True)
    failing_since = UTCDateTimeAttribute(null=True)  # first failure since the last success
    created_at = UTCDateTimeAttribute()
    # Its audit stream's head (`services.shared.audit`): created, disabled, enabled, rotated.
    audit_head = AuditHeadMap(null=True)  # type: ignore[no-untyped-call]
    by_merchant = EndpointsByMerchant()


class DueDeliveries(GlobalSecondaryIndex["WebhookDeliveryModel"]):  # type: ignore[no-untyped-call]
    """Deliveries still to attempt, by when (sparse: `due` is set only while PENDING)."""

    class Meta:
        index_name = "due"
        projection = KeysOnlyProjection()

    due = UnicodeAttribute(hash_key=True)
    next_attempt_at = UTCDateTimeAttribute(range_key=True)


class DeliveriesByEndpoint(GlobalSecondaryIndex["WebhookDeliveryModel"]):  # type: ignore[no-untyped-call]
    """An endpoint's deliveries, newest first (`webhookDeliveries`)."""

    class Meta:
        index_name = "by_endpoint"
        projection = AllProjection()

    endpoint_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class WebhookDeliveryModel(Model):
    """One event's delivery to one endpoint: its attempts so far and what comes next.

    Keyed by (event, endpoint), so fanning an event out twice makes one delivery. The sender
    holds a delivery while it sends (`lease_owner` until `lease_until`); a sender that dies
    holding it lets the lease run out, and the next sweep sends it again (at least once).
    """

    class Meta:
        table_name = "webhook_deliveries"

    id = UnicodeAttribute(hash_key=True)
    event_id = UnicodeAttribute()
    endpoint_id = UnicodeAttribute()
    merchant_id = UnicodeAttribute()
    stream = UnicodeAttribute()
    sequence = NumberAttribute()
    event_type = UnicodeAttribute()
    status = UnicodeAttribute()  # PENDING | DELIVERED | FAILED (dead-lettered)
    attempts = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()
    next_attempt_at = UTCDateTimeAttribute()
    due = UnicodeAttribute(null=True)
    last_attempt_at = UTCDateTimeAttribute(null=True)
    last_status_code = NumberAttribute(null=True)
    last_error = UnicodeAttribute(null=True)
    delivered_at = UTCDateTimeAttribute(null=True)
    lease_owner = UnicodeAttribute(null=True)
    lease_until = UTCDateTimeAttribute(null=True)
    expires_at = TTLAttribute()  # dropped with its event
    due_index = DueDeliveries()
    by_endpoint = DeliveriesByEndpoint()


class WebhookSecretModel(Model):
    """The local stack's secret store: an endpoint's signing secrets (in AWS, Secrets Manager
    keeps them, one secret per endpoint)."""

    class Meta:
        table_name = "webhook_secrets"

    endpoint_id = UnicodeAttribute(hash_key=True)
    secrets = UnicodeAttribute()  # JSON: [{"secret": "whsec_...", "expiresAt": iso | null}]


MODELS: tuple[type[Model], ...] = (WebhookEventModel, WebhookEndpointModel, WebhookDeliveryModel)
LOCAL_MODELS: tuple[type[Model], ...] = (WebhookSecretModel,)
