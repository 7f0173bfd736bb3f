"""Repayment offers on an approved application: PAY_IN_4 and MONTHLY plans, to the penny.

- PAY_IN_4: 25 % today, then three payments a fortnight apart, 0 % APR.
- MONTHLY (3, 6, 12 months, as the policy lists): the band's APR, a level instalment due today
  and on the same day of each following month (the first payment is taken when the offer is
  accepted, as for pay-in-4).

Interest convention (stated in the policy's terms, not the FCA/CCD APR definition): the monthly
rate is APR / 12 and the instalment is the level annuity whose present value at that rate
equals the principal, with payments at months 0 … n-1. It is computed in exact rational
arithmetic, so `totalPayable` = round-half-up(n * instalment) and rises with the APR.

Rounding (DESIGN.md §5): every schedule is `totalPayable` split into equal minor units with the
remainder on the first payment, so the payments always sum exactly to `totalPayable`, and
`totalInterest` = `totalPayable` - principal.

Pure: no web, storage or AWS.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any

from services.credit.policy.dates import add_months
from services.credit.policy.rules import Policy, ScoreBand
from services.credit.screening.checks.affordability import Affordability
from services.shared.json_record import JsonRecord
from services.shared.money import Money

PAY_IN_4_COUNT = 4
FORTNIGHT = timedelta(days=14)
# Pay-in-4's payments fall a fortnight apart: about two in any month (credit.md §6.1 counts a
# pay-in-4 plan as two instalments a month when testing affordability).
PAY_IN_4_PER_MONTH = 2


class PlanProduct(StrEnum):
    """The API's `PlanProduct`."""

    PAY_IN_4 = "PAY_IN_4"
    MONTHLY = "MONTHLY"


class Frequency(StrEnum):
    """The API's `Frequency`."""

    FORTNIGHTLY = "FORTNIGHTLY"
    MONTHLY = "MONTHLY"


@dataclass(frozen=True, kw_only=True)
class ScheduledPayment:
    """The API's `ScheduledPayment`."""

    number: int
    due_date: date
    amount: Money

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "dueDate": self.due_date.isoformat(),
            "amount": self.amount.to_json(),
        }

    @classmethod
    def from_json(cls, data: object) -> ScheduledPayment:
        """The payment `to_json` wrote, exactly.

        Raises:
            KeyError: a field is missing.
            ValueError: an unknown field, a wrong type or an invalid value.
        """
        with JsonRecord(data, "ScheduledPayment") as record:
            return cls(
                number=record.value("number", int),
                due_date=record.iso_date("dueDate"),
                amount=record.decode("amount", Money.from_json),
            )


@dataclass(frozen=True, kw_only=True)
class Offer:
    """One repayment plan the customer may accept (the API's `Offer`)."""

    id: str
    product: PlanProduct
    frequency: Frequency
    apr: float  # percent
    principal: Money
    schedule: tuple[ScheduledPayment, ...]

    @property
    def instalment_count(self) -> int:
        return len(self.schedule)

    @property
    def first_payment(self) -> Money:
        return self.schedule[0].amount

    @property
    def total_payable(self) -> Money:
        total = Money(0, self.principal.currency)
        for payment in self.schedule:
            total += payment.amount
        return total

    @property
    def total_interest(self) -> Money:
        return self.total_payable - self.principal

    @property
    def monthly_equivalent(self) -> Money:
        """What the plan costs in a month, for the affordability test: its largest instalment
        (the first), twice over for pay-in-4's fortnightly payments."""
        per_month = PAY_IN_4_PER_MONTH if self.frequency is Frequency.FORTNIGHTLY else 1
        return self.first_payment.times(per_month)

    def to_json(self) -> dict[str, Any]:
        """The API's `Offer`."""
        return {
            "id": self.id,
            "product": self.product.value,
            "instalmentCount": self.instalment_count,
            "frequency": self.frequency.value,
            "apr": self.apr,
            "firstPayment": self.first_payment.to_json(),
            "totalPayable": self.total_payable.to_json(),
            "totalInterest": self.total_interest.to_json(),
            "schedule": [payment.to_json() for payment in self.schedule],
        }


def offer_id(application_id: str, product: PlanProduct, count: int) -> str:
    """Deterministic: the same application always gets the same offer ids."""
    digest = hashlib.sha256(f"{application_id}|{product.value}|{count}".encode()).hexdigest()
    return f"off_{digest[:24]}"


