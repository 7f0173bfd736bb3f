"""The sandbox bank: a deterministic stand-in for a customer's bank in the local stack.

Every customer has accounts and 12 months of booked transactions, generated from a fixed seed,
their id and the statement date: the same inputs give the same data, byte for byte. Each month's
transactions come from a random source seeded with that month, so yesterday's history does not
change when the window moves on by a day. How each customer's money moves is their profile
(`profiles`). Pure: no web, storage or AWS.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from services.shared.timestamps import utc_now
from services.user.consents.banking import Account, Balance, Transaction
from services.user.consents.domain import BankConsent
from services.user.sandbox_bank.profiles import SEED, Profile, digest, profile_for

HISTORY_MONTHS = 12
CURRENCY = "GBP"
# The sandbox bank's ceiling on one consent's duration (real banks set their own).
MAX_CONSENT_DURATION = timedelta(days=365)
# Customers whose consents the sandbox bank refuses to authorise.
REJECTED_CUSTOMERS = frozenset({"sandbox-fraud"})


@dataclass(frozen=True)
class Statement:
    """Everything the sandbox bank holds for one customer on one day."""

    accounts: tuple[Account, ...]
    balances: tuple[Balance, ...]
    transactions: tuple[Transaction, ...]


def _month_starts(as_of: date) -> list[date]:
    first = date(as_of.year, as_of.month, 1)
    starts = []
    for back in range(HISTORY_MONTHS, -1, -1):
        year, month = divmod(first.year * 12 + first.month - 1 - back, 12)
        starts.append(date(year, month + 1, 1))
    return starts


def _account(seed: str, customer_id: str, kind: str, profile: Profile, opened: date) -> Account:
    h = digest(seed, "account", customer_id, kind)
    number = f"{int.from_bytes(h[:4]) % 100_000_000:08d}"
    return Account(
        account_id=f"acc-{h[4:12].hex()}",
        currency=CURRENCY,
        nickname="Savings" if kind == "savings" else "Current account",
        account_sub_type="Savings" if kind == "savings" else "CurrentAccount",
        opening_date=opened,
        holder_name=profile.holder,
        sort_code_account_number=f"040004{number}",
    )


@lru_cache(maxsize=256)
def statement(customer_id: str, as_of: date, seed: str = SEED) -> Statement:
    """The customer's accounts, balances and transactions booked in the 12 months before
    `as_of` (from the same day 12 months earlier up to the end of the day before `as_of`).

    Deterministic in (`customer_id`, `as_of`, `seed`).
    """
    profile = profile_for(customer_id, seed=seed)
    start = _month_starts(as_of)[0].replace(day=min(as_of.day, 28))
    opened = start - timedelta(days=400)
    accounts = {"current": _account(seed, customer_id, "current", profile, opened)}
    if profile.savings_balance is not None:
        accounts["savings"] = _account(seed, customer_id, "savings", profile, opened)
    transactions: list[Transaction] = []
    for month in _month_starts(as_of):
        rng = random.Random(f"{seed}|{customer_id}|{month:%Y-%m}")  # noqa: S311 - not security
        for index, entry in enumerate(profile.month(rng, profile)):
            booked_on = month.replace(day=entry.day)
            if not start <= booked_on < as_of:
                continue
            at = datetime.combine(
                booked_on, time(rng.randint(6, 21), rng.randint(0, 59)), tzinfo=UTC
            )
            account = accounts[entry.account]
            tx_id = digest(seed, customer_id, f"{month:%Y-%m}", str(index)).hex()[:20]
            transactions.append(
                Transaction(
                    account_id=account.account_id,
                    transaction_id=f"tx-{tx_id}",
                    amount=entry.amount,
                    currency=CURRENCY,
                    booked_at=at,
                    information=entry.information,
                    code=entry.code,
                    category=entry.category,
                    merchant_name=entry.merchant,
                    merchant_category_code=entry.mcc,
                )
            )
    transactions.sort(key=lambda t: (t.booked_at, t.transaction_id))
    at = datetime.combine(as_of, time(), tzinfo=UTC)
    balances = [
        Balance(
            account_id=accounts["current"].account_id,
            amount=profile.closing_balance,
            currency=CURRENCY,
            type="InterimBooked",
            at=at,
            credit_line=profile.overdraft_limit,
        )
    ]
    if profile.overdraft_limit is not None:
        balances.append(
            Balance(
                account_id=accounts["current"].account_id,
                amount=profile.closing_balance + profile.overdraft_limit,
                currency=CURRENCY,
                type="InterimAvailable",
                at=at,
                credit_line=profile.overdraft_limit,
            )
        )
    if "savings" in accounts and profile.savings_balance is not None:
        balances.append(
            Balance(
                account_id=accounts["savings"].account_id,
                amount=profile.savings_balance,
                currency=CURRENCY,
                type="InterimBooked",
                at=at,
            )
        )
    return Statement(tuple(accounts.values()), tuple(balances), tuple(transactions))


class SandboxBank:
    """The `BankGateway` of the local stack, over `statement`.

    Args:
        seed: the data's seed; the default gives the documented personas.
        clock: today's date for the statement comes from it.
    """

    def __init__(self, *, seed: str = SEED, clock: Callable[[], datetime] = utc_now) -> None:
        self._seed = seed
        self._clock = clock

    @property
    def max_consent_duration(self) -> timedelta:
        return MAX_CONSENT_DURATION

    def authorise(self, consent: BankConsent) -> bool:
        """The customer always agrees; the bank refuses the customers in `REJECTED_CUSTOMERS`."""
        return consent.customer_id not in REJECTED_CUSTOMERS

    def _statement(self, consent: BankConsent) -> Statement:
        return statement(consent.customer_id, self._clock().astimezone(UTC).date(), self._seed)

    def accounts(self, consent: BankConsent) -> list[Account]:
        return list(self._statement(consent).accounts)

    def balances(self, consent: BankConsent) -> list[Balance]:
        return list(self._statement(consent).balances)

    def transactions(
        self, consent: BankConsent, from_: datetime, to: datetime
    ) -> list[Transaction]:
        return [t for t in self._statement(consent).transactions if from_ <= t.booked_at < to]
