"""Composes the application use cases from settings: the one place that picks the adapters.

Locally: the sandbox bureau and card network, the user service and scoring server of `bnpl dev`,
the DynamoDB outbox for events, the emulator for checkout updates. In AWS the same settings name
the real endpoints (SageMaker, EventBridge, AppSync); the credit bureau's and the card network's
production adapters are not written yet (the sandboxes stand in, and the sandbox card network's
tables exist only locally).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime

import boto3
import httpx
from botocore.config import Config

from services.credit.adapters.bank_data import BankDataClient
from services.credit.adapters.event_publishers import EventBridgePublisher, OutboxEventPublisher
from services.credit.adapters.profiles import ProfileClient
from services.credit.adapters.scoring import ScoringClient
from services.credit.adapters.step_functions import StepFunctionsWorkflow
from services.credit.applications.service import ApplicationService
from services.credit.applications.store import DynamoApplicationStore
from services.credit.checkouts.operations import CheckoutOperations
from services.credit.checkouts.ports import (
    CheckoutRepository,
    CheckoutUpdates,
    MerchantRepository,
    NoCheckoutUpdates,
)
from services.credit.checkouts.store import DynamoCheckoutRepository, DynamoMerchantRepository
from services.credit.checkouts.updates import AppSyncCheckoutUpdates
from services.credit.jobs.sweep import Sweep
from services.credit.payments.lease_store import DynamoLeaseStore
from services.credit.payments.metered import MeteredPaymentProvider
from services.credit.payments.provider import NoCardNetwork, PaymentProvider
from services.credit.payments.refunder import Refunder
from services.credit.payments.sandbox import DynamoSandboxPaymentProvider
from services.credit.plans.history import PlanHistory
from services.credit.plans.service import PlanService
from services.credit.plans.store import DynamoPlanStore
from services.credit.policy.rules import Policy, load_policy
from services.credit.screening.checks.bureau import SandboxBureau
from services.credit.screening.checks.fraud import FraudCheck
from services.credit.screening.events import EventPublisher
from services.credit.screening.retry import RetryPolicy
from services.credit.screening.runner import SHAPE, ScreeningWorkflow, Workflow
from services.credit.screening.state import Sources
from services.shared.aws_signing import SigV4
from services.shared.metrics import NO_METRICS, MetricsSink
from services.shared.propagation import traced
from services.shared.settings import Settings
from services.shared.timestamps import utc_now
from services.shared.trace import ContextThreadPool

# Dependency calls: each client times out on its own (HTTP and botocore timeouts); these are the
# tries in all (the workflow definition's, so a run tries a step as often on Step Functions) and
# the backoff between them, in tens of milliseconds where the definition's Retry waits whole
# seconds (the least ASL allows): a decision in process answers within the checkout's budget.
DEPENDENCY_RETRY = RetryPolicy(attempts=SHAPE.attempts, base_delay_s=0.05, max_delay_s=0.5)


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


def user_service_client(settings: Settings) -> httpx.Client:
    """The client for the user service: its calls carry the customer's JWT, and are also
    SigV4-signed (`execute-api`, the task role) where the user service is behind API Gateway's
    IAM auth (`BNPL_USER_SERVICE_AUTH=iam`)."""
    auth = None
    if settings.user_service_auth == "iam":
        auth = SigV4(
            service="execute-api",
            region=settings.region,
            credentials=boto3.Session().get_credentials,
        )
    return traced(
        timeout=settings.http_timeout_s,
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
        auth=auth,
    )


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
        page_url=settings.checkout_page_url,
    )


def screening_sources(
    settings: Settings, policy: Policy, *, user_http: httpx.Client | None = None
) -> Sources:
    """The screening steps' data sources `settings` name (the credit service's, and the state
    machine's step Lambda's)."""
    history = PlanHistory(settings)
    return Sources(
        bureau=sandbox_bureau(settings),
        bank=BankDataClient(
            base_url=settings.user_service_url, http=user_http or user_service_client(settings)
        ),
        exposure=history,
        payment_history=history,
        fraud=FraudCheck(rules=policy.fraud),
        scorer=ScoringClient(settings, max_attempts=1),
        challenger=ScoringClient(
            settings, target_variant=settings.scoring_challenger_variant, max_attempts=1
        )
        if settings.scoring_challenger_variant
        else None,
    )


def screening_workflow(
    settings: Settings,
    policy: Policy,
    *,
    sources: Sources,
    pool: ContextThreadPool,
    metrics: MetricsSink,
) -> ScreeningWorkflow:
    """The workflow `BNPL_WORKFLOW_ENGINE` names: in process, or on the state machine."""
    if settings.workflow_engine == "step_functions":
        if not settings.state_machine_arn:
            raise ValueError("BNPL_WORKFLOW_ENGINE=step_functions needs BNPL_STATE_MACHINE_ARN")
        return StepFunctionsWorkflow(
            state_machine_arn=settings.state_machine_arn, policy=policy, region=settings.region
        )
    return Workflow(
        sources=sources, policy=policy, retry=DEPENDENCY_RETRY, pool=pool, metrics=metrics
    )


def application_service(
    settings: Settings,
    *,
    checkouts: CheckoutRepository | None = None,
    updates: CheckoutUpdates | None = None,
    events: EventPublisher | None = None,
    metrics: MetricsSink = NO_METRICS,
) -> ApplicationService:
    """The application use cases with every adapter `settings` name; decisions and screening
    steps counted in `metrics`."""
    http = traced(
        timeout=settings.http_timeout_s,
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
    )
    user_http = user_service_client(settings)
    store = DynamoApplicationStore(settings)
    policy = load_policy()
    sources = screening_sources(settings, policy, user_http=user_http)
    # One pool for the reads a decision makes side by side. No task on it waits for a task
    # queued after it (a step waits only for reads its run submitted first), so it cannot
    # deadlock however busy it is.
    pool = ContextThreadPool(max_workers=32, thread_name_prefix="screening")
    workflow = screening_workflow(settings, policy, sources=sources, pool=pool, metrics=metrics)
    return ApplicationService(
        store=store,
        checkouts=checkouts or DynamoCheckoutRepository(settings),
        profiles=ProfileClient(base_url=settings.user_service_url, http=user_http),
        workflow=workflow,
        events=events or event_publisher(settings),
        updates=updates or checkout_updates(settings, http),
        event_bus_name=settings.event_bus_name,
        retry=DEPENDENCY_RETRY,
        pool=pool,
        metrics=metrics,
    )


def payment_provider(settings: Settings) -> PaymentProvider:
    """The card network `BNPL_PAYMENTS` names. `sandbox` keeps charges in DynamoDB, as a card
    network remembers them, so a retry after a crash and the sweep find them; there is no
    production adapter yet, so `none` refuses every payment."""
    if settings.payments == "none":
        return NoCardNetwork()
    return DynamoSandboxPaymentProvider(settings)


def plan_service(
    settings: Settings,
    *,
    checkouts: CheckoutRepository | None = None,
    provider: PaymentProvider | None = None,
    updates: CheckoutUpdates | None = None,
    metrics: MetricsSink = NO_METRICS,
) -> PlanService:
    """The plan use cases, with `payment_provider(settings)` unless another is given; its
    charges and refunds counted in `metrics`."""
    http = traced(timeout=settings.http_timeout_s)
    return PlanService(
        plans=DynamoPlanStore(settings),
        leases=DynamoLeaseStore(settings),
        applications=DynamoApplicationStore(settings),
        checkouts=checkouts or DynamoCheckoutRepository(settings),
        provider=MeteredPaymentProvider(provider or payment_provider(settings), metrics),
        updates=updates or checkout_updates(settings, http),
    )


def checkout_operations(
    settings: Settings,
    *,
    checkouts: CheckoutRepository | None = None,
    merchants: MerchantRepository | None = None,
    provider: PaymentProvider | None = None,
    updates: CheckoutUpdates | None = None,
    metrics: MetricsSink = NO_METRICS,
) -> CheckoutOperations:
    """The merchant's capture, void and refund (and the sweep's expiry); captures, voids and
    the card network's refunds counted in `metrics`."""
    plans = DynamoPlanStore(settings)
    http = traced(timeout=settings.http_timeout_s)
    return CheckoutOperations(
        plans=plans,
        checkouts=checkouts or DynamoCheckoutRepository(settings),
        merchants=merchants or DynamoMerchantRepository(settings),
        refunder=Refunder(
            plans=plans,
            provider=MeteredPaymentProvider(provider or payment_provider(settings), metrics),
        ),
        updates=updates or checkout_updates(settings, http),
        metrics=metrics,
    )


def sweep(
    settings: Settings,
    *,
    clock: Callable[[], datetime] | None = None,
    updates: CheckoutUpdates | None = None,
    metrics: MetricsSink = NO_METRICS,
) -> Sweep:
    """The sweep (`bnpl jobs run`), over the same stores and provider as the service; the
    refunds it makes counted in `metrics`."""
    now = clock or utc_now
    plans = DynamoPlanStore(settings)
    checkouts = DynamoCheckoutRepository(settings)
    provider = MeteredPaymentProvider(payment_provider(settings), metrics)
    refunder = Refunder(plans=plans, provider=provider, clock=now)
    updates = updates or checkout_updates(settings, traced(timeout=settings.http_timeout_s))
    operations = CheckoutOperations(
        plans=plans,
        checkouts=checkouts,
        merchants=DynamoMerchantRepository(settings),
        refunder=refunder,
        updates=updates,
        clock=now,
    )
    return Sweep(
        plans=plans,
        leases=DynamoLeaseStore(settings),
        checkouts=checkouts,
        operations=operations,
        updates=updates,
        refunder=refunder,
        late_fees=load_policy().late_fees,
        clock=now,
    )
