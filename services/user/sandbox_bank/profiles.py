"""How each sandbox customer's money moves: the month generators behind the sandbox bank.

The sandbox personas (`sandbox-<name>`, see `bnpl/personas.py`) have profiles that give
pre-screening known outcomes (research/credit.md §6.1, §6.3):

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

SEED = "bnpl-sandbox-bank-v1"
GAMBLING_MCC = "7995"


@dataclass(frozen=True)
class Entry:
    """One transaction of a month before it gets its account, id and time."""

    day: int
    amount: int  # signed minor units
    code: str
    category: str
    information: str
    merchant: str | None = None
    mcc: str | None = None
    account: str = "current"


Month = Callable[[random.Random, "Profile"], list[Entry]]


@dataclass(frozen=True)
class Profile:
    """How one customer's money moves: a month generator and the figures it uses."""

    month: Month
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


def _essentials(rng: random.Random, *, groceries: int, weeks: int = 4) -> list[Entry]:
    entries = [
        Entry(1, -_around(rng, 8_500), "DD", "UTILITIES", "DD OCTOPUS ENERGY"),
        Entry(15, -3_600, "DD", "UTILITIES", "DD THAMES WATER"),
        Entry(1, -14_800, "DD", "COUNCIL_TAX", "DD LB HACKNEY CTAX"),
        Entry(12, -1_800, "DD", "TELECOMS", "DD VODAFONE LTD"),
        Entry(8, -1_099, "DEB", "SUBSCRIPTIONS", "NETFLIX.COM", "NETFLIX.COM", "4899"),
    ]
    for week in range(weeks):
        store = rng.choice(["TESCO STORES", "SAINSBURYS", "LIDL GB"])
        entries.append(
            Entry(
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
            Entry(
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


def _approve(rng: random.Random, profile: Profile) -> list[Entry]:
    entries = [
        Entry(25, profile.salary, "BGC", "SALARY", "ACME LOGISTICS LTD SALARY"),
        Entry(1, -profile.rent, "SO", "RENT", "SO J SMITH LANDLORD RENT"),
        Entry(26, -20_000, "FPO", "SAVINGS", "TO SAVINGS ACCOUNT"),
        Entry(26, 20_000, "FPI", "SAVINGS", "FROM CURRENT ACCOUNT", account="savings"),
        *_essentials(rng, groceries=6_500),
    ]
    for _ in range(rng.randint(2, 4)):
        entries.append(
            Entry(
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


def _decline(rng: random.Random, profile: Profile) -> list[Entry]:
    entries = [
        Entry(28, profile.salary, "BGC", "SALARY", "QUICKSERVE LTD WAGES"),
        Entry(1, -profile.rent, "SO", "RENT", "SO CITY LETTINGS RENT"),
        Entry(3, 25_000, "FPI", "PAYDAY_LOAN", "QUIDNOW LOANS ADVANCE"),
        Entry(27, -31_000, "DD", "LOAN_REPAYMENT", "DD QUIDNOW LOANS"),
        Entry(28, -_around(rng, 1_900, 0.1), "CHG", "BANK_FEE", "OVERDRAFT INTEREST"),
        *_essentials(rng, groceries=4_500),
    ]
    for provider in ("KLARNA", "CLEARPAY", "PAYPAL PAY IN 3"):
        entries.append(
            Entry(_day(rng, 10, 5), -_around(rng, 3_500, 0.4), "DD", "BNPL", f"DD {provider}")
        )
    # Two direct debits bounce every month: the bank returns them and charges a fee.
    for payee in ("DD SKY UK", "DD PUREGYM"):
        day = _day(rng, 18, 6)
        entries.append(Entry(day, 2_500, "DD", "RETURNED_DIRECT_DEBIT", f"UNPAID {payee}"))
        entries.append(Entry(day, -600, "CHG", "BANK_FEE", "UNPAID ITEM FEE"))
    for _ in range(rng.randint(8, 12)):
        site = rng.choice(["BETSTAR", "LUCKYSPIN CASINO", "SPINBET"])
        entries.append(
            Entry(
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


def _refer(rng: random.Random, profile: Profile) -> list[Entry]:
    entries = [
        Entry(1, -profile.rent, "SO", "RENT", "SO FLATSHARE RENT"),
        *_essentials(rng, groceries=5_000),
    ]
    # Paid weekly by platforms, never the same amount twice: no salary to detect, yet the income
    # is ample and every month alike.
    for week in range(4):
        platform = rng.choice(["DELIVEROO RIDER PAYMNT", "UBER BV PAYOUT", "UPWORK ESCROW"])
        entries.append(
            Entry(
                _day(rng, 4 + 7 * week, 1),
                _around(rng, 68_000, 0.35),
                "FPI",
                "GIG_INCOME",
                platform,
            )
        )
    return entries


def _thin(rng: random.Random, profile: Profile) -> list[Entry]:
    entries = [
        Entry(20, _around(rng, profile.salary, 0.1), "BGC", "SALARY", "CAFE NOVA LTD PAY"),
        Entry(12, -1_200, "DD", "TELECOMS", "DD GIFFGAFF"),
    ]
    for _ in range(rng.randint(2, 3)):
        entries.append(
            Entry(
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


def _fraud(rng: random.Random, profile: Profile) -> list[Entry]:
    entries: list[Entry] = []
    for _ in range(rng.randint(3, 5)):
        day = rng.randint(1, 27)
        amount = rng.randint(90_000, 240_000)
        sender = rng.choice(["M KOWALSKI", "J DOE", "A OKAFOR", "PAYMENT REF 8831"])
        entries.append(Entry(day, amount, "FPI", "TRANSFER_IN", f"FROM {sender}"))
        entries.append(
            Entry(
                day + 1,
                -(amount - rng.randint(500, 2_000)),
                "FPO",
                "CRYPTO",
                "TO COINFLOW EXCHANGE LTD",
            )
        )
    entries.append(Entry(14, -899, "DEB", "TELECOMS", "LEBARA TOPUP", "LEBARA", "4814"))
    return entries


def _salaried(rng: random.Random, profile: Profile) -> list[Entry]:
    return [
        Entry(27, profile.salary, "BGC", "SALARY", "EMPLOYER PAYROLL"),
        Entry(1, -profile.rent, "SO", "RENT", "SO RENT"),
        *_essentials(rng, groceries=6_000),
    ]


PERSONA_PROFILES: dict[str, Profile] = {
    "sandbox-approve": Profile(
        _approve,
        "AMELIA HART",
        closing_balance=234_055,
        salary=285_000,
        rent=95_000,
        savings_balance=650_000,
    ),
    "sandbox-decline": Profile(
        _decline,
        "DOMINIC PRICE",
        closing_balance=-42_012,
        overdraft_limit=50_000,
        salary=165_000,
        rent=77_500,
    ),
    "sandbox-refer": Profile(_refer, "ROSA FLINT", closing_balance=315_020, rent=60_000),
    "sandbox-thin": Profile(_thin, "THEO LANE", closing_balance=21_040, salary=64_000),
    "sandbox-fraud": Profile(_fraud, "FELIX CRANE", closing_balance=1_240),
}


def digest(*parts: str) -> bytes:
    """A stable hash of `parts`: what every generated figure and id derives from."""
    return hashlib.sha256("|".join(parts).encode()).digest()


def profile_for(customer_id: str, *, seed: str = SEED) -> Profile:
    """A persona's profile, or an ordinary salaried one derived from a hash of the id."""
    if customer_id in PERSONA_PROFILES:
        return PERSONA_PROFILES[customer_id]
    h = digest(seed, "profile", customer_id)
    salary = 180_000 + int.from_bytes(h[:2]) % 240_000  # £1,800 to £4,200 a month
    return Profile(
        _salaried,
        "SANDBOX CUSTOMER",
        closing_balance=20_000 + int.from_bytes(h[2:4]) % 300_000,
        salary=salary,
        rent=salary * (30 + h[4] % 11) // 100,
    )
