"""The sandbox bank: a deterministic stand-in for a customer's bank in the local stack.

Every customer has accounts and 12 months of booked transactions, generated from a fixed seed,
their id and the statement date: the same inputs give the same data, byte for byte. Each month's
transactions come from a random source seeded with that month, so yesterday's history does not
change when the window moves on by a day.

The sandbox personas (`sandbox-<name>`, see `bnpl/personas.py`) have profiles that give issue
5's pre-screening known outcomes (research/credit.md §6.1, §6.3):

- `approve`: a steady monthly salary, rent and ordinary bills, savings; healthy balance.
- `decline`: overdrawn, returned (unpaid) direct debits every month, gambling well above 10% of
  income, payday loans and several BNPL providers.
- `refer`: irregular gig income from several platforms (no salary) that is nonetheless ample and
  steady over the year, low commitments, positive balances: bank data resolves the referral.
- `thin`: little history: a small part-time wage and a handful of payments a month.
- `fraud`: mule-like flows (large transfers in from strangers, straight out to a crypto
  exchange); the sandbox bank refuses to authorise its consents.

Anyone else gets an ordinary salaried profile whose figures derive from a hash of their id.
Pure: no web, storage or AWS.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from services.shared.timestamps import utc_now
from services.user.banking import Account, Balance, Transaction
from services.user.consents import BankConsent

SEED = "bnpl-sandbox-bank-v1"
HISTORY_MONTHS = 12
CURRENCY = "GBP"
# The sandbox bank's ceiling on one consent's duration (real banks set their own).
MAX_CONSENT_DURATION = timedelta(days=365)
# Customers whose consents the sandbox bank refuses to authorise.
REJECTED_CUSTOMERS = frozenset({"sandbox-fraud"})
GAMBLING_MCC = "7995"


@dataclass(frozen=True)
class _Entry:
    """One transaction of a month before it gets its account, id and time."""

    day: int
    amount: int  # signed minor units
    code: str
    category: str
    information: str
    merchant: str | None = None
    mcc: str | None = None
    account: str = "current"


@dataclass(frozen=True)
class Statement:
    """Everything the sandbox bank holds for one customer on one day."""

    accounts: tuple[Account, ...]
    balances: tuple[Balance, ...]
    transactions: tuple[Transaction, ...]


_Month = Callable[[random.Random, "_Profile"], list[_Entry]]


@dataclass(frozen=True)
class _Profile:
    """How one customer's money moves: a month generator and the figures it uses."""

    month: _Month
    holder: str
    closing_balance: int  # the current account's balance on the statement date
    overdraft_limit: int | None = None
    salary: int = 0
    rent: int = 0
    savings_balance: int | None = None  # a savings account too, when set


def _around(rng: random.Random, minor: int, spread: float = 0.15) -> int:
    """`minor` varied by up to ±`spread`, in whole pence."""
    delta = int(minor * spread)
    return minor + rng.randint(-delta, delta)


def _day(rng: random.Random, around: int, spread: int = 2) -> int:
    return max(1, min(28, around + rng.randint(-spread, spread)))


def _essentials(rng: random.Random, *, groceries: int, weeks: int = 4) -> list[_Entry]:
    entries = [
        _Entry(1, -_around(rng, 8_500), "DD", "UTILITIES", "DD OCTOPUS ENERGY"),
        _Entry(15, -3_600, "DD", "UTILITIES", "DD THAMES WATER"),
        _Entry(1, -14_800, "DD", "COUNCIL_TAX", "DD LB HACKNEY CTAX"),
        _Entry(12, -1_800, "DD", "TELECOMS", "DD VODAFONE LTD"),
        _Entry(8, -1_099, "DEB", "SUBSCRIPTIONS", "NETFLIX.COM", "NETFLIX.COM", "4899"),
    ]
    for week in range(weeks):
        store = rng.choice(["TESCO STORES", "SAINSBURYS", "LIDL GB"])
        entries.append(
            _Entry(
                _day(rng, 3 + 7 * week),
                -_around(rng, groceries, 0.3),
                "DEB",
                "GROCERIES",
                store,
                store,
                "5411",
            )
        )
    for _ in range(rng.randint(3, 6)):
        entries.append(
            _Entry(
                rng.randint(1, 28),
                -_around(rng, 650, 0.5),
                "DEB",
                "TRANSPORT",
                "TFL TRAVEL",
                "TFL TRAVEL CH",
                "4111",
            )
        )
    return entries


