"""The payment-provider port, and a sandbox card network that stands in for a real one.

Payment methods reach us only as provider tokens. A provider charges a token with *our*
idempotency key, so a retry after a timeout or a crash finds the first charge instead of taking
the money twice; we keep only its charge id, the card brand and the last four digits.

`SandboxPaymentProvider` keeps its state in process memory behind a lock: it plays the card
network's part (which remembers every key it has seen), not our storage, and forgets everything
when the process ends. It never holds a raw token, only a one-way fingerprint of each request.

Pure: no web, storage or AWS.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from services.shared.errors import IdempotencyKeyReused, InvalidState, NotFound, ValidationError
from services.shared.money import Money


class ChargeStatus(StrEnum):
    """What the card network answered (the API's `PaymentStatus`)."""

    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


@dataclass(frozen=True, kw_only=True)
class Charge:
    """One charge of a card: never the card number or the token, only what we may keep.

    Attributes:
        failure_code: why a FAILED charge failed (`card_declined`, `insufficient_funds`).
    """

    id: str
    status: ChargeStatus
    amount: Money
    brand: str
    last4: str
    failure_code: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status is ChargeStatus.SUCCEEDED


@dataclass(frozen=True, kw_only=True)
class Refund:
    """Money given back against a charge."""

    id: str
    charge_id: str
    amount: Money


class PaymentProvider(Protocol):
    """The card network as the credit service sees it; every call is idempotent by key."""

    def charge(self, *, token: str, amount: Money, idempotency_key: str) -> Charge:
        """Charge `amount` to the card behind `token`; the same key returns the same charge."""
        ...

    def refund(self, *, charge_id: str, amount: Money, idempotency_key: str) -> Refund:
        """Give back `amount` of a charge; the same key returns the same refund."""
        ...


@dataclass(frozen=True)
class SandboxCard:
    """A sandbox token's card: its brand, last four digits and, if it fails, why."""

    brand: str
    last4: str
    failure_code: str | None


# The API's documented test tokens (API.md "Sandbox personas and test tokens").
TEST_CARDS: dict[str, SandboxCard] = {
    "tok_visa": SandboxCard("visa", "4242", None),
    "tok_mastercard": SandboxCard("mastercard", "4444", None),
    "tok_declined": SandboxCard("visa", "0002", "card_declined"),
    "tok_insufficient_funds": SandboxCard("visa", "9995", "insufficient_funds"),
}


def _digest(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def charge_id_for(idempotency_key: str) -> str:
    """The sandbox's charge id of a key: deterministic, so a replay can be recognised.

    Example:
        >>> charge_id_for("k1") == charge_id_for("k1") != charge_id_for("k2")
        True
    """
    return f"ch_{_digest('charge', idempotency_key)[:24]}"


def _check_key(idempotency_key: str) -> None:
    if not idempotency_key or len(idempotency_key) > 255:
        raise ValidationError("idempotencyKey must be 1 to 255 characters", field="idempotencyKey")


def _check_amount(amount: Money) -> None:
    if amount.amount <= 0:
        raise ValidationError("amount must be greater than 0", field="amount.amount")


@dataclass(frozen=True)
class _StoredCharge:
    fingerprint: str  # sha256 of token, amount and currency: never the token itself
    charge: Charge


@dataclass(frozen=True)
class _StoredRefund:
    fingerprint: str
    refund: Refund


class SandboxPaymentProvider:
    """An in-memory card network for tests and the sandbox (see the module docstring).

    Example:
        >>> provider, price = SandboxPaymentProvider(), Money(2500, "GBP")
        >>> first = provider.charge(token="tok_visa", amount=price, idempotency_key="k")
        >>> again = provider.charge(token="tok_visa", amount=price, idempotency_key="k")
        >>> first == again, first.last4, provider.charge_count
        (True, '4242', 1)
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._charges: dict[str, _StoredCharge] = {}  # by idempotency key
        self._refunds: dict[str, _StoredRefund] = {}  # by idempotency key
        self._refunded: dict[str, int] = {}  # charge id -> minor units refunded so far

    @property
    def charge_count(self) -> int:
        """How many distinct charges (succeeded or failed) the network has made."""
        with self._lock:
            return len(self._charges)

    def refunded(self, charge_id: str) -> int:
        """Minor units refunded so far against `charge_id`."""
        with self._lock:
            return self._refunded.get(charge_id, 0)

    def charge(self, *, token: str, amount: Money, idempotency_key: str) -> Charge:
        """Charge a test card. Failed charges are remembered too: a retry fails the same way.

        Raises:
            ValidationError: an unknown token, a bad key or a non-positive amount.
            IdempotencyKeyReused: the key was used before for another token or amount.
        """
        _check_key(idempotency_key)
        _check_amount(amount)
        card = TEST_CARDS.get(token)
        if card is None:
            raise ValidationError("unknown payment method token", field="paymentMethodToken")
        fingerprint = _digest(token, str(amount.amount), amount.currency)
        with self._lock:
            stored = self._charges.get(idempotency_key)
            if stored is not None:
                if stored.fingerprint != fingerprint:
                    raise IdempotencyKeyReused("the key was used for a different charge")
                return stored.charge
            charge = Charge(
                id=charge_id_for(idempotency_key),
                status=ChargeStatus.FAILED if card.failure_code else ChargeStatus.SUCCEEDED,
                amount=amount,
                brand=card.brand,
                last4=card.last4,
                failure_code=card.failure_code,
            )
            self._charges[idempotency_key] = _StoredCharge(fingerprint, charge)
            return charge

    def refund(self, *, charge_id: str, amount: Money, idempotency_key: str) -> Refund:
        """Refund part or all of a succeeded charge, never more than it took in all.

        Raises:
            NotFound: no such charge.
            InvalidState: the charge failed, so there is nothing to give back.
            ValidationError: a bad key or amount, another currency, or more than is left.
            IdempotencyKeyReused: the key was used before for another charge or amount.
        """
        _check_key(idempotency_key)
        _check_amount(amount)
        fingerprint = _digest(charge_id, str(amount.amount), amount.currency)
        with self._lock:
            stored = self._refunds.get(idempotency_key)
            if stored is not None:
                if stored.fingerprint != fingerprint:
                    raise IdempotencyKeyReused("the key was used for a different refund")
                return stored.refund
            charge = next(
                (s.charge for s in self._charges.values() if s.charge.id == charge_id), None
            )
            if charge is None:
                raise NotFound("no such charge")
            if not charge.succeeded:
                raise InvalidState("a failed charge cannot be refunded")
            if amount.currency != charge.amount.currency:
                raise ValidationError("refund in another currency", field="amount.currency")
            already = self._refunded.get(charge_id, 0)
            if already + amount.amount > charge.amount.amount:
                raise ValidationError(
                    "refund exceeds what is left of the charge", field="amount.amount"
                )
            refund = Refund(
                id=f"re_{_digest('refund', idempotency_key)[:24]}",
                charge_id=charge_id,
                amount=amount,
            )
            self._refunded[charge_id] = already + amount.amount
            self._refunds[idempotency_key] = _StoredRefund(fingerprint, refund)
            return refund
