"""Webhooks on DynamoDB Local for tests: a merchant's endpoint, checkouts whose events go to it,
and a sender on a clock the test moves."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.models import Model

from bnpl.tables import create_tables
from services.credit.checkouts.domain import (
    Checkout,
    CheckoutRequest,
    LineItem,
    Merchant,
    MerchantCaller,
)
from services.credit.checkouts.store import DynamoCheckoutRepository, DynamoMerchantRepository
from services.credit.models import CheckoutModel, CheckoutReferenceModel, MerchantModel
from services.credit.webhooks import models as webhook_models
from services.credit.webhooks.domain import (
    Delivery,
    DeliveryStatus,
    Endpoint,
    delivery_id,
)
from services.credit.webhooks.events import (
    SUBSCRIBABLE,
    EventDraft,
    EventType,
    WebhookEvent,
    checkout_event,
)
from services.credit.webhooks.outbox import Outbox
from services.credit.webhooks.secret_store import DynamoSecretStore
from services.credit.webhooks.sender import LEASE, WebhookSender
from services.credit.webhooks.service import WebhookService
from services.credit.webhooks.store import CheckoutMerchants, DynamoWebhookStore
from services.credit.webhooks.transport import sender_client
from services.shared.audit.models import AuditEntryModel
from services.shared.money import Money
from services.shared.settings import Settings

TABLES: tuple[type[Model], ...] = (
    *webhook_models.MODELS,
    *webhook_models.LOCAL_MODELS,
    CheckoutModel,
    CheckoutReferenceModel,
    MerchantModel,
    AuditEntryModel,  # endpoints' changes are audited
)


class Clock:
    """UTC time that moves only when told."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        self.now += by

    def to(self, moment: datetime) -> None:
        self.now = max(self.now, moment)


@dataclass
class RecordedDeadLetters:
    letters: list[Delivery] = field(default_factory=list)

    def report(self, delivery: Delivery) -> None:
        self.letters.append(delivery)


@dataclass
class Webhooks:
    """One test's view of the webhook tables."""

    settings: Settings
    merchant: Merchant
    clock: Clock = field(default_factory=Clock)
    dead_letters: RecordedDeadLetters = field(default_factory=RecordedDeadLetters)

    def __post_init__(self) -> None:
        DynamoMerchantRepository(self.settings).save(self.merchant)
        self.store = DynamoWebhookStore(self.settings)
        self.secrets = DynamoSecretStore(self.settings)
        self.service = WebhookService(
            store=self.store,
            secrets=self.secrets,
            outbox=Outbox(self.settings),
            merchants=DynamoMerchantRepository(self.settings),
            merchant_of=CheckoutMerchants(self.settings),
            allow_local=True,
            clock=self.clock,
        )

    @property
    def caller(self) -> MerchantCaller:
        return MerchantCaller(arn=next(iter(self.merchant.principal_arns)))

    def endpoint(self, url: str, types: Sequence[EventType] = SUBSCRIBABLE) -> tuple[str, str]:
        """A new endpoint of the merchant: its id and its secret."""
        created = self.service.create(
            caller=self.caller,
            payload={
                "merchantId": self.merchant.id,
                "url": url,
                "eventTypes": [t.name for t in types],
            },
        )
        return created["endpoint"]["id"], created["secret"]

    def checkout(self) -> Checkout:
        request = CheckoutRequest(
            merchant_id=self.merchant.id,
            merchant_reference=f"order-{uuid.uuid4().hex[:8]}",
            amount=Money(12_000, "GBP"),
            items=(
                LineItem(sku="sku-1", name="Lamp", quantity=1, unit_price=Money(12_000, "GBP")),
            ),
        )
        checkout = Checkout.open(request, checkout_id=str(uuid.uuid4()), now=self.clock())
        assert DynamoCheckoutRepository(self.settings).add(checkout)
        return checkout

    def events(self, *drafts: EventDraft) -> list[WebhookEvent]:
        return Outbox(self.settings).add(drafts, self.clock())

    def event(
        self, checkout: Checkout, type: EventType = EventType.CHECKOUT_CONFIRMED
    ) -> WebhookEvent:
        [event] = self.events(checkout_event(type, checkout))
        return event

    def sender(
        self,
        *,
        allow_local: bool = True,
        timeout_s: float = 1.0,
        lease: timedelta = LEASE,
    ) -> WebhookSender:
        return WebhookSender(
            store=self.store,
            secrets=self.secrets,
            merchant_of=CheckoutMerchants(self.settings),
            http=sender_client(allow_local=allow_local, timeout_s=timeout_s),
            dead_letters=self.dead_letters,
            clock=self.clock,
            timeout_s=timeout_s,
            lease=lease,
        )

    def deliveries(self, endpoint_id: str) -> list[Delivery]:
        found, _ = self.store.deliveries_of(endpoint_id, status=None, limit=100, next_token=None)
        return found

    def endpoint_now(self, endpoint_id: str) -> Endpoint:
        endpoint = self.store.endpoint(endpoint_id)
        assert endpoint is not None
        return endpoint


def fresh_tables(dynamodb_endpoint: str, environ: dict[str, str]) -> Settings:
    """Settings on tables of one test's own: the sender sweeps whole tables, so tests sharing
    them would see each other's deliveries."""
    prefix = f"w{uuid.uuid4().hex[:8]}-"
    environ = {**environ, "BNPL_DYNAMODB_ENDPOINT": dynamodb_endpoint, "BNPL_TABLE_PREFIX": prefix}
    settings = Settings.from_environ(environ)
    create_tables(settings, TABLES)
    return settings


def body_of(raw: bytes) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(raw)
    return document


def dead_delivery(event_id: str, endpoint_id: str) -> Delivery:
    """A delivery given up after its last attempt."""
    now = datetime.now(UTC)
    return Delivery(
        id=delivery_id(event_id, endpoint_id),
        event_id=event_id,
        endpoint_id=endpoint_id,
        merchant_id="m_shop",
        stream="chk-1",
        sequence=1,
        event_type=EventType.CHECKOUT_CAPTURED,
        status=DeliveryStatus.FAILED,
        attempts=11,
        created_at=now,
        next_attempt_at=now,
        last_error="HTTP 500",
    )
