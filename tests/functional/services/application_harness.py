"""The credit service with the application workflow and the plan use cases on DynamoDB Local:
what the application and checkout-applicant tests share.

The bureau is the sandbox one and the card network the durable sandbox; the user service and
the model are fakes of their clients (their own tests cover them). A shopper's persona decides
their outcome: every profile registered for a persona carries that persona's customer id, which
is what the bureau's sandbox files are keyed on, while each shopper keeps their own token `sub`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from services.credit.adapters.event_publishers import OutboxEventPublisher
from services.credit.app import create_app
from services.credit.applications.service import ApplicationService
from services.credit.applications.store import DynamoApplicationStore
from services.credit.checkouts.domain import Checkout, parse_checkout_request
from services.credit.checkouts.store import DynamoCheckoutRepository
from services.credit.payments.sandbox import DynamoSandboxPaymentProvider
from services.credit.plans.history import PlanHistory
from services.credit.policy.rules import load_policy
from services.credit.screening.checks.bureau import SandboxBureau
from services.credit.screening.checks.fraud import FraudCheck
from services.credit.screening.retry import RetryPolicy
from services.credit.screening.runner import Workflow
from services.credit.screening.state import Sources
from services.credit.wiring import plan_service
from services.shared.errors import VerificationRequired
from services.shared.metrics import NO_METRICS, MetricsSink
from services.shared.settings import Settings
from tests.functional.services.money_harness import RecordedUpdates
from tests.unit.services.credit.workflow.fakes import FakeBank, FakeScorer, customer

POLICY = load_policy()
PERSONAS = ("approve", "decline", "refer", "thin", "fraud")


@dataclass
class FakeProfiles:
    """The user service's `GET /customers/me`: profiles by the token's subject."""

    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: int = 0

    def me(self, authorization: str) -> dict[str, Any]:
        self.calls += 1
        token = authorization.rsplit(maxsplit=1)[-1]
        sub = str(jwt.decode(token, options={"verify_signature": False})["sub"])
        if sub not in self.profiles:
            # What `ProfileClient` makes of the user service's 404 (tested with it).
            raise VerificationRequired("Register and verify your profile before applying")
        return self.profiles[sub]


@dataclass
class Switch:
    down: bool = False

    def __call__(self) -> bool:
        return self.down


@dataclass
class Harness:
    app: Any
    scorer: FakeScorer
    bureau: SandboxBureau
    bureau_down: Switch
    profiles: FakeProfiles
    updates: RecordedUpdates
    checkouts: DynamoCheckoutRepository
    store: DynamoApplicationStore
    provider: DynamoSandboxPaymentProvider

    def checkout(self, *, amount: int = 12_000, expires_in: timedelta | None = None) -> Checkout:
        """A new CREATED checkout of the merchant `m_shop`."""
        request = parse_checkout_request(
            {
                "merchantId": "m_shop",
                "merchantReference": f"order-{uuid.uuid4()}",
                "amount": {"amount": amount, "currency": "GBP"},
                "items": [
                    {
                        "sku": "A",
                        "name": "Jacket",
                        "quantity": 1,
                        "unitPrice": {"amount": amount, "currency": "GBP"},
                    }
                ],
            }
        )
        now = datetime.now(UTC)
        checkout = Checkout.open(request, checkout_id=str(uuid.uuid4()), now=now)
        if expires_in is not None:
            checkout = Checkout(**{**checkout.__dict__, "expires_at": now + expires_in})
        assert self.checkouts.add(checkout)
        return checkout

    def register(self, persona: str, sub: str | None = None) -> str:
        """A new verified shopper whose screening is `persona`'s; their sub."""
        sub = sub or f"{persona}-{uuid.uuid4().hex[:10]}"
        self.profiles.profiles[sub] = customer(persona)
        return sub


def build_harness(settings: Settings, *, metrics: MetricsSink = NO_METRICS) -> Harness:
    """The credit app: applications through the workflow, plans on the sandbox card network,
    every checkout update recorded; what it counts goes to `metrics`."""
    store = DynamoApplicationStore(settings)
    checkouts = DynamoCheckoutRepository(settings)
    scorer = FakeScorer()
    down = Switch()
    profiles = FakeProfiles(
        {f"sandbox-{name}": customer(name) for name in PERSONAS}
        | {"unverified": customer("approve", id="unverified", verificationStatus="UNVERIFIED")}
        | {"racer": customer("approve", id="racer")}
    )
    updates = RecordedUpdates()
    bureau = SandboxBureau(today=lambda: datetime.now(UTC).date(), outage=down)
    retry = RetryPolicy(attempts=2, base_delay_s=0.001, max_delay_s=0.001)
    history = PlanHistory(settings)
    workflow = Workflow(
        sources=Sources(
            bureau=bureau,
            bank=FakeBank(),
            exposure=history,
            payment_history=history,
            fraud=FraudCheck(rules=POLICY.fraud),
            scorer=scorer,
        ),
        policy=POLICY,
        retry=retry,
        metrics=metrics,
    )
    service = ApplicationService(
        store=store,
        checkouts=checkouts,
        profiles=profiles,
        workflow=workflow,
        events=OutboxEventPublisher(settings),
        updates=updates,
        event_bus_name="bnpl-credit-events",
        retry=retry,
        metrics=metrics,
    )
    provider = DynamoSandboxPaymentProvider(settings)
    plans = plan_service(
        settings, checkouts=checkouts, provider=provider, updates=updates, metrics=metrics
    )
    app = create_app(
        settings, checkouts=checkouts, applications=service, plans=plans, metrics=metrics
    )
    return Harness(app, scorer, bureau, down, profiles, updates, checkouts, store, provider)
