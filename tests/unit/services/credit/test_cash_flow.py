from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services.credit.screening.checks.cash_flow import (
    CashFlowSummary,
    Flow,
    classify,
    summarise_bank_data,
)

TODAY = date(2026, 11, 30)


def tx(
    amount: int,
    *,
    on: str = "2026-10-15",
    code: str = "DEB",
    info: str = "",
    category: str | None = None,
    mcc: str | None = None,
    account: str = "acc-1",
    currency: str = "GBP",
    status: str = "Booked",
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "AccountId": account,
        "TransactionId": f"tx-{on}-{amount}-{info}",
        "CreditDebitIndicator": "Credit" if amount >= 0 else "Debit",
        "Status": status,
        "BookingDateTime": f"{on}T10:00:00+00:00",
        "Amount": {"Amount": abs(amount), "Currency": currency},
        "ProprietaryBankTransactionCode": {"Code": code, "Issuer": "Bank"},
    }
    if info:
        body["TransactionInformation"] = info
    if category:
        body["SupplementaryData"] = {"Category": category}
    if mcc:
        body["MerchantDetails"] = {"MerchantName": info, "MerchantCategoryCode": mcc}
    return body


@pytest.mark.parametrize(
    ("transaction", "flow"),
    [
        # with a category, the category decides (direction checked)
        (tx(250_000, code="BGC", category="SALARY"), Flow.INCOME),
        (tx(60_000, code="FPI", category="GIG_INCOME"), Flow.INCOME),
        (tx(25_000, code="FPI", category="PAYDAY_LOAN"), Flow.OTHER_CREDIT),
        (tx(2_500, code="DD", category="RETURNED_DIRECT_DEBIT"), Flow.RETURNED_PAYMENT),
        (tx(-95_000, code="SO", category="RENT"), Flow.HOUSING),
        (tx(-3_500, code="DD", category="BNPL"), Flow.DEBT_SERVICE),
        (tx(-6_500, category="GROCERIES"), Flow.ESSENTIALS),
        (tx(-3_000, category="GAMBLING"), Flow.GAMBLING),
        (tx(-20_000, code="FPO", category="SAVINGS"), Flow.TRANSFER_OUT),
        (tx(20_000, code="FPI", category="SAVINGS"), Flow.OTHER_CREDIT),
        (tx(1_500, category="LOAN_REPAYMENT"), Flow.OTHER_CREDIT),  # a refund from a lender
        (tx(-2_400, category="DINING"), Flow.DISCRETIONARY),  # unknown category: the fallbacks
        # without a category: narrative, code and merchant category code
        (tx(180_000, code="BGC", info="EMPLOYER PAYROLL"), Flow.INCOME),
        (tx(70_000, code="FPI", info="UBER BV PAYOUT"), Flow.INCOME),
        (tx(90_000, code="FPI", info="FROM J DOE"), Flow.OTHER_CREDIT),
        (tx(30_000, code="FPI", info="QUICK LOANS ADVANCE"), Flow.OTHER_CREDIT),
        (tx(2_500, code="DD", info="UNPAID DD SKY UK"), Flow.RETURNED_PAYMENT),
        (tx(-3_000, info="BETSTAR", mcc="7995"), Flow.GAMBLING),
        (tx(-3_500, code="DD", info="DD KLARNA"), Flow.DEBT_SERVICE),
        (tx(-31_000, code="DD", info="DD QUIDNOW LOANS"), Flow.DEBT_SERVICE),
        (tx(-80_000, code="SO", info="SO RENT"), Flow.HOUSING),
        (tx(-4_000, info="TESCO STORES", mcc="5411"), Flow.ESSENTIALS),
        (tx(-1_800, code="DD", info="DD VODAFONE LTD"), Flow.BILLS),
        (tx(-1_099, info="NETFLIX.COM", mcc="4899"), Flow.DISCRETIONARY),
    ],
)
def test_classify(transaction, flow):
    assert classify(transaction) is flow


def month(year: int, m: int, *extra: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        tx(200_000, on=f"{year}-{m:02d}-25", code="BGC", info="SALARY"),
        tx(-80_000, on=f"{year}-{m:02d}-01", code="SO", info="SO RENT"),
        tx(-10_000, on=f"{year}-{m:02d}-05", code="DD", info="DD ENERGY"),
        tx(-20_000, on=f"{year}-{m:02d}-10", info="TESCO", mcc="5411"),
        *extra,
    ]


