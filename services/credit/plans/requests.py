"""The money-moving requests (`acceptOffer`, `payInstalment`, `payOffPlan`, and the merchant's
`captureCheckout`, `voidCheckout`, `refundCheckout`), validated, and the ids and digests that make
them idempotent. Keys are scoped to the caller; tokens are only ever digested.

Pure: no web, storage or AWS.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.credit.limits import (
    ID_MAX_CHARS,
    IDEMPOTENCY_KEY_MAX_CHARS,
    INSTALMENT_NUMBER_MAX,
    PAYMENT_TOKEN_MAX_CHARS,
    is_printable,
)
from services.credit.policy.offers import Frequency, Offer, PlanProduct, ScheduledPayment
from services.shared.errors import ValidationError
from services.shared.money import Money, is_int

_ACCEPT_FIELDS = frozenset({"applicationId", "offerId", "paymentMethodToken", "idempotencyKey"})
_PAY_FIELDS = frozenset({"instalmentNumber", "paymentMethodToken", "idempotencyKey"})
_PAYOFF_FIELDS = frozenset({"paymentMethodToken", "idempotencyKey"})
_CAPTURE_FIELDS = frozenset({"amount", "idempotencyKey"})
_REFUND_FIELDS = frozenset({"amount", "idempotencyKey"})


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def _text(payload: Mapping[str, Any], name: str, max_chars: int) -> str:
    value = payload.get(name)
    if value is None:
        raise ValidationError(f"{name} is required", field=name)
    if not is_printable(value, max_chars):
        raise ValidationError(
            f"{name} must be 1 to {max_chars} printable characters without spaces", field=name
        )
    return str(value)


def _known(payload: Mapping[str, Any], fields: frozenset[str]) -> None:
    for name in payload:
        if name not in fields:
            raise ValidationError(f"unknown field {name!r}", field=str(name))


def request_id(customer_id: str, idempotency_key: str) -> str:
    """The id of the idempotency record a customer's key names (scoped to the customer).

    Example:
        >>> request_id("c1", "k") == request_id("c1", "k") != request_id("c2", "k")
        True
    """
    return f"req_{_digest('plan-request', customer_id, idempotency_key)[:32]}"


def merchant_scope(merchant_id: str) -> str:
    """Whose keys a merchant's request uses: the merchant's (any of its principals)."""
    return f"merchant:{merchant_id}"


def refund_key(request_id: str, charge_id: str) -> str:
    """The provider key of the refund a request owes against one charge: made once, however
    often the request or the sweep tries."""
    return f"rfd_{_digest('refund', request_id, charge_id)[:40]}"


def charge_key(customer_id: str, idempotency_key: str) -> str:
    """The key we give the payment provider for this request's charge."""
    return f"chg_{_digest('charge', customer_id, idempotency_key)[:40]}"


def plan_id_for(application_id: str) -> str:
    """One plan per application: its id derives from the application's."""
    return f"pln_{_digest('plan', application_id)[:32]}"


def payment_id_for(charge_id: str) -> str:
    """The payment that records a provider charge."""
    return f"pay_{_digest('payment', charge_id)[:32]}"


@dataclass(frozen=True, kw_only=True)
class AcceptOfferRequest:
    """A validated `acceptOffer` input. `token` is kept in memory only, never stored."""

    application_id: str
    offer_id: str
    token: str
    idempotency_key: str

    @property
    def fingerprint(self) -> str:
        """A digest of what is asked (the token only digested): equal for a retry."""
        return _digest("accept", self.application_id, self.offer_id, self.token)


def parse_accept_request(payload: Mapping[str, Any]) -> AcceptOfferRequest:
    """Validate `{applicationId, offerId, paymentMethodToken, idempotencyKey}`.

    Raises:
        ValidationError: naming the field at fault.
    """
    _known(payload, _ACCEPT_FIELDS)
    return AcceptOfferRequest(
        application_id=_text(payload, "applicationId", ID_MAX_CHARS),
        offer_id=_text(payload, "offerId", ID_MAX_CHARS),
        token=_text(payload, "paymentMethodToken", PAYMENT_TOKEN_MAX_CHARS),
        idempotency_key=_text(payload, "idempotencyKey", IDEMPOTENCY_KEY_MAX_CHARS),
    )


@dataclass(frozen=True, kw_only=True)
class PayInstalmentRequest:
    """A validated `payInstalment` input (the plan id comes from the path)."""

    plan_id: str
    instalment_number: int
    token: str
    idempotency_key: str

    @property
    def fingerprint(self) -> str:
        return _digest("pay", self.plan_id, str(self.instalment_number), self.token)


