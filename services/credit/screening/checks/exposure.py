"""What the customer already owes us and how they have repaid: the internal checks' data.

`ExposureSource` and `PaymentHistorySource` are ports the plan store implements (until payment
plans exist it finds none and answers zero); the in-memory versions serve tests and tools.

Pure: no web, storage or AWS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from services.shared.json_record import JsonRecord
from services.shared.money import Money


@dataclass(frozen=True, kw_only=True)
class Exposure:
    """The customer's active plans with us: how many and the principal still outstanding."""

    outstanding: Money
    active_plans: int

    def to_json(self) -> dict[str, Any]:
        """Evidence for the decision record."""
        return {"outstanding": self.outstanding.to_json(), "activePlans": self.active_plans}

    @classmethod
    def from_json(cls, data: object) -> Exposure:
        """The exposure `to_json` wrote, exactly.

        Raises:
            KeyError: a field is missing.
            ValueError: an unknown field, a wrong type or an invalid value.
        """
        with JsonRecord(data, "Exposure") as record:
            return cls(
                outstanding=record.decode("outstanding", Money.from_json),
                active_plans=record.value("activePlans", int),
            )


@dataclass(frozen=True, kw_only=True)
class PaymentHistory:
    """How the customer has repaid us.

    Attributes:
        overdue_instalments: instalments due and unpaid right now.
        late_instalments_12m: instalments paid after their due date in the last 12 months.
        missed_instalments_12m: instalments never paid (written off or waived in arrears).
    """

    overdue_instalments: int = 0
    late_instalments_12m: int = 0
    missed_instalments_12m: int = 0

    def to_json(self) -> dict[str, Any]:
        """Evidence for the decision record."""
        return {
            "overdueInstalments": self.overdue_instalments,
            "lateInstalments12m": self.late_instalments_12m,
            "missedInstalments12m": self.missed_instalments_12m,
        }

    @classmethod
    def from_json(cls, data: object) -> PaymentHistory:
        """The history `to_json` wrote, exactly.

        Raises:
            KeyError: a field is missing.
            ValueError: an unknown field, a wrong type or an invalid value.
        """
        with JsonRecord(data, "PaymentHistory") as record:
            return cls(
                overdue_instalments=record.value("overdueInstalments", int),
                late_instalments_12m=record.value("lateInstalments12m", int),
                missed_instalments_12m=record.value("missedInstalments12m", int),
            )


class ExposureSource(Protocol):
    """The customer's outstanding balance with us."""

    def exposure(
        self, customer_id: str, *, currency: str, approvals: Mapping[str, int]
    ) -> Exposure:
        """Active plans of `customer_id` in `currency` (zero when they have none), and
        `approvals` (application id → minor units: approvals they may still accept) that no
        plan has taken up yet."""
        ...


class PaymentHistorySource(Protocol):
    """The customer's repayment record with us."""

    def payment_history(self, customer_id: str, *, today: date) -> PaymentHistory:
        """Overdue now, and late or missed in the 12 months before `today`."""
        ...


@dataclass
class InMemoryExposure:
    """An `ExposureSource` over a dict of customer id → (outstanding minor units, plans)."""

    plans: dict[str, tuple[int, int]] = field(default_factory=dict)

    def exposure(
        self, customer_id: str, *, currency: str, approvals: Mapping[str, int]
    ) -> Exposure:
        """As `ExposureSource.exposure` (no plan has taken up any of `approvals`)."""
        outstanding, count = self.plans.get(customer_id, (0, 0))
        return Exposure(
            outstanding=Money(outstanding + sum(approvals.values()), currency),
            active_plans=count + len(approvals),
        )


@dataclass
class InMemoryPaymentHistory:
    """A `PaymentHistorySource` over a dict of customer id → history."""

    histories: dict[str, PaymentHistory] = field(default_factory=dict)

    def payment_history(self, customer_id: str, *, today: date) -> PaymentHistory:
        """As `PaymentHistorySource.payment_history`."""
        return self.histories.get(customer_id, PaymentHistory())
