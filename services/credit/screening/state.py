"""The state of one screening run and what its steps are given: the data sources (each behind
the interface a production adapter implements), the retries, and the reads a runner may make
ahead of the steps that use them.

Pure: no web, storage or AWS.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from services.credit.policy.decision import PolicyOutcome, RuleHit, Score
from services.credit.policy.offers import Offer
from services.credit.policy.rules import Policy
from services.credit.screening.checks.affordability import CashFlowSummary
from services.credit.screening.checks.bureau import BureauReport, CreditBureau
from services.credit.screening.checks.exposure import (
    Exposure,
    ExposureSource,
    PaymentHistory,
    PaymentHistorySource,
)
from services.credit.screening.checks.fraud import FraudCheck, FraudSignals
from services.credit.screening.checks.prior import PriorApplications
from services.credit.screening.retry import RetryPolicy, call_with_retries
from services.shared.money import Money

if TYPE_CHECKING:
    from services.credit.screening.shadow import PendingShadow

T = TypeVar("T")


class StepStatus(StrEnum):
    """The API's `StepStatus`."""

    PASSED = "PASSED"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"
    ERROR = "ERROR"


@dataclass(frozen=True, kw_only=True)
class Verdict:
    """What a step concluded, and the evidence it records (`detail`, JSON-ready)."""

    status: StepStatus
    detail: Mapping[str, Any] = field(default_factory=dict)


class BankStatements(Protocol):
    """What a consent let us read (`services.credit.adapters.bank_data.BankData`)."""

    @property
    def transactions(self) -> Sequence[Mapping[str, Any]] | None: ...

    @property
    def balances(self) -> Sequence[Mapping[str, Any]] | None: ...


class BankDataReader(Protocol):
    """Reads the customer's bank data under a consent (the user service's client)."""

    def bank_data(self, *, authorization: str, consent_id: str) -> BankStatements:
        """Raises DependencyFailure when the user service fails; NotFound or InvalidState when
        the consent is not the customer's or does not allow the read."""
        ...


class Scorer(Protocol):
    """The credit model (`services.credit.adapters.scoring.ScoringClient`)."""

    def score(self, features: Mapping[str, float | str | None]) -> Score:
        """Raises DependencyFailure when the endpoint fails."""
        ...


@dataclass(frozen=True, kw_only=True)
class Sources:
    """The steps' data sources, each behind the interface a production adapter implements."""

    bureau: CreditBureau
    bank: BankDataReader
    exposure: ExposureSource
    payment_history: PaymentHistorySource
    fraud: FraudCheck
    scorer: Scorer
    challenger: Scorer | None = None  # a model scored in shadow (`screening.shadow`)


@dataclass(kw_only=True)
class Screening:
    """One run of the workflow: what the application is, and what the steps found so far.

    Attributes:
        customer: the user service's `Customer` JSON (verified).
        checkout: the `Checkout` JSON.
        authorization: the customer's `Authorization` value, forwarded to the user service.
        prior: the earlier applications of the customer, their device and their address, as
            the store held them when this application was written.
    """

    application_id: str
    customer: Mapping[str, Any]
    checkout: Mapping[str, Any]
    amount: Money
    authorization: str
    bank_consent_id: str | None
    device_id: str | None
    source_ip: str | None
    prior: PriorApplications
    now: datetime
    cash_flow: CashFlowSummary | None = None
    bureau: BureauReport | None = None
    exposure: Exposure | None = None
    payment_history: PaymentHistory | None = None
    fraud: FraudSignals | None = None
    hits: list[RuleHit] = field(default_factory=list)
    outcome: PolicyOutcome | None = None
    offers: list[Offer] = field(default_factory=list)
    ahead: dict[str, Future[tuple[Any, int]]] = field(default_factory=dict)
    challenger: PendingShadow | None = None  # the challenger's work, once FinalDecision ran

    @property
    def today(self) -> date:
        return self.now.date()

    @property
    def customer_id(self) -> str:
        return str(self.customer["id"])


@dataclass(frozen=True, kw_only=True)
class StepContext:
    """What every step may use besides the screening: sources, policy and retry settings."""

    sources: Sources
    policy: Policy
    retry: RetryPolicy
    sleep: Callable[[float], None]
    jitter: Callable[[], float]

    def call(self, call: Callable[[], T]) -> tuple[T, int]:
        """A dependency call with bounded retries: its result and the tries it took."""
        attempted = call_with_retries(call, policy=self.retry, sleep=self.sleep, jitter=self.jitter)
        return attempted.value, attempted.attempts

    def read(self, screening: Screening, read: Read[T]) -> tuple[T, int]:
        """A read's result and the tries it took: from the run's read ahead of time, if it
        started one, else made now."""
        ahead = screening.ahead.get(read.name)
        if ahead is not None:
            value, attempts = ahead.result()
            return value, attempts
        return self.call(lambda: read.fetch(screening, self.sources))


@dataclass(frozen=True)
class Read(Generic[T]):
    """A dependency read of a step, made the same way whenever it is made (with the step's
    retries): a runner may start it before the step runs (`Screening.ahead`).

    Attributes:
        after: the step whose findings it needs, once that step has passed; None when it
            needs only what the run starts with.
    """

    name: str
    fetch: Callable[[Screening, Sources], T]
    after: str | None = None