def _approve(rng: random.Random, profile: _Profile) -> list[_Entry]:
    entries = [
        _Entry(25, profile.salary, "BGC", "SALARY", "ACME LOGISTICS LTD SALARY"),
        _Entry(1, -profile.rent, "SO", "RENT", "SO J SMITH LANDLORD RENT"),
        _Entry(26, -20_000, "FPO", "SAVINGS", "TO SAVINGS ACCOUNT"),
        _Entry(26, 20_000, "FPI", "SAVINGS", "FROM CURRENT ACCOUNT", account="savings"),
        *_essentials(rng, groceries=6_500),
    ]
    for _ in range(rng.randint(2, 4)):
        entries.append(
            _Entry(
                rng.randint(1, 28),
                -_around(rng, 2_400, 0.5),
                "DEB",
                "DINING",
                "PRET A MANGER",
                "PRET A MANGER",
                "5812",
            )
        )
    return entries


def _decline(rng: random.Random, profile: _Profile) -> list[_Entry]:
    entries = [
        _Entry(28, profile.salary, "BGC", "SALARY", "QUICKSERVE LTD WAGES"),
        _Entry(1, -profile.rent, "SO", "RENT", "SO CITY LETTINGS RENT"),
        _Entry(3, 25_000, "FPI", "PAYDAY_LOAN", "QUIDNOW LOANS ADVANCE"),
        _Entry(27, -31_000, "DD", "LOAN_REPAYMENT", "DD QUIDNOW LOANS"),
        _Entry(28, -_around(rng, 1_900, 0.1), "CHG", "BANK_FEE", "OVERDRAFT INTEREST"),
        *_essentials(rng, groceries=4_500),
    ]
    for provider in ("KLARNA", "CLEARPAY", "PAYPAL PAY IN 3"):
        entries.append(
            _Entry(_day(rng, 10, 5), -_around(rng, 3_500, 0.4), "DD", "BNPL", f"DD {provider}")
        )
    # Two direct debits bounce every month: the bank returns them and charges a fee.
    for payee in ("DD SKY UK", "DD PUREGYM"):
        day = _day(rng, 18, 6)
        entries.append(_Entry(day, 2_500, "DD", "RETURNED_DIRECT_DEBIT", f"UNPAID {payee}"))
        entries.append(_Entry(day, -600, "CHG", "BANK_FEE", "UNPAID ITEM FEE"))
    for _ in range(rng.randint(8, 12)):
        site = rng.choice(["BETSTAR", "LUCKYSPIN CASINO", "SPINBET"])
        entries.append(
            _Entry(
                rng.randint(1, 28),
                -_around(rng, 3_000, 0.6),
                "DEB",
                "GAMBLING",
                site,
                site,
                GAMBLING_MCC,
            )
        )
    return entries


def _refer(rng: random.Random, profile: _Profile) -> list[_Entry]:
    entries = [
        _Entry(1, -profile.rent, "SO", "RENT", "SO FLATSHARE RENT"),
        *_essentials(rng, groceries=5_000),
    ]
    # Paid weekly by platforms, never the same amount twice: no salary to detect, yet the income
    # is ample and every month alike.
    for week in range(4):
        platform = rng.choice(["DELIVEROO RIDER PAYMNT", "UBER BV PAYOUT", "UPWORK ESCROW"])
        entries.append(
            _Entry(
                _day(rng, 4 + 7 * week, 1),
                _around(rng, 68_000, 0.35),
                "FPI",
                "GIG_INCOME",
                platform,
            )
        )
    return entries


