"""Late instalments and their capped late fees.

credit.md §2.1 (FCA rules for Deferred Payment Credit) requires fee caps and notices but sets no
figures, so the numbers are Clearpay UK's published ones (credit.md §1.2): £6 when an instalment
is missed, £6 more if it is still unpaid 7 days later, and never more than the lower of £24 or
25 % of the order per plan. They live here as `UK_LATE_FEES` until the policy file carries them.

Pure: no web, storage or AWS.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from services.credit.plans import InstalmentStatus, PaymentPlan, PlanStatus
from services.shared.money import Money


@dataclass(frozen=True, kw_only=True)
class LateFeeRules:
    """Late-fee figures, in minor units of the plan's currency.

    Attributes:
        fee: charged the day after a due date passes unpaid.
        second_fee_after_days: days late after which a second `fee` is charged.
        max_per_plan: the absolute cap on all late fees of a plan.
        max_share_of_order_percent: the cap as a share of the plan's principal.
    """

    fee: int
    second_fee_after_days: int
    max_per_plan: int
    max_share_of_order_percent: int

    def cap(self, principal: Money) -> int:
        """The most a plan of `principal` may ever be charged in late fees."""
        return min(self.max_per_plan, principal.amount * self.max_share_of_order_percent // 100)

    def fee_for(self, days_late: int) -> int:
        """The (uncapped) fee of one instalment `days_late` days past its due date."""
        if days_late <= 0:
            return 0
        return self.fee * (2 if days_late > self.second_fee_after_days else 1)


# Clearpay UK (credit.md §1.2), in GBP pence; see the module docstring.
UK_LATE_FEES = LateFeeRules(
    fee=600, second_fee_after_days=7, max_per_plan=2400, max_share_of_order_percent=25
)


def mark_late(plan: PaymentPlan, today: date, rules: LateFeeRules = UK_LATE_FEES) -> PaymentPlan:
    """Mark DUE instalments past their due date LATE and bring their fees up to date.

    A function of `today` only, so the daily sweep may run it any number of times: a fee is
    charged once, never decreases, and all of a plan's fees stay within `rules.cap`.

    Example:
        >>> UK_LATE_FEES.fee_for(1), UK_LATE_FEES.fee_for(8), UK_LATE_FEES.cap(Money(4000, "GBP"))
        (600, 1200, 1000)
    """
    if plan.status is not PlanStatus.ACTIVE:
        return plan
    currency = plan.principal.currency
    room = rules.cap(plan.principal) - plan.fees_charged.amount
    instalments = []
    for instalment in plan.instalments:
        days_late = (today - instalment.due_date).days
        if instalment.status in (InstalmentStatus.DUE, InstalmentStatus.LATE) and days_late > 0:
            current = instalment.late_fee.amount
            fee = max(current, min(rules.fee_for(days_late), current + max(room, 0)))
            room -= fee - current
            instalments.append(
                replace(instalment, status=InstalmentStatus.LATE, late_fee=Money(fee, currency))
            )
        else:
            instalments.append(instalment)
    return replace(plan, instalments=tuple(instalments))
