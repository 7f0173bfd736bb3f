"""Cash-flow features from a customer's bank data (credit.md §6.1).

Input is what the user service returns under an account-information consent: OBIE-shaped
balances and transactions (`Amount {Amount, Currency}` in integer minor units, unsigned, with
`CreditDebitIndicator`; `BookingDateTime`; `ProprietaryBankTransactionCode.Code`;
`TransactionInformation`; `MerchantDetails.MerchantCategoryCode`; and, from banks or aggregators
that categorise, `SupplementaryData.Category`). A category, when present, wins; otherwise the
statement code, merchant category code and narrative decide.

Pure: no web, storage or AWS.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any


class Flow(StrEnum):
    """What a transaction means for affordability."""

    INCOME = "INCOME"  # salary, wages, gig payouts, benefits, pension
    OTHER_CREDIT = "OTHER_CREDIT"  # loans drawn, refunds, transfers in: not income
    RETURNED_PAYMENT = "RETURNED_PAYMENT"  # a direct debit or standing order the bank bounced
    HOUSING = "HOUSING"
    BILLS = "BILLS"  # utilities, council tax, telecoms, insurance, childcare
    DEBT_SERVICE = "DEBT_SERVICE"  # loans, cards, other BNPL
    ESSENTIALS = "ESSENTIALS"  # groceries, travel: non-discretionary living costs (CONC 5.2A)
    GAMBLING = "GAMBLING"
    TRANSFER_OUT = "TRANSFER_OUT"  # to savings or the customer's other accounts: not spending
    DISCRETIONARY = "DISCRETIONARY"


COMMITTED = (Flow.HOUSING, Flow.BILLS, Flow.DEBT_SERVICE, Flow.ESSENTIALS)

_CATEGORIES: Mapping[str, Flow] = {
    "SALARY": Flow.INCOME,
    "WAGES": Flow.INCOME,
    "GIG_INCOME": Flow.INCOME,
    "BENEFITS": Flow.INCOME,
    "PENSION": Flow.INCOME,
    "RETURNED_DIRECT_DEBIT": Flow.RETURNED_PAYMENT,
    "PAYDAY_LOAN": Flow.OTHER_CREDIT,
    "LOAN": Flow.OTHER_CREDIT,
    "REFUND": Flow.OTHER_CREDIT,
    "TRANSFER_IN": Flow.OTHER_CREDIT,
    "RENT": Flow.HOUSING,
    "MORTGAGE": Flow.HOUSING,
    "UTILITIES": Flow.BILLS,
    "COUNCIL_TAX": Flow.BILLS,
    "TELECOMS": Flow.BILLS,
    "INSURANCE": Flow.BILLS,
    "CHILDCARE": Flow.BILLS,
    "LOAN_REPAYMENT": Flow.DEBT_SERVICE,
    "CREDIT_CARD": Flow.DEBT_SERVICE,
    "BNPL": Flow.DEBT_SERVICE,
    "GROCERIES": Flow.ESSENTIALS,
    "TRANSPORT": Flow.ESSENTIALS,
    "GAMBLING": Flow.GAMBLING,
    "SAVINGS": Flow.TRANSFER_OUT,
    "TRANSFER_OUT": Flow.TRANSFER_OUT,
    "CRYPTO": Flow.TRANSFER_OUT,
}
# ISO 18245 merchant category codes: betting, lotteries, casinos; food stores; transport.
_GAMBLING_MCC = frozenset({"7800", "7801", "7802", "7995"})
_ESSENTIAL_MCC = frozenset({"5411", "5422", "5499", "4111", "4121", "4131", "5541", "5542"})
BNPL_PROVIDERS = ("KLARNA", "CLEARPAY", "AFTERPAY", "PAYPAL PAY IN", "ZILCH", "LAYBUY")
_INCOME_WORDS = ("SALARY", "WAGES", "PAYROLL", "PENSION", "PAYOUT", "PAYMNT", "DWP", "HMRC")


def _text(tx: Mapping[str, Any]) -> str:
    info = tx.get("TransactionInformation")
    return info.upper() if isinstance(info, str) else ""


def bnpl_provider(tx: Mapping[str, Any]) -> str | None:
    """The BNPL provider a transaction's narrative names, if any."""
    text = _text(tx)
    return next((p for p in BNPL_PROVIDERS if p in text), None)


