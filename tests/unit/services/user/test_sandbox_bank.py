"""The sandbox bank: deterministic, 12 months long, with the personas' telling features."""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest

from services.user.consents.banking import Transaction
from services.user.consents.domain import BankConsent, ConsentRequest, Permission
from services.user.sandbox_bank.bank import SandboxBank, statement
from services.user.sandbox_bank.profiles import SEED

AS_OF = date(2026, 5, 14)
PERSONAS = ("approve", "decline", "refer", "thin", "fraud")


def dump(customer_id: str, as_of: date = AS_OF, seed: str = SEED) -> bytes:
    data = statement(customer_id, as_of, seed)
    return json.dumps(
        {
            "accounts": [a.to_json(detail=True) for a in data.accounts],
            "balances": [b.to_json() for b in data.balances],
            "transactions": [t.to_json(detail=True) for t in data.transactions],
        },
        sort_keys=True,
    ).encode()


def by_month(
    transactions: tuple[Transaction, ...] | list[Transaction],
) -> dict[str, list[Transaction]]:
    months: dict[str, list[Transaction]] = defaultdict(list)
    for t in transactions:
        months[t.booked_at.strftime("%Y-%m")].append(t)
    return months


def last_days(sub: str, days: int) -> list[Transaction]:
    since = datetime.combine(AS_OF, datetime.min.time(), tzinfo=UTC) - timedelta(days=days)
    return [t for t in statement(sub, AS_OF).transactions if t.booked_at >= since]


def income(transactions: list[Transaction]) -> int:
    return sum(t.amount for t in transactions if t.category in ("SALARY", "GIG_INCOME"))


class TestDeterminism:
    @pytest.mark.parametrize("name", [*PERSONAS, "hashed"])
    def test_same_input_same_bytes(self, name):
        sub = f"sandbox-{name}" if name != "hashed" else "4f1c-some-customer"
        first = dump(sub)
        statement.cache_clear()  # regenerate, not reread the cache
        assert dump(sub) == first

    def test_the_seed_the_customer_and_the_day_change_the_data(self):
        base = dump("customer-a")
        assert dump("customer-a", seed="another-seed") != base
        assert dump("customer-b") != base

    def test_history_already_booked_does_not_change_as_days_pass(self):
        today = statement("sandbox-approve", AS_OF).transactions
        tomorrow = statement("sandbox-approve", AS_OF + timedelta(days=1)).transactions
        overlap = [t for t in tomorrow if t.booked_at.date() < AS_OF]
        assert overlap == [t for t in today if t.booked_at.date() > AS_OF.replace(year=2025)]


class TestShape:
    @pytest.mark.parametrize("name", [*PERSONAS, "hashed"])
    def test_twelve_months_of_transactions(self, name):
        sub = f"sandbox-{name}" if name != "hashed" else "4f1c-some-customer"
        transactions = statement(sub, AS_OF).transactions
        first, last = transactions[0].booked_at.date(), transactions[-1].booked_at.date()
        assert date(2025, 5, 14) <= first <= date(2025, 6, 14)
        assert date(2026, 4, 14) <= last < AS_OF
        # Every one of the 12 full months in between has transactions.
        assert {f"2025-{m:02d}" for m in range(6, 13)} | {
            f"2026-{m:02d}" for m in range(1, 5)
        } <= set(by_month(transactions))
        assert all(isinstance(t.amount, int) and t.currency == "GBP" for t in transactions)
        assert [t.booked_at for t in transactions] == sorted(t.booked_at for t in transactions)
        assert len({t.transaction_id for t in transactions}) == len(transactions)

    def test_obie_shapes_in_minor_units(self):
        data = statement("sandbox-decline", AS_OF)
        balance = data.balances[0].to_json()
        assert balance["Amount"] == {"Amount": 42_012, "Currency": "GBP"}
        assert balance["CreditDebitIndicator"] == "Debit"
        assert balance["Type"] == "InterimBooked"
        debit = next(t for t in data.transactions if t.category == "GAMBLING")
        body = debit.to_json(detail=True)
        assert body["CreditDebitIndicator"] == "Debit"
        assert body["Amount"]["Amount"] == -debit.amount > 0
        assert body["MerchantDetails"]["MerchantCategoryCode"] == "7995"
        basic = debit.to_json(detail=False)
        assert not {"TransactionInformation", "MerchantDetails", "SupplementaryData"} & set(basic)