def _thin(rng: random.Random, profile: _Profile) -> list[_Entry]:
    entries = [
        _Entry(20, _around(rng, profile.salary, 0.1), "BGC", "SALARY", "CAFE NOVA LTD PAY"),
        _Entry(12, -1_200, "DD", "TELECOMS", "DD GIFFGAFF"),
    ]
    for _ in range(rng.randint(2, 3)):
        entries.append(
            _Entry(
                rng.randint(1, 28),
                -_around(rng, 1_800, 0.5),
                "DEB",
                "GROCERIES",
                "CO-OP GROUP",
                "CO-OP GROUP",
                "5411",
            )
        )
    return entries


def _fraud(rng: random.Random, profile: _Profile) -> list[_Entry]:
    entries: list[_Entry] = []
    for _ in range(rng.randint(3, 5)):
        day = rng.randint(1, 27)
        amount = rng.randint(90_000, 240_000)
        sender = rng.choice(["M KOWALSKI", "J DOE", "A OKAFOR", "PAYMENT REF 8831"])
        entries.append(_Entry(day, amount, "FPI", "TRANSFER_IN", f"FROM {sender}"))
        entries.append(
            _Entry(
                day + 1,
                -(amount - rng.randint(500, 2_000)),
                "FPO",
                "CRYPTO",
                "TO COINFLOW EXCHANGE LTD",
            )
        )
    entries.append(_Entry(14, -899, "DEB", "TELECOMS", "LEBARA TOPUP", "LEBARA", "4814"))
    return entries


def _salaried(rng: random.Random, profile: _Profile) -> list[_Entry]:
    return [
        _Entry(27, profile.salary, "BGC", "SALARY", "EMPLOYER PAYROLL"),
        _Entry(1, -profile.rent, "SO", "RENT", "SO RENT"),
        *_essentials(rng, groceries=6_000),
    ]


PERSONA_PROFILES: dict[str, _Profile] = {
    "sandbox-approve": _Profile(
        _approve,
        "AMELIA HART",
        closing_balance=234_055,
        salary=285_000,
        rent=95_000,
        savings_balance=650_000,
    ),
    "sandbox-decline": _Profile(
        _decline,
        "DOMINIC PRICE",
        closing_balance=-42_012,
        overdraft_limit=50_000,
        salary=165_000,
        rent=77_500,
    ),
    "sandbox-refer": _Profile(_refer, "ROSA FLINT", closing_balance=315_020, rent=60_000),
    "sandbox-thin": _Profile(_thin, "THEO LANE", closing_balance=21_040, salary=64_000),
    "sandbox-fraud": _Profile(_fraud, "FELIX CRANE", closing_balance=1_240),
}


def _digest(*parts: str) -> bytes:
    return hashlib.sha256("|".join(parts).encode()).digest()


def profile_for(customer_id: str, *, seed: str = SEED) -> _Profile:
    """A persona's profile, or an ordinary salaried one derived from a hash of the id."""
    if customer_id in PERSONA_PROFILES:
        return PERSONA_PROFILES[customer_id]
    h = _digest(seed, "profile", customer_id)
    salary = 180_000 + int.from_bytes(h[:2]) % 240_000  # £1,800 to £4,200 a month
    return _Profile(
        _salaried,
        "SANDBOX CUSTOMER",
        closing_balance=20_000 + int.from_bytes(h[2:4]) % 300_000,
        salary=salary,
        rent=salary * (30 + h[4] % 11) // 100,
    )


def _month_starts(as_of: date) -> list[date]:
    first = date(as_of.year, as_of.month, 1)
    starts = []
    for back in range(HISTORY_MONTHS, -1, -1):
        year, month = divmod(first.year * 12 + first.month - 1 - back, 12)
        starts.append(date(year, month + 1, 1))
    return starts


def _account(seed: str, customer_id: str, kind: str, profile: _Profile, opened: date) -> Account:
    h = _digest(seed, "account", customer_id, kind)
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
            tx_id = _digest(seed, customer_id, f"{month:%Y-%m}", str(index)).hex()[:20]
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