def classify(tx: Mapping[str, Any]) -> Flow:
    """What one OBIE transaction means for affordability (see the module docstring)."""
    credit = tx.get("CreditDebitIndicator") == "Credit"
    supplementary = tx.get("SupplementaryData")
    category = supplementary.get("Category") if isinstance(supplementary, Mapping) else None
    if isinstance(category, str) and category.upper() in _CATEGORIES:
        flow = _CATEGORIES[category.upper()]
        # A category names the kind, the indicator the direction: a credit from a "LOAN_REPAYMENT"
        # payee is a refund, not income.
        if credit == (flow in (Flow.INCOME, Flow.OTHER_CREDIT, Flow.RETURNED_PAYMENT)):
            return flow
        return Flow.OTHER_CREDIT if credit else Flow.DISCRETIONARY
    code_field = tx.get("ProprietaryBankTransactionCode")
    merchant = tx.get("MerchantDetails")
    seen = _Seen(
        text=_text(tx),
        code=code_field.get("Code", "") if isinstance(code_field, Mapping) else "",
        mcc=merchant.get("MerchantCategoryCode") if isinstance(merchant, Mapping) else None,
    )
    rules, otherwise = (
        (_CREDIT_RULES, Flow.OTHER_CREDIT) if credit else (_DEBIT_RULES, Flow.DISCRETIONARY)
    )
    return next((flow for test, flow in rules if test(seen)), otherwise)


@dataclass(frozen=True)
class _Seen:
    text: str
    code: str
    mcc: str | None


# Without a category: the first rule that matches decides, in this order.
_CREDIT_RULES: tuple[tuple[Callable[[_Seen], bool], Flow], ...] = (
    (lambda t: t.text.startswith(("UNPAID", "RETURNED")), Flow.RETURNED_PAYMENT),
    (lambda t: "LOAN" in t.text or "REFUND" in t.text, Flow.OTHER_CREDIT),
    (lambda t: t.code == "BGC" or any(w in t.text for w in _INCOME_WORDS), Flow.INCOME),
)
_DEBIT_RULES: tuple[tuple[Callable[[_Seen], bool], Flow], ...] = (
    (lambda t: t.mcc in _GAMBLING_MCC, Flow.GAMBLING),
    (lambda t: "LOAN" in t.text or any(p in t.text for p in BNPL_PROVIDERS), Flow.DEBT_SERVICE),
    (lambda t: "RENT" in t.text or "MORTGAGE" in t.text, Flow.HOUSING),
    (lambda t: t.mcc in _ESSENTIAL_MCC, Flow.ESSENTIALS),
    # A direct debit or standing order is a committed outgoing.
    (lambda t: t.code in ("DD", "SO"), Flow.BILLS),
)


