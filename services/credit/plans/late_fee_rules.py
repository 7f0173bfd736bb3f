"""The late-fee figures of a credit policy and the arithmetic of one fee and of the cap.

The figures come from the policy file (`services.credit.policy.rules` parses them); applying them to
a plan is `services.credit.plans.late_fees.mark_late`. They are kept apart from `late_fees` because
the policy loads them, while `late_fees` builds on plans, and plans on offers, which read the
policy: defined there, the figures would make an import cycle.

Pure: no web, storage or AWS.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.shared.money import Money


@dataclass(frozen=True, kw_only=True)
class LateFeeRules:
    """Late-fee figures, in minor units of `currency`, the currency of the policy they are from.

    Attributes:
        currency: the only currency the figures may be applied in.
        fee: charged the day after a due date passes unpaid.
        second_fee_after_days: days late after which a second `fee` is charged.
        max_per_plan: the absolute cap on all late fees of a plan.
        max_share_of_order_percent: the cap as a whole percent of the plan's principal (a whole
            percent keeps the cap in integer arithmetic).

    Example:
        >>> rules = LateFeeRules(currency="GBP", fee=600, second_fee_after_days=7,
        ...     max_per_plan=2400, max_share_of_order_percent=25)
        >>> rules.fee_for(1), rules.fee_for(8), rules.cap(Money(4000, "GBP"))
        (600, 1200, 1000)
    """

    currency: str
    fee: int
    second_fee_after_days: int
    max_per_plan: int
    max_share_of_order_percent: int

    def cap(self, principal: Money) -> int:
        """The most a plan of `principal` may ever be charged in late fees.

        Raises:
            ValueError: `principal` is in another currency than the figures.
        """
        self.require_currency(principal.currency)
        return min(self.max_per_plan, principal.amount * self.max_share_of_order_percent // 100)

    def fee_for(self, days_late: int) -> int:
        """The (uncapped) fee of one instalment `days_late` days past its due date."""
        if days_late <= 0:
            return 0
        return self.fee * (2 if days_late > self.second_fee_after_days else 1)

    def require_currency(self, currency: str) -> None:
        """Refuse to apply these figures to amounts in another currency.

        Pence are not cents: a fee of 600 means £6 and nothing else. Plans are only made in the
        policy's currency, so a mismatch is a programming or data error, raised like `Money`'s
        own refusal to combine currencies.

        Raises:
            ValueError: `currency` is not the figures' currency.
        """
        if currency != self.currency:
            raise ValueError(f"late-fee rules are in {self.currency}, not {currency}")