class TestSummarise:
    def test_medians_over_complete_months_only(self):
        transactions = [
            *month(2026, 8),
            *month(2026, 9),
            *month(2026, 10),
            # a bonus in one month does not move the median
            tx(500_000, on="2026-09-26", code="BGC", info="SALARY BONUS"),
            # November is not complete on 30 November: ignored for the monthly figures
            tx(900_000, on="2026-11-25", code="BGC", info="SALARY"),
        ]
        summary = summarise_bank_data(
            transactions=transactions, today=TODAY, history_start=date(2026, 8, 1)
        )
        assert summary.months_observed == 3
        assert summary.monthly_income == 200_000
        assert (summary.monthly_housing, summary.monthly_bills, summary.monthly_essentials) == (
            80_000,
            10_000,
            20_000,
        )
        assert summary.monthly_commitments == 110_000
        assert summary.income_months == 3
        assert summary.days_since_income == 5

    def test_a_partial_first_month_is_left_out(self):
        transactions = [*month(2026, 9), *month(2026, 10)]
        summary = summarise_bank_data(
            transactions=transactions, today=TODAY, history_start=date(2026, 9, 2)
        )
        assert summary.months_observed == 1

    def test_no_complete_month_means_no_monthly_figures(self):
        summary = summarise_bank_data(transactions=month(2026, 11)[:1], today=TODAY)
        assert (summary.months_observed, summary.monthly_income, summary.monthly_commitments) == (
            0,
            None,
            None,
        )

    def test_recent_risk_signals(self):
        transactions = [
            *month(2026, 10),
            tx(2_500, on="2026-10-18", code="DD", info="UNPAID DD GYM"),
            tx(2_500, on="2026-08-01", code="DD", info="UNPAID DD GYM"),  # older than 90 days
            tx(-30_000, on="2026-10-20", info="SPINBET", mcc="7995"),
            tx(-3_000, on="2026-10-10", code="DD", info="DD KLARNA"),
            tx(-3_000, on="2026-10-11", code="DD", info="DD CLEARPAY"),
            tx(-3_000, on="2026-09-01", code="DD", info="DD ZILCH"),  # older than 60 days
        ]
        summary = summarise_bank_data(transactions=transactions, today=TODAY)
        assert summary.returned_payments_90d == 1
        assert summary.gambling_share_90d == pytest.approx(30_000 / 200_000)
        assert summary.bnpl_providers_60d == 2

    def test_gambling_with_no_income_is_all_of_it(self):
        summary = summarise_bank_data(
            transactions=[tx(-1_000, on="2026-11-01", mcc="7995")], today=TODAY
        )
        assert summary.gambling_share_90d == 1.0

    def test_overdrawn_days_walk_back_from_the_balance(self):
        # Balance now 5,000. A 10,000 credit yesterday means the day before ended at -5,000, and
        # before a 20,000 debit three days ago it was +15,000.
        transactions = [
            tx(10_000, on="2026-11-29", code="FPI", info="FROM A FRIEND"),
            tx(-20_000, on="2026-11-27", info="SHOP"),
        ]
        balances = [
            {
                "AccountId": "acc-1",
                "Amount": {"Amount": 5_000, "Currency": "GBP"},
                "CreditDebitIndicator": "Credit",
                "Type": "InterimAvailable",
            },
            {
                "AccountId": "acc-1",
                "Amount": {"Amount": 5_000, "Currency": "GBP"},
                "CreditDebitIndicator": "Credit",
                "Type": "InterimBooked",
            },
        ]
        summary = summarise_bank_data(transactions=transactions, balances=balances, today=TODAY)
        assert summary.overdrawn_days_90d == 2  # 27 and 28 November

    def test_unusable_transactions_are_counted_not_used(self):
        transactions = [
            tx(100, currency="EUR"),
            tx(100, status="Pending"),
            {**tx(100), "BookingDateTime": "yesterday"},
            {**tx(100), "BookingDateTime": "2026-10-01T10:00:00"},  # no offset
            {**tx(100), "Amount": {"Amount": "1.00", "Currency": "GBP"}},
            tx(100, on="2026-11-30"),  # today: not yet in the window
            tx(100),
        ]
        summary = summarise_bank_data(transactions=transactions, today=TODAY)
        assert (summary.transactions_used, summary.transactions_ignored) == (1, 6)
        assert summary.to_json()["transactionsIgnored"] == 6


class TestSandboxBankPersonas:
    """The sandbox bank's personas (services/user/sandbox_bank/profiles.py), read as the credit
    service receives them, give the figures their stories promise."""

    @staticmethod
    def summary(customer_id: str) -> CashFlowSummary:
        from services.user.sandbox_bank.bank import statement

        data = statement(customer_id, TODAY)
        return summarise_bank_data(
            transactions=[t.to_json(detail=True) for t in data.transactions],
            balances=[b.to_json() for b in data.balances],
            today=TODAY,
        )

    def test_approve_has_a_steady_salary_and_room_to_spare(self):
        summary = self.summary("sandbox-approve")
        assert summary.monthly_income == 285_000
        assert summary.income_months == summary.months_observed >= 10
        income, commitments = summary.monthly_income, summary.monthly_commitments
        assert income is not None
        assert commitments is not None
        assert 0 < commitments < income // 2 + 20_000
        assert (summary.returned_payments_90d, summary.gambling_share_90d) == (0, 0.0)

    def test_decline_bounces_gambles_and_stacks(self):
        summary = self.summary("sandbox-decline")
        assert summary.returned_payments_90d >= 2
        assert summary.gambling_share_90d > 0.10
        assert summary.bnpl_providers_60d >= 3
        assert (summary.monthly_commitments or 0) > (summary.monthly_income or 0) > 0

    def test_refer_has_ample_gig_income(self):
        summary = self.summary("sandbox-refer")
        income, commitments = summary.monthly_income or 0, summary.monthly_commitments or 0
        assert income > 200_000
        assert income - commitments > 100_000

    def test_fraud_moves_money_but_earns_none(self):
        assert self.summary("sandbox-fraud").monthly_income == 0