@dataclass(frozen=True, kw_only=True)
class CashFlowSummary:
    """What the bank data says about income and outgoings; integer minor units of `currency`.

    Monthly figures are medians over the complete calendar months observed (a partial first or
    last month would understate them); None when no complete month was observed.

    Attributes:
        months_observed: complete calendar months in the data.
        income_months: of those, months whose income reached 80% of the median (stability).
        monthly_commitments: housing + bills + debt service + essentials.
        returned_payments_90d: direct debits or standing orders returned unpaid.
        gambling_share_90d: gambling spend over income in the last 90 days (1.0 if gambling
            with no income).
        bnpl_providers_60d: distinct BNPL providers paid in the last 60 days (stacking).
        overdrawn_days_90d: days ending with an account below zero, reconstructed from the
            current balance and the transactions.
        days_since_income: days since the last income credit, None if there was none.
    """

    currency: str
    months_observed: int
    income_months: int
    monthly_income: int | None
    monthly_housing: int | None
    monthly_bills: int | None
    monthly_debt_service: int | None
    monthly_essentials: int | None
    returned_payments_90d: int
    gambling_share_90d: float
    bnpl_providers_60d: int
    overdrawn_days_90d: int
    days_since_income: int | None
    transactions_used: int
    transactions_ignored: int

    @property
    def monthly_commitments(self) -> int | None:
        """Non-discretionary outgoings a month (CONC 5.2A), None if unknown."""
        parts = (
            self.monthly_housing,
            self.monthly_bills,
            self.monthly_debt_service,
            self.monthly_essentials,
        )
        return None if any(p is None for p in parts) else sum(p or 0 for p in parts)

    def to_json(self) -> dict[str, Any]:
        """Evidence for the decision record (camelCase)."""
        return {
            "currency": self.currency,
            "monthsObserved": self.months_observed,
            "incomeMonths": self.income_months,
            "monthlyIncome": self.monthly_income,
            "monthlyHousing": self.monthly_housing,
            "monthlyBills": self.monthly_bills,
            "monthlyDebtService": self.monthly_debt_service,
            "monthlyEssentials": self.monthly_essentials,
            "monthlyCommitments": self.monthly_commitments,
            "returnedPayments90d": self.returned_payments_90d,
            "gamblingShare90d": round(self.gambling_share_90d, 4),
            "bnplProviders60d": self.bnpl_providers_60d,
            "overdrawnDays90d": self.overdrawn_days_90d,
            "daysSinceIncome": self.days_since_income,
            "transactionsUsed": self.transactions_used,
            "transactionsIgnored": self.transactions_ignored,
        }


@dataclass(frozen=True)
class _Tx:
    account: str
    booked: datetime
    signed: int
    flow: Flow
    provider: str | None


def _parse(tx: Mapping[str, Any], currency: str) -> _Tx | None:
    amount = tx.get("Amount")
    if not isinstance(amount, Mapping) or amount.get("Currency") != currency:
        return None
    minor = amount.get("Amount")
    indicator = tx.get("CreditDebitIndicator")
    booked = tx.get("BookingDateTime")
    if (
        not isinstance(minor, int)
        or isinstance(minor, bool)
        or minor < 0
        or indicator not in ("Credit", "Debit")
        or tx.get("Status", "Booked") != "Booked"
        or not isinstance(booked, str)
    ):
        return None
    try:
        at = datetime.fromisoformat(booked)
    except ValueError:
        return None
    if at.tzinfo is None:
        return None
    return _Tx(
        account=str(tx.get("AccountId", "")),
        booked=at,
        signed=minor if indicator == "Credit" else -minor,
        flow=classify(tx),
        provider=bnpl_provider(tx),
    )


def _month(day: date) -> tuple[int, int]:
    return day.year, day.month


def _complete_months(first: date, today: date) -> list[tuple[int, int]]:
    """Calendar months wholly inside [first, today)."""
    months: list[tuple[int, int]] = []
    year, month = first.year, first.month
    if first.day != 1:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    while True:
        after = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        if after > today:
            return months
        months.append((year, month))
        year, month = after.year, after.month


def _median(values: Iterable[int]) -> int:
    return int(statistics.median(values))