def split_evenly(total: int, count: int) -> list[int]:
    """`total` minor units in `count` equal parts, the remainder on the first part.

    Example:
        >>> split_evenly(1001, 4)
        [251, 250, 250, 250]
    """
    if count < 1 or total < 0:
        raise ValueError("count must be positive and total not negative")
    base, remainder = divmod(total, count)
    return [base + remainder] + [base] * (count - 1)


def monthly_total_payable(principal: int, apr: float, months: int) -> int:
    """What a `months`-instalment MONTHLY plan costs in all (see the module docstring).

    Example:
        >>> monthly_total_payable(100_000, 0.0, 3), monthly_total_payable(100_000, 19.9, 3)
        (100000, 101649)
    """
    if principal < 0 or months < 1 or apr < 0:
        raise ValueError("principal and apr must not be negative; months must be positive")
    rate = Fraction(Decimal(str(apr))) / 1200
    if rate == 0:
        return principal
    discount = 1 / (1 + rate)
    present_value_of_one = sum(discount**k for k in range(months))
    total = months * principal / present_value_of_one
    return int(total + Fraction(1, 2))  # round half up; total > 0


def _offer(
    application_id: str,
    product: PlanProduct,
    apr: float,
    amount: Money,
    payments: list[tuple[date, int]],
) -> Offer:
    frequency = Frequency.FORTNIGHTLY if product is PlanProduct.PAY_IN_4 else Frequency.MONTHLY
    return Offer(
        id=offer_id(application_id, product, len(payments)),
        product=product,
        frequency=frequency,
        apr=apr,
        principal=amount,
        schedule=tuple(
            ScheduledPayment(number=i + 1, due_date=due, amount=Money(minor, amount.currency))
            for i, (due, minor) in enumerate(payments)
        ),
    )


def pay_in_4(amount: Money, *, today: date, application_id: str) -> Offer:
    """25 % today and three fortnightly payments, interest-free."""
    parts = split_evenly(amount.amount, PAY_IN_4_COUNT)
    return _offer(
        application_id,
        PlanProduct.PAY_IN_4,
        0.0,
        amount,
        [(today + FORTNIGHT * i, part) for i, part in enumerate(parts)],
    )


def monthly(amount: Money, *, months: int, apr: float, today: date, application_id: str) -> Offer:
    """A level-instalment plan over `months` payments at `apr` percent."""
    parts = split_evenly(monthly_total_payable(amount.amount, apr, months), months)
    return _offer(
        application_id,
        PlanProduct.MONTHLY,
        apr,
        amount,
        [(add_months(today, i), part) for i, part in enumerate(parts)],
    )


def candidate_offers(
    amount: Money, band: ScoreBand | None, policy: Policy, *, today: date, application_id: str
) -> list[Offer]:
    """Every plan the policy's products allow for `amount`, before limits and affordability.

    MONTHLY plans need a band with an APR; with no band (no score yet) they are priced at the
    policy's highest APR, the most cautious figure for an affordability estimate.
    """
    products = policy.products
    offers = []
    if products.pay_in_4_min_amount <= amount.amount <= products.pay_in_4_max_amount:
        offers.append(pay_in_4(amount, today=today, application_id=application_id))
    apr = policy.max_monthly_apr if band is None else band.monthly_apr
    if apr is not None and products.monthly_min_amount <= amount.amount <= (
        products.monthly_max_amount
    ):
        offers.extend(
            monthly(amount, months=n, apr=apr, today=today, application_id=application_id)
            for n in products.monthly_terms
        )
    return offers


def make_offers(
    amount: Money,
    band: ScoreBand,
    policy: Policy,
    today: date,
    affordability: Affordability,
    *,
    application_id: str,
    available: Money | None = None,
) -> list[Offer]:
    """The offers of an approved application: the plans for `amount` within the approved limit
    whose own monthly-equivalent instalment passes affordability on the same figures.

    Args:
        available: what the customer may still borrow (the limit less what they owe us); the
            band's limit when not given.
    """
    limit = band.credit_limit if available is None else available.amount
    if amount.amount > limit:
        return []
    return [
        offer
        for offer in candidate_offers(
            amount, band, policy, today=today, application_id=application_id
        )
        if affordability.allows(offer.monthly_equivalent.amount, policy.affordability)
    ]
