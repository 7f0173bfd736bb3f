"""Late instalments and their capped late fees.

credit.md §2.1 (FCA rules for Deferred Payment Credit) requires fee caps and notices but sets no
figures, so the policy file carries Clearpay UK's published ones (credit.md §1.2): £6 when an
instalment is missed, £6 more if it is still unpaid 7 days later, and never more than the lower
of £24 or 25 % of the order per plan. `load_policy().late_fees` holds them as `LateFeeRules`.

Pure: no web, storage or AWS.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from services.credit.plans.domain import InstalmentStatus, PaymentPlan, PlanStatus
from services.credit.plans.late_fee_rules import LateFeeRules
from services.shared.money import Money

__all__ = ["LateFeeRules", "mark_late"]


def mark_late(plan: PaymentPlan, today: date, rules: LateFeeRules) -> PaymentPlan:
    """Mark DUE instalments past their due date LATE and bring their fees up to date.

    A function of `today` only, so the daily sweep may run it any number of times: a fee is
    charged once, never decreases, and all of a plan's fees stay within `rules.cap`. Plans that
    are not ACTIVE are returned as they are.

    Raises:
        ValueError: an ACTIVE plan in another currency than `rules` (see
            `LateFeeRules.require_currency`).

    Example:
        >>> from services.credit.policy.rules import load_policy
        >>> rules = load_policy().late_fees
        >>> rules.fee_for(1), rules.fee_for(8), rules.cap(Money(4000, "GBP"))
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
