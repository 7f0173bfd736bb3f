"""The payment-provider port, and a sandbox card network that stands in for a real one.

Payment methods reach us only as provider tokens. A provider charges a token with *our*
idempotency key, so a retry after a timeout or a crash finds the first charge instead of taking
the money twice; we keep only its charge id, the card brand and the last four digits.

The sandbox's rules live here, so every sandbox behaves alike: `SandboxPaymentProvider` keeps its
state in process memory behind a lock (tests; it forgets everything when the process ends), and
`services.credit.payments.sandbox` keeps the same state in DynamoDB, shared by every process.
Both play the card network's part (which remembers every key it has seen), not our storage, and
never hold a raw token, only a one-way fingerprint of each request.

Pure: no web, storage or AWS.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from services.shared.errors import (
    DependencyFailure,
    IdempotencyKeyReused,
    InvalidState,
    NotFound,
    ValidationError,
)
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

    def find_charge(self, *, idempotency_key: str) -> Charge | None:
        """The charge made under our idempotency key, or None: how a reconciliation learns
        whether a request that died had charged (real networks search by our reference)."""
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

MAX_KEY_LENGTH = 255


def _digest(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def charge_id_for(idempotency_key: str) -> str:
    """The sandbox's charge id of a key: deterministic, so a replay can be recognised.

    Example:
        >>> charge_id_for("k1") == charge_id_for("k1") != charge_id_for("k2")
        True
    """
    return f"ch_{_digest('charge', idempotency_key)[:24]}"


def refund_id_for(idempotency_key: str) -> str:
    """The sandbox's refund id of a key (deterministic, like `charge_id_for`)."""
    return f"re_{_digest('refund', idempotency_key)[:24]}"


def charge_fingerprint(token: str, amount: Money) -> str:
    """What a charge request asked, one-way: a replay must ask the same; the token is not kept."""
    return _digest(token, str(amount.amount), amount.currency)


def refund_fingerprint(charge_id: str, amount: Money) -> str:
    """What a refund request asked, one-way."""
    return _digest(charge_id, str(amount.amount), amount.currency)


def check_key(idempotency_key: str) -> None:
    """Refuse a key no request could have used.

    Raises:
        ValidationError: naming `idempotencyKey`.
    """
    if not idempotency_key or len(idempotency_key) > MAX_KEY_LENGTH:
        raise ValidationError(
            f"idempotencyKey must be 1 to {MAX_KEY_LENGTH} characters", field="idempotencyKey"
        )


def check_request(amount: Money, idempotency_key: str) -> None:
    """Refuse a bad key or a non-positive amount.

    Raises:
        ValidationError: naming `idempotencyKey` or `amount.amount`.
    """
    check_key(idempotency_key)
    if amount.amount <= 0:
        raise ValidationError("amount must be greater than 0", field="amount.amount")


def sandbox_charge(token: str, amount: Money, idempotency_key: str) -> Charge:
    """The charge the sandbox makes for a request: test tokens decide success or failure.

    Raises:
        ValidationError: an unknown token, a bad key or a non-positive amount.
    """
    check_request(amount, idempotency_key)
    card = TEST_CARDS.get(token)
    if card is None:
        raise ValidationError("unknown payment method token", field="paymentMethodToken")
    return Charge(
        id=charge_id_for(idempotency_key),
        status=ChargeStatus.FAILED if card.failure_code else ChargeStatus.SUCCEEDED,
        amount=amount,
        brand=card.brand,
        last4=card.last4,
        failure_code=card.failure_code,
    )


def check_refundable(charge: Charge, *, refunded: int, amount: Money) -> None:
    """Refuse a refund the charge cannot take, `refunded` minor units having gone back already.

    Raises:
        InvalidState: the charge failed, so there is nothing to give back.
        ValidationError: another currency, or more than is left.
    """
    if not charge.succeeded:
        raise InvalidState("a failed charge cannot be refunded")
    if amount.currency != charge.amount.currency:
        raise ValidationError("refund in another currency", field="amount.currency")
    left = charge.amount - Money(refunded, charge.amount.currency)
    if amount.amount > left.amount:
        raise ValidationError(
            f"refund amount must be at most {left.format()}, what is left of the charge",
            field="amount.amount",
        )


@dataclass(frozen=True)
class _StoredCharge:
    fingerprint: str  # sha256 of token, amount and currency: never the token itself
    charge: Charge


@dataclass(frozen=True)
class _StoredRefund:
    fingerprint: str
    refund: Refund


class SandboxPaymentProvider:
    """An in-memory card network for tests (see the module docstring).

    Example:
        >>> provider, price = SandboxPaymentProvider(), Money(2500, "GBP")
        >>> first = provider.charge(token="tok_visa", amount=price, idempotency_key="k")
        >>> again = provider.charge(token="tok_visa", amount=price, idempotency_key="k")
        >>> first == again, first.last4, provider.charge_count
        (True, '4242', 1)
        >>> provider.find_charge(idempotency_key="k") == first
        True
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._charges: dict[str, _StoredCharge] = {}  # by charge id (a function of the key)
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
        charge = sandbox_charge(token, amount, idempotency_key)
        fingerprint = charge_fingerprint(token, amount)
        with self._lock:
            stored = self._charges.setdefault(charge.id, _StoredCharge(fingerprint, charge))
        if stored.fingerprint != fingerprint:
            raise IdempotencyKeyReused("the key was used for a different charge")
        return stored.charge

    def find_charge(self, *, idempotency_key: str) -> Charge | None:
        """The charge made under `idempotency_key`, or None.

        Raises:
            ValidationError: a key no request could have used.
        """
        check_key(idempotency_key)
        with self._lock:
            stored = self._charges.get(charge_id_for(idempotency_key))
        return stored.charge if stored else None

    def refund(self, *, charge_id: str, amount: Money, idempotency_key: str) -> Refund:
        """Refund part or all of a succeeded charge, never more than it took in all.

        Raises:
            NotFound: no such charge.
            InvalidState: the charge failed, so there is nothing to give back.
            ValidationError: a bad key or amount, another currency, or more than is left.
            IdempotencyKeyReused: the key was used before for another charge or amount.
        """
        check_request(amount, idempotency_key)
        fingerprint = refund_fingerprint(charge_id, amount)
        with self._lock:
            stored = self._refunds.get(idempotency_key)
            if stored is not None:
                if stored.fingerprint != fingerprint:
                    raise IdempotencyKeyReused("the key was used for a different refund")
                return stored.refund
            charge = self._charges.get(charge_id)
            if charge is None:
                raise NotFound("no such charge")
            already = self._refunded.get(charge_id, 0)
            check_refundable(charge.charge, refunded=already, amount=amount)
            refund = Refund(id=refund_id_for(idempotency_key), charge_id=charge_id, amount=amount)
            self._refunded[charge_id] = already + amount.amount
            self._refunds[idempotency_key] = _StoredRefund(fingerprint, refund)
            return refund


class NoCardNetwork:
    """The `PaymentProvider` of an environment with no card network configured: every call
    answers DependencyFailure, so nothing is charged and nothing is written."""

    def _refuse(self) -> DependencyFailure:
        return DependencyFailure("No card network is configured in this environment")

    def charge(self, *, token: str, amount: Money, idempotency_key: str) -> Charge:
        raise self._refuse()

    def refund(self, *, charge_id: str, amount: Money, idempotency_key: str) -> Refund:
        raise self._refuse()

    def find_charge(self, *, idempotency_key: str) -> Charge | None:
        raise self._refuse()