class TestPersonas:
    def test_approve_has_a_steady_monthly_salary_and_a_healthy_balance(self):
        data = statement("sandbox-approve", AS_OF)
        months = by_month(data.transactions)
        full = sorted(months)[1:-1]
        for month in full:
            salaries = [t for t in months[month] if t.category == "SALARY"]
            assert len(salaries) == 1, month
            assert salaries[0].information == "ACME LOGISTICS LTD SALARY"
            assert salaries[0].code == "BGC"
        amounts = [t.amount for t in data.transactions if t.category == "SALARY"]
        assert len(set(amounts)) == 1
        assert not [t for t in data.transactions if t.category in ("GAMBLING", "BNPL")]
        assert data.balances[0].amount > 0

    def test_decline_is_overdrawn_bounces_direct_debits_and_gambles(self):
        data = statement("sandbox-decline", AS_OF)
        assert data.balances[0].amount < 0
        recent = last_days("sandbox-decline", 90)
        assert len([t for t in recent if t.category == "RETURNED_DIRECT_DEBIT"]) >= 2
        gambling = -sum(t.amount for t in recent if t.category == "GAMBLING")
        assert gambling >= income(recent) // 10
        assert len({t.information for t in recent if t.category == "BNPL"}) >= 3

    def test_refer_has_irregular_but_ample_income(self):
        data = statement("sandbox-refer", AS_OF)
        assert not [t for t in data.transactions if t.category == "SALARY"]
        gig = [t for t in data.transactions if t.category == "GIG_INCOME"]
        assert len({t.information for t in gig}) >= 2
        assert (
            statistics.pstdev(t.amount for t in gig) / statistics.mean(t.amount for t in gig) > 0.1
        )  # no two payments alike
        months = by_month(data.transactions)
        monthly = [income(months[m]) for m in sorted(months)[1:-1]]
        assert statistics.pstdev(monthly) / statistics.mean(monthly) < 0.25  # stable over the year
        assert not [
            t for t in data.transactions if t.category in ("GAMBLING", "RETURNED_DIRECT_DEBIT")
        ]
        assert data.balances[0].amount > 0

    def test_thin_has_little_history(self):
        thin = statement("sandbox-thin", AS_OF).transactions
        assert len(thin) < 100
        assert len(thin) < len(statement("sandbox-approve", AS_OF).transactions) / 3

    def test_fraud_moves_money_straight_out(self):
        months = by_month(statement("sandbox-fraud", AS_OF).transactions)
        full = [t for m in sorted(months)[1:-1] for t in months[m]]  # no pair cut by the window
        inflows = [t for t in full if t.category == "TRANSFER_IN"]
        outflows = [t for t in full if t.category == "CRYPTO"]
        assert len(inflows) == len(outflows) >= 33
        assert sum(t.amount for t in outflows) < -0.95 * sum(t.amount for t in inflows)

    def test_other_customers_get_an_ordinary_salaried_profile(self):
        data = statement("4f1c-some-customer", AS_OF)
        salaries = {t.amount for t in data.transactions if t.category == "SALARY"}
        assert len(salaries) == 1
        assert 180_000 <= salaries.pop() < 420_000


class TestGateway:
    def consent(self, customer_id: str) -> BankConsent:
        now = datetime(2026, 5, 14, 9, tzinfo=UTC)
        request = ConsentRequest(
            permissions=frozenset({Permission.READ_BALANCES}), expires_at=now + timedelta(days=1)
        )
        return BankConsent.request(
            consent_id="c", customer_id=customer_id, request=request, now=now
        )

    def test_authorises_everyone_but_fraud(self):
        bank = SandboxBank()
        assert bank.authorise(self.consent("sandbox-approve"))
        assert bank.authorise(self.consent("anyone"))
        assert not bank.authorise(self.consent("sandbox-fraud"))

    def test_transactions_in_a_window_on_the_clocks_day(self):
        bank = SandboxBank(clock=lambda: datetime(2026, 5, 14, 9, tzinfo=UTC))
        consent = self.consent("sandbox-approve")
        since = datetime(2026, 4, 1, tzinfo=UTC)
        until = datetime(2026, 5, 1, tzinfo=UTC)
        window = bank.transactions(consent, since, until)
        assert window
        assert all(since <= t.booked_at < until for t in window)
        assert window == [
            t
            for t in statement("sandbox-approve", AS_OF).transactions
            if since <= t.booked_at < until
        ]
