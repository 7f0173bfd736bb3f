"""The external credit report: what a credit reference agency (CRA) tells us about an applicant.

`CreditBureau` is the port a production adapter (Experian, Equifax, TransUnion soft search)
implements; `SandboxBureau` is the deterministic stand-in of the local stack and the tests.

Pure: no web, storage or AWS.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Protocol

from services.credit.policy.dates import add_months
from services.shared.errors import DependencyFailure

SANDBOX_BUREAU = "SandboxBureau"
SANDBOX_SEED = "bnpl-sandbox-bureau-v1"
SANDBOX_BANK_SEED = "bnpl-sandbox-bank-v1"


class HomeStatus(StrEnum):
    """Where the applicant lives (the categories of the model's `Home` input)."""

    OWNER = "OWNER"
    RENT = "RENT"
    PARENTS = "PARENTS"
    PRIVATE = "PRIVATE"  # a private arrangement (lodging, tied housing)
    OTHER = "OTHER"


class JobType(StrEnum):
    """The applicant's employment (the categories of the model's `Job` input)."""

    FIXED = "FIXED"  # permanent contract
    FREELANCE = "FREELANCE"
    PART_TIME = "PART_TIME"
    OTHER = "OTHER"


class DerogatoryKind(StrEnum):
    """Adverse public or credit records the hard rules look back on."""

    DEFAULT = "DEFAULT"
    CCJ = "CCJ"  # county court judgment
    BANKRUPTCY = "BANKRUPTCY"
    INSOLVENCY = "INSOLVENCY"  # IVA, debt relief order


@dataclass(frozen=True, kw_only=True)
class Derogatory:
    """One adverse record: what, when, and how much (minor units of the report's currency)."""

    kind: DerogatoryKind
    recorded_on: date
    amount: int = 0


class BureauUnavailable(DependencyFailure):
    """The credit bureau failed or did not answer (a DependencyFailure on the wire)."""

    code = "DependencyFailure"


@dataclass(frozen=True, kw_only=True)
class BureauReport:
    """A soft-search credit report, in our terms.

    Every amount is integer minor units of `currency`. Fields the bureau does not know are None.
    The model's feature mapping (`services/credit/screening/features.py`) reads:

    - `declared_monthly_income`, `declared_monthly_expenses`: the bureau's income and expenditure
      estimates (model `Income`, `Expenses`) when no bank data is given;
    - `assets`, `total_debt` (model `Assets`, `Debt`);
    - `home_status` (`Home`), `job_type` (`Job`), `employment_years` (`Seniority`);
    - `has_public_record` (`Records`: any derogatory on file).

    Attributes:
        reference: the bureau's id for this search, kept as decision evidence.
        bureau: which bureau answered.
        file_present: False for a thin file (no credit history found); the other history fields
            are then empty.
        score: the bureau's own score (0-999), None without a file.
        derogatories: defaults, CCJs, bankruptcies and insolvencies, newest first.
        active_credit_count: open credit agreements (loans, cards, BNPL) at other lenders.
        residence_country: ISO 3166-1 alpha-2 country of the address the bureau matched (the
            electoral roll), even on a thin file; None when no address matched.
    """

    reference: str
    bureau: str
    currency: str
    file_present: bool
    score: int | None = None
    derogatories: tuple[Derogatory, ...] = ()
    active_credit_count: int = 0
    total_debt: int | None = None
    assets: int | None = None
    declared_monthly_income: int | None = None
    declared_monthly_expenses: int | None = None
    home_status: HomeStatus | None = None
    job_type: JobType | None = None
    employment_years: int | None = None
    residence_country: str | None = None

    @property
    def has_public_record(self) -> bool:
        """Whether any derogatory is on file, however old (the model's `Records`)."""
        return bool(self.derogatories)

    def latest(self, kind: DerogatoryKind) -> date | None:
        """The date of the newest record of `kind`, None if there is none."""
        dates = [d.recorded_on for d in self.derogatories if d.kind is kind]
        return max(dates) if dates else None


class CreditBureau(Protocol):
    """A credit reference agency's soft search."""

    def report(self, customer: Mapping[str, Any]) -> BureauReport:
        """The report for `customer` (the user service's Customer JSON; `id` at least).

        Raises:
            BureauUnavailable: the bureau failed or timed out (retrying later may work).
        """
        ...


@dataclass(frozen=True, kw_only=True)
class _Persona:
    file_present: bool
    score: int | None
    derogatories: tuple[tuple[DerogatoryKind, int, int], ...]  # kind, months ago, amount
    active_credit_count: int
    total_debt: int | None
    assets: int | None
    income: int | None
    expenses: int | None
    home: HomeStatus | None
    job: JobType | None
    years: int | None


# The sandbox personas (bnpl/personas.py): files that give their intended outcomes, consistent
# with their sandbox bank data (services/user/sandbox_bank/profiles.py).
PERSONA_FILES: dict[str, _Persona] = {
    "sandbox-approve": _Persona(
        file_present=True,
        score=961,
        derogatories=(),
        active_credit_count=2,
        total_debt=120_000,
        assets=2_500_000,
        income=285_000,
        expenses=140_000,
        home=HomeStatus.OWNER,
        job=JobType.FIXED,
        years=12,
    ),
    "sandbox-decline": _Persona(
        file_present=True,
        score=412,
        derogatories=((DerogatoryKind.DEFAULT, 4, 85_000), (DerogatoryKind.DEFAULT, 9, 42_000)),
        active_credit_count=7,
        total_debt=1_250_000,
        assets=0,
        income=165_000,
        expenses=150_000,
        home=HomeStatus.RENT,
        job=JobType.PART_TIME,
        years=1,
    ),
    "sandbox-refer": _Persona(
        file_present=True,
        score=655,
        derogatories=(),
        active_credit_count=3,
        total_debt=400_000,
        assets=0,
        income=240_000,
        expenses=160_000,
        home=HomeStatus.RENT,
        job=JobType.FREELANCE,
        years=3,
    ),
    "sandbox-thin": _Persona(
        file_present=False,
        score=None,
        derogatories=(),
        active_credit_count=0,
        total_debt=None,
        assets=None,
        income=None,
        expenses=None,
        home=None,
        job=None,
        years=None,
    ),
    # A clean-looking file: the fraud check, not the bureau, stops this persona.
    "sandbox-fraud": _Persona(
        file_present=True,
        score=880,
        derogatories=(),
        active_credit_count=1,
        total_debt=50_000,
        assets=500_000,
        income=300_000,
        expenses=120_000,
        home=HomeStatus.RENT,
        job=JobType.FIXED,
        years=5,
    ),
}


@dataclass
class SandboxBureau:
    """A deterministic bureau: fixed files for the sandbox personas, and for any other customer
    a file derived from a SHA-256 of its id (stable across runs and machines, unlike `hash()`).

    Args:
        today: the clock (dates of derogatories are relative to it).
        outage: True, or a callable answering True, makes `report` raise `BureauUnavailable`,
            so tests can take the bureau down and bring it back.
        seed: varies the derived files.

    Example:
        >>> bureau = SandboxBureau(today=lambda: date(2026, 11, 1))
        >>> bureau.report({"id": "sandbox-approve"}).score
        961
    """

    today: Callable[[], date]
    outage: bool | Callable[[], bool] = False
    seed: str = SANDBOX_SEED
    currency: str = "GBP"
    calls: int = field(default=0, init=False)

    def report(self, customer: Mapping[str, Any]) -> BureauReport:
        """The customer's file; see the class docstring."""
        self.calls += 1
        down = self.outage() if callable(self.outage) else self.outage
        if down:
            raise BureauUnavailable("The credit bureau is unavailable")
        customer_id = customer.get("id")
        if not isinstance(customer_id, str) or not customer_id:
            raise ValueError("customer must carry its id")
        persona = PERSONA_FILES.get(customer_id) or self._derived(customer_id)
        today = self.today()
        reference = hashlib.sha256(f"{self.seed}|{customer_id}|{today}".encode()).hexdigest()
        return BureauReport(
            reference=f"sbx-{reference[:20]}",
            bureau=SANDBOX_BUREAU,
            currency=self.currency,
            file_present=persona.file_present,
            score=persona.score,
            derogatories=tuple(
                Derogatory(kind=kind, recorded_on=add_months(today, -months), amount=amount)
                for kind, months, amount in sorted(persona.derogatories, key=lambda d: d[1])
            ),
            active_credit_count=persona.active_credit_count,
            total_debt=persona.total_debt,
            assets=persona.assets,
            declared_monthly_income=persona.income,
            declared_monthly_expenses=persona.expenses,
            home_status=persona.home,
            job_type=persona.job,
            employment_years=persona.years,
            residence_country="GB",
        )

    def _derived(self, customer_id: str) -> _Persona:
        h = hashlib.sha256(f"{self.seed}|{customer_id}".encode()).digest()
        if h[0] < 16:  # 1 in 16: no file
            return PERSONA_FILES["sandbox-thin"]
        score = 450 + int.from_bytes(h[1:3]) % 550
        derogatories: tuple[tuple[DerogatoryKind, int, int], ...] = ()
        if h[3] < 20:  # about 1 in 13 has an old or recent default
            derogatories = ((DerogatoryKind.DEFAULT, 1 + h[4] % 60, 10_000 + h[5] * 500),)
        # The same income and rent as the sandbox bank derives for this customer (`profile_for`
        # in services/user/sandbox_bank/profiles.py), so bank and bureau tell one story.
        bank = hashlib.sha256(f"{SANDBOX_BANK_SEED}|profile|{customer_id}".encode()).digest()
        income = 180_000 + int.from_bytes(bank[:2]) % 240_000
        rent = income * (30 + bank[4] % 11) // 100
        return _Persona(
            file_present=True,
            score=score,
            derogatories=derogatories,
            active_credit_count=h[8] % 6,
            total_debt=int.from_bytes(h[9:11]) % 1_000_000,
            assets=(int.from_bytes(h[11:13]) % 40) * 100_000,
            income=income,
            expenses=rent + 56_000,  # rent, bills and groceries
            home=list(HomeStatus)[h[14] % len(HomeStatus)],
            job=list(JobType)[h[15] % len(JobType)],
            years=h[16] % 25,
        )
