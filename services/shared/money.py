"""Money as integer minor units of an ISO 4217 currency: never floats, never a bare number.

Pure: no libraries, so the domain modules of every service can use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.shared.errors import ValidationError
from services.shared.json_record import JsonRecord

# Currencies we lend in, with their minor-unit exponent (ISO 4217): 1999 GBP minor units is 19.99.
CURRENCIES: Mapping[str, int] = {
    "GBP": 2,
    "EUR": 2,
    "USD": 2,
    "AUD": 2,
    "CAD": 2,
    "NZD": 2,
    "CHF": 2,
    "SEK": 2,
    "NOK": 2,
    "DKK": 2,
    "PLN": 2,
    "JPY": 0,
}


def is_int(value: object) -> bool:
    """True for a real integer; `bool` is an `int` subclass in Python but never an amount."""
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in minor units (pence, cents) of a supported currency.

    Attributes:
        amount: minor units; may be zero or negative (refunds, balances) unless a rule says not.
        currency: ISO 4217 code, upper case, one of `CURRENCIES`.

    Raises:
        ValueError: a non-integer amount or an unsupported currency (a programming error; input
            from callers goes through `Money.parse`, which raises `ValidationError`).

    Example:
        >>> Money(1999, "GBP").format()
        '19.99 GBP'
    """

    amount: int
    currency: str

    def __post_init__(self) -> None:
        if not is_int(self.amount):
            raise ValueError(f"amount must be an int of minor units, not {self.amount!r}")
        if self.currency not in CURRENCIES:
            raise ValueError(f"unsupported currency {self.currency!r}")

    @classmethod
    def parse(
        cls,
        value: object,
        *,
        field: str,
        positive: bool = True,
        maximum: int | None = None,
    ) -> Money:
        """Read `{"amount": int, "currency": str}` from a request, naming `field` on any error.

        Args:
            value: the decoded JSON value.
            field: where the value sits in the request, e.g. `items[2].unitPrice`.
            positive: refuse zero and negative amounts.
            maximum: the largest amount accepted, in minor units.

        Raises:
            ValidationError: with `details["field"]` set to the offending sub-field.
        """
        if not isinstance(value, Mapping):
            raise ValidationError(
                f"{field} must be an object with amount and currency", field=field
            )
        unknown = sorted(set(value) - {"amount", "currency"})
        if unknown:
            names = ", ".join(unknown)
            raise ValidationError(f"{field} has unknown field(s): {names}", field=field)
        amount: Any = value.get("amount")
        currency: Any = value.get("currency")
        if not is_int(amount):
            raise ValidationError(
                f"{field}.amount must be an integer number of minor units", field=f"{field}.amount"
            )
        if positive and amount <= 0:
            raise ValidationError(f"{field}.amount must be greater than 0", field=f"{field}.amount")
        if maximum is not None and amount > maximum:
            raise ValidationError(
                f"{field}.amount must be at most {maximum} minor units", field=f"{field}.amount"
            )
        if not isinstance(currency, str) or currency not in CURRENCIES:
            supported = ", ".join(sorted(CURRENCIES))
            raise ValidationError(
                f"{field}.currency must be one of {supported}", field=f"{field}.currency"
            )
        return cls(amount, currency)

    @property
    def exponent(self) -> int:
        """Digits after the decimal point in this currency (2 for GBP, 0 for JPY)."""
        return CURRENCIES[self.currency]

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def times(self, factor: int) -> Money:
        """This amount `factor` times over (a line's quantity times its unit price)."""
        if not is_int(factor):
            raise ValueError(f"factor must be an int, not {factor!r}")
        return Money(self.amount * factor, self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} with {other.currency}")

    def to_json(self) -> dict[str, Any]:
        """The API's shape: `{"amount": 1999, "currency": "GBP"}`."""
        return {"amount": self.amount, "currency": self.currency}

    @classmethod
    def from_json(cls, data: object) -> Money:
        """The money `to_json` wrote, exactly (state read back, not a request: those go
        through `parse`).

        Raises:
            KeyError: a field is missing.
            ValueError: an unknown field, a wrong type or an unsupported currency.
        """
        with JsonRecord(data, "Money") as record:
            return cls(record.value("amount", int), record.value("currency", str))

    def format(self) -> str:
        """Human-readable, for messages and logs only: `19.99 GBP`."""
        sign = "-" if self.amount < 0 else ""
        units, minor = divmod(abs(self.amount), 10**self.exponent)
        fraction = f".{minor:0{self.exponent}d}" if self.exponent else ""
        return f"{sign}{units}{fraction} {self.currency}"
