"""Composes the application use cases from settings: the one place that picks the adapters.

Locally: the sandbox bureau, the user service and scoring server of `bnpl dev`, the DynamoDB
outbox for events, the emulator for checkout updates. In AWS the same settings name the real
endpoints (SageMaker, EventBridge, AppSync); only the credit bureau's production adapter is
not written yet (the sandbox bureau stands in).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import boto3
import httpx
from botocore.config import Config

from services.credit.application_service import ApplicationService
from services.credit.applications import DynamoApplicationStore
from services.credit.bank_data import BankDataClient
from services.credit.bureau import SandboxBureau
from services.credit.checkout_updates import (
    AppSyncCheckoutUpdates,
    CheckoutUpdates,
    NoCheckoutUpdates,
)
from services.credit.event_publishers import EventBridgePublisher, OutboxEventPublisher
from services.credit.fraud import FraudCheck
from services.credit.payments import PaymentProvider, SandboxPaymentProvider
from services.credit.plan_service import PlanService
from services.credit.plan_store import DynamoPlanStore
from services.credit.policy import load_policy
from services.credit.profiles import ProfileClient
from services.credit.repository import CheckoutRepository, DynamoCheckoutRepository
from services.credit.scoring import ScoringClient
from services.credit.workflow.events import EventPublisher
from services.credit.workflow.retry import RetryPolicy
from services.credit.workflow.runner import Workflow
from services.credit.workflow.steps import Sources
from services.shared.settings import Settings
from services.shared.timestamps import utc_now

# Dependency calls: each client times out on its own (HTTP and botocore timeouts); these are the
# tries in all and the backoff between them.
DEPENDENCY_RETRY = RetryPolicy(attempts=3, base_delay_s=0.05, max_delay_s=0.5)


def sandbox_bureau(settings: Settings) -> SandboxBureau:
    """The sandbox bureau; down while `settings.sandbox_bureau_outage_file` exists."""
    switch = settings.sandbox_bureau_outage_file

    def down() -> bool:
        return switch is not None and os.path.exists(switch)

    return SandboxBureau(today=lambda: utc_now().date(), outage=down)


def event_publisher(settings: Settings) -> EventPublisher:
    """The outbox table locally, EventBridge when `BNPL_EVENTS=eventbridge`."""
    if settings.events == "eventbridge":
        client = boto3.client(
            "events",
            region_name=settings.region,
            config=Config(connect_timeout=1, read_timeout=2, retries={"mode": "standard"}),
        )
        return EventBridgePublisher(client)
    return OutboxEventPublisher(settings)


def checkout_updates(settings: Settings, http: httpx.Client) -> CheckoutUpdates:
    """`publishCheckoutUpdate` on the API when one is configured."""
    if not settings.appsync_url:
        return NoCheckoutUpdates()
    session = boto3.Session()
    return AppSyncCheckoutUpdates(
        url=settings.appsync_url,
        region=settings.region,
        credentials=session.get_credentials,
        http=http,
    )


def application_service(
    settings: Settings,
    *,
    checkouts: CheckoutRepository | None = None,
    updates: CheckoutUpdates | None = None,
    events: EventPublisher | None = None,
) -> ApplicationService:
    """The application use cases with every adapter `settings` name."""
    http = httpx.Client(
        timeout=settings.http_timeout_s,
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
    )
    store = DynamoApplicationStore(settings)
    policy = load_policy()
    sources = Sources(
        bureau=sandbox_bureau(settings),
        bank=BankDataClient(base_url=settings.user_service_url, http=http),
        exposure=store,
        payment_history=store,
        fraud=FraudCheck(rules=policy.fraud, history=store),
        scorer=ScoringClient(settings, max_attempts=1),
    )
    workflow = Workflow(
        sources=sources,
        policy=policy,
        retry=DEPENDENCY_RETRY,
        pool=ThreadPoolExecutor(max_workers=32, thread_name_prefix="screening"),
    )
    return ApplicationService(
        store=store,
        checkouts=checkouts or DynamoCheckoutRepository(settings),
        profiles=ProfileClient(base_url=settings.user_service_url, http=http),
        workflow=workflow,
        events=events or event_publisher(settings),
        updates=updates or checkout_updates(settings, http),
        event_bus_name=settings.event_bus_name,
        retry=DEPENDENCY_RETRY,
    )


def plan_service(
    settings: Settings,
    *,
    checkouts: CheckoutRepository | None = None,
    provider: PaymentProvider | None = None,
    updates: CheckoutUpdates | None = None,
) -> PlanService:
    """The plan use cases. The payment provider is the sandbox one (no production adapter yet):
    it remembers charges in process memory, as a card network would."""
    http = httpx.Client(timeout=settings.http_timeout_s)
    return PlanService(
        plans=DynamoPlanStore(settings),
        applications=DynamoApplicationStore(settings),
        checkouts=checkouts or DynamoCheckoutRepository(settings),
        provider=provider or SandboxPaymentProvider(),
        updates=updates or checkout_updates(settings, http),
    )