def summarise_bank_data(
    *,
    transactions: Sequence[Mapping[str, Any]],
    balances: Sequence[Mapping[str, Any]] = (),
    today: date,
    history_start: date | None = None,
    currency: str = "GBP",
) -> CashFlowSummary:
    """Cash-flow features from OBIE balances and transactions booked before `today`.

    Args:
        history_start: the first day the data covers (the consent's or the request's window);
            the earliest booking date when not given.
        currency: figures count only transactions in this currency; others are ignored.

    Example:
        >>> tx = {"Amount": {"Amount": 250000, "Currency": "GBP"}, "CreditDebitIndicator":
        ...       "Credit", "BookingDateTime": "2026-09-25T09:00:00+00:00",
        ...       "ProprietaryBankTransactionCode": {"Code": "BGC"}}
        >>> summarise_bank_data(transactions=[tx], today=date(2026, 11, 2),
        ...                     history_start=date(2026, 9, 1)).monthly_income
        125000
    """
    parsed = [_parse(tx, currency) for tx in transactions]
    used = [tx for tx in parsed if tx is not None and tx.booked.date() < today]
    ignored = len(transactions) - len(used)
    start = history_start or min((tx.booked.date() for tx in used), default=today)
    months = _complete_months(start, today)
    by_month: dict[tuple[int, int], dict[Flow, int]] = defaultdict(lambda: defaultdict(int))
    for tx in used:
        by_month[_month(tx.booked.date())][tx.flow] += abs(tx.signed)

    def monthly(flow: Flow) -> int | None:
        return _median(by_month[m][flow] for m in months) if months else None

    income = monthly(Flow.INCOME)
    income_months = (
        sum(1 for m in months if by_month[m][Flow.INCOME] >= 0.8 * income) if income else 0
    )
    since_90 = today - timedelta(days=90)
    recent = [tx for tx in used if tx.booked.date() >= since_90]
    income_90 = sum(tx.signed for tx in recent if tx.flow is Flow.INCOME)
    gambling_90 = sum(-tx.signed for tx in recent if tx.flow is Flow.GAMBLING)
    # With no income at all, any gambling is all of it.
    gambling_share = gambling_90 / income_90 if income_90 > 0 else float(gambling_90 > 0)
    since_60 = today - timedelta(days=60)
    providers = {
        tx.provider
        for tx in used
        if tx.provider is not None and tx.signed < 0 and tx.booked.date() >= since_60
    }
    last_income = max((tx.booked.date() for tx in used if tx.flow is Flow.INCOME), default=None)
    return CashFlowSummary(
        currency=currency,
        months_observed=len(months),
        income_months=income_months,
        monthly_income=income,
        monthly_housing=monthly(Flow.HOUSING),
        monthly_bills=monthly(Flow.BILLS),
        monthly_debt_service=monthly(Flow.DEBT_SERVICE),
        monthly_essentials=monthly(Flow.ESSENTIALS),
        returned_payments_90d=sum(1 for tx in recent if tx.flow is Flow.RETURNED_PAYMENT),
        gambling_share_90d=gambling_share,
        bnpl_providers_60d=len(providers),
        overdrawn_days_90d=_overdrawn_days(used, balances, today, currency),
        days_since_income=(today - last_income).days if last_income else None,
        transactions_used=len(used),
        transactions_ignored=ignored,
    )


def _booked_balance(balances: Sequence[Mapping[str, Any]], currency: str) -> dict[str, int]:
    """Each account's booked balance now (InterimBooked, else ClosingBooked), signed."""
    found: dict[str, tuple[int, int]] = {}
    for balance in balances:
        kind = balance.get("Type")
        rank = {"InterimBooked": 0, "ClosingBooked": 1}.get(str(kind))
        amount = balance.get("Amount")
        if rank is None or not isinstance(amount, Mapping):
            continue
        minor = amount.get("Amount")
        if amount.get("Currency") != currency or not isinstance(minor, int):
            continue
        signed = minor if balance.get("CreditDebitIndicator") == "Credit" else -minor
        account = str(balance.get("AccountId", ""))
        if account not in found or rank < found[account][0]:
            found[account] = (rank, signed)
    return {account: signed for account, (_, signed) in found.items()}


def _overdrawn_days(
    used: Sequence[_Tx], balances: Sequence[Mapping[str, Any]], today: date, currency: str
) -> int:
    """Days in the last 90 that ended with some account below zero.

    The balance at the end of day d is today's booked balance less everything booked after d,
    so the walk goes back from today, undoing one day's transactions at a time.
    """
    overdrawn: set[date] = set()
    for account, balance in _booked_balance(balances, currency).items():
        per_day: dict[date, int] = defaultdict(int)
        for tx in used:
            if tx.account == account:
                per_day[tx.booked.date()] += tx.signed
        end_of_day = balance
        for back in range(1, 91):
            day = today - timedelta(days=back)
            if end_of_day < 0:
                overdrawn.add(day)
            end_of_day -= per_day.get(day, 0)
    return len(overdrawn)