def parse_pay_request(plan_id: str, payload: Mapping[str, Any]) -> PayInstalmentRequest:
    """Validate `{instalmentNumber, paymentMethodToken, idempotencyKey}`.

    Raises:
        ValidationError: naming the field at fault.
    """
    _known(payload, _PAY_FIELDS)
    number: Any = payload.get("instalmentNumber")
    if not is_int(number) or not 1 <= number <= INSTALMENT_NUMBER_MAX:
        raise ValidationError(
            f"instalmentNumber must be an integer from 1 to {INSTALMENT_NUMBER_MAX}",
            field="instalmentNumber",
        )
    return PayInstalmentRequest(
        plan_id=plan_id,
        instalment_number=int(number),
        token=_text(payload, "paymentMethodToken", PAYMENT_TOKEN_MAX_CHARS),
        idempotency_key=_text(payload, "idempotencyKey", IDEMPOTENCY_KEY_MAX_CHARS),
    )


@dataclass(frozen=True, kw_only=True)
class PayOffRequest:
    """A validated `payOffPlan` input: pay everything left on the plan now."""

    plan_id: str
    token: str
    idempotency_key: str

    @property
    def fingerprint(self) -> str:
        return _digest("payoff", self.plan_id, self.token)


def parse_payoff_request(plan_id: str, payload: Mapping[str, Any]) -> PayOffRequest:
    """Validate `{paymentMethodToken, idempotencyKey}`.

    Raises:
        ValidationError: naming the field at fault.
    """
    _known(payload, _PAYOFF_FIELDS)
    return PayOffRequest(
        plan_id=plan_id,
        token=_text(payload, "paymentMethodToken", PAYMENT_TOKEN_MAX_CHARS),
        idempotency_key=_text(payload, "idempotencyKey", IDEMPOTENCY_KEY_MAX_CHARS),
    )


@dataclass(frozen=True, kw_only=True)
class CheckoutMoneyRequest:
    """A validated merchant request on a checkout: capture (amount None = all) or refund."""

    action: str
    checkout_id: str
    amount: Money | None
    idempotency_key: str

    @property
    def fingerprint(self) -> str:
        amount = "all" if self.amount is None else f"{self.amount.amount}{self.amount.currency}"
        return _digest(self.action, self.checkout_id, amount)


def _amount(payload: Mapping[str, Any], *, required: bool) -> Money | None:
    value = payload.get("amount")
    if value is None:
        if required:
            raise ValidationError("amount is required", field="amount")
        return None
    return Money.parse(value, field="amount")


def parse_capture_request(checkout_id: str, payload: Mapping[str, Any]) -> CheckoutMoneyRequest:
    """Validate `{amount?, idempotencyKey}`: no amount captures the whole authorisation.

    Raises:
        ValidationError: naming the field at fault.
    """
    _known(payload, _CAPTURE_FIELDS)
    return CheckoutMoneyRequest(
        action="capture",
        checkout_id=checkout_id,
        amount=_amount(payload, required=False),
        idempotency_key=_text(payload, "idempotencyKey", IDEMPOTENCY_KEY_MAX_CHARS),
    )


def parse_refund_request(checkout_id: str, payload: Mapping[str, Any]) -> CheckoutMoneyRequest:
    """Validate `{amount, idempotencyKey}`.

    Raises:
        ValidationError: naming the field at fault.
    """
    _known(payload, _REFUND_FIELDS)
    return CheckoutMoneyRequest(
        action="refund",
        checkout_id=checkout_id,
        amount=_amount(payload, required=True),
        idempotency_key=_text(payload, "idempotencyKey", IDEMPOTENCY_KEY_MAX_CHARS),
    )


def offer_from_json(offer: Mapping[str, Any], *, principal: Money) -> Offer:
    """The `Offer` an application stored as the API's JSON (`Offer.to_json`)."""
    return Offer(
        id=str(offer["id"]),
        product=PlanProduct(offer["product"]),
        frequency=Frequency(offer["frequency"]),
        apr=float(offer["apr"]),
        principal=principal,
        schedule=tuple(
            ScheduledPayment(
                number=int(s["number"]),
                due_date=date.fromisoformat(s["dueDate"]),
                amount=Money(int(s["amount"]["amount"]), s["amount"]["currency"]),
            )
            for s in offer["schedule"]
        ),
    )
