"""Fakes of the workflow's data sources (the real interfaces, in memory), a screening, and a
credit application as the credit service's tests build one."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from services.credit.adapters.scoring import ModelFactor, ModelScore
from services.credit.applications.domain import ApplicationStatus, CreditApplication
from services.credit.policy.rules import load_policy
from services.credit.screening.checks.bureau import SandboxBureau
from services.credit.screening.checks.exposure import (
    Exposure,
    InMemoryExposure,
    InMemoryPaymentHistory,
    PaymentHistory,
)
from services.credit.screening.checks.fraud import FraudCheck
from services.credit.screening.checks.prior import PriorApplications
from services.credit.screening.state import Screening, Sources
from services.shared.errors import DependencyFailure
from services.shared.money import Money

POLICY = load_policy()
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
APPLICATION_AMOUNT = Money(2_000, "GBP")


def customer(name: str = "approve", **changes: Any) -> dict[str, Any]:
    """A persona's profile as the user service answers it."""
    return {
        "id": f"sandbox-{name}",
        "email": f"{name}@sandbox.bnpl.test",
        "phone": "+447700900001",
        "givenName": "Amelia",
        "familyName": "Hart",
        "dateOfBirth": "1988-04-12",
        "address": None,
        "verificationStatus": "VERIFIED",
        "createdAt": "2026-01-01T00:00:00Z",
        **changes,
    }


def screening(name: str = "approve", *, amount: int = 12_000, **changes: Any) -> Screening:
    profile = changes.pop("customer", None) or customer(name)
    return Screening(
        application_id="app_1",
        customer=profile,
        checkout={"id": "co_1", "amount": {"amount": amount, "currency": "GBP"}},
        amount=Money(amount, "GBP"),
        authorization="Bearer token",
        bank_consent_id=changes.pop("bank_consent_id", None),
        device_id=changes.pop("device_id", None),
        source_ip=changes.pop("source_ip", "203.0.113.9"),
        prior=changes.pop("prior", PriorApplications()),
        now=NOW,
        **changes,
    )


def credit_application(
    *,
    id: str | None = None,
    customer_id: str = "c1",
    checkout_id: str | None = None,
    amount: Money = APPLICATION_AMOUNT,
    created_at: datetime | None = None,
    checkout_expires_at: datetime | None = None,
    device_id: str | None = None,
    attempts: int = 0,
    lease_until: datetime | None = None,
) -> CreditApplication:
    """A PENDING application as the service creates one, without a bank consent; the keywords
    override its fields.

    Args:
        id: by default a fresh `app_...` id, so applications written to a shared store differ.
        checkout_id: by default a fresh `co_...` id.
        created_at: by default the current time (the store's records are read against it).
        checkout_expires_at: by default an hour after `created_at`.
        attempts, lease_until: as the workflow's first run holds it, `attempts=1` and a lease a
            little after `created_at`; by default no run yet.

    Its decision, offers and steps come from `CreditApplication.decided`.
    """
    created = datetime.now(UTC) if created_at is None else created_at
    return CreditApplication(
        id=f"app_{uuid.uuid4().hex}" if id is None else id,
        customer_id=customer_id,
        checkout_id=f"co_{uuid.uuid4().hex[:8]}" if checkout_id is None else checkout_id,
        status=ApplicationStatus.PENDING,
        key_hash="h",
        fingerprint="f",
        bank_consent_id=None,
        amount=amount,
        checkout_expires_at=(
            created + timedelta(hours=1) if checkout_expires_at is None else checkout_expires_at
        ),
        created_at=created,
        device_id=device_id,
        attempts=attempts,
        lease_until=lease_until,
    )


@dataclass
class FakeScorer:
    """Answers one fixed probability; can fail a number of calls first."""

    probability_bad: float = 0.05
    failures: int = 0
    calls: int = 0
    model_version: str = "credit-test"

    def score(self, features: Mapping[str, float | str | None]) -> ModelScore:
        self.calls += 1
        if self.calls <= self.failures:
            raise DependencyFailure("The scoring endpoint is unavailable; try again")
        return ModelScore(
            probability_bad=self.probability_bad,
            points=600,
            model_version=self.model_version,
            factors=(
                ModelFactor(
                    feature="expenses_to_income",
                    code="HIGH_EXPENSES_TO_INCOME",
                    description="Your regular expenses are high compared with your income",
                    impact=0.3,
                ),
            ),
        )


@dataclass(frozen=True)
class Statements:
    transactions: Sequence[Mapping[str, Any]] | None
    balances: Sequence[Mapping[str, Any]] | None


def salaried_statements(months: int = 4, salary: int = 300_000, rent: int = 90_000) -> Statements:
    """OBIE transactions: a monthly salary and rent, complete months before NOW."""
    transactions: list[Mapping[str, Any]] = []
    for back in range(1, months + 1):
        year, month = NOW.year, NOW.month - back
        while month < 1:
            year, month = year - 1, month + 12
        for amount, indicator, code, text in (
            (salary, "Credit", "BGC", "ACME LTD SALARY"),
            (rent, "Debit", "SO", "RENT"),
        ):
            transactions.append(
                {
                    "AccountId": "acc-1",
                    "TransactionId": f"tx-{back}-{code}",
                    "Amount": {"Amount": amount, "Currency": "GBP"},
                    "CreditDebitIndicator": indicator,
                    "Status": "Booked",
                    "BookingDateTime": datetime(year, month, 3, 9, tzinfo=UTC).isoformat(),
                    "ProprietaryBankTransactionCode": {"Code": code},
                    "TransactionInformation": text,
                }
            )
    return Statements(transactions=transactions, balances=[])


@dataclass
class FakeBank:
    statements: Statements = field(default_factory=salaried_statements)
    error: Exception | None = None
    calls: int = 0

    def bank_data(self, *, authorization: str, consent_id: str) -> Statements:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return self.statements


@dataclass
class BarrierHistory:
    """Payment history that waits at a barrier (shared with other readers, which pass only if
    they all read at once) and counts its reads."""

    barrier: threading.Barrier
    history: PaymentHistory = field(default_factory=PaymentHistory)
    calls: int = 0

    def payment_history(self, customer_id: str, *, today: date) -> PaymentHistory:
        self.calls += 1
        self.barrier.wait()
        return self.history


@dataclass
class BarrierExposure:
    """Exposure that waits at a barrier, as `BarrierHistory`."""

    barrier: threading.Barrier

    def exposure(
        self, customer_id: str, *, currency: str, approvals: Mapping[str, int]
    ) -> Exposure:
        self.barrier.wait()
        return Exposure(outstanding=Money(0, currency), active_plans=0)


def sources(**overrides: Any) -> Sources:
    values: dict[str, Any] = {
        "bureau": SandboxBureau(today=NOW.date),
        "bank": FakeBank(),
        "exposure": InMemoryExposure(),
        "payment_history": InMemoryPaymentHistory(),
        "fraud": FraudCheck(rules=POLICY.fraud),
        "scorer": FakeScorer(),
    }
    values.update(overrides)
    return Sources(**values)
