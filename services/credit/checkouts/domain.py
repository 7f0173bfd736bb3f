"""Checkouts and merchants: what they are and the rules they obey. Pure: no web, storage or AWS."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from services.credit.checkouts.redirects import (
    FIELDS as RETURN_URL_FIELDS,
    ReturnUrls,
    parse_return_urls,
)
from services.shared.errors import CheckoutExpired, InvalidState, ServiceError, ValidationError
from services.shared.money import Money, is_int
from services.shared.timestamps import iso_timestamp

MAX_CHECKOUT_AMOUNT = 10_000_000  # minor units: 100,000.00 GBP
MAX_ITEMS = 100
MAX_QUANTITY = 10_000
REFERENCE_MAX_CHARS = 128
SKU_MAX_CHARS = 64
ITEM_NAME_MAX_CHARS = 200
CHECKOUT_LIFETIME = timedelta(hours=1)
# How many distinct shoppers may apply to one checkout until one of them accepts an offer: room
# for a shopper and someone paying for them, too little for a crowd to hold the checkout.
MAX_APPLICANTS_PER_CHECKOUT = 3

# Merchant ids are ours (`m_sandbox`); keeping `#` out of them keeps the reference key
# `{merchantId}#{merchantReference}` unambiguous.
_MERCHANT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CHECKOUT_FIELDS = frozenset({"merchantId", "merchantReference", "amount", "items"})
_OPTIONAL_FIELDS = frozenset(RETURN_URL_FIELDS)
_ITEM_FIELDS = frozenset({"sku", "name", "quantity", "unitPrice"})


class CheckoutStatus(StrEnum):
    """Where a checkout is in its life."""

    CREATED = "CREATED"
    APPROVED = "APPROVED"
    DECLINED = "DECLINED"
    REFERRED = "REFERRED"
    CONFIRMED = "CONFIRMED"
    CAPTURED = "CAPTURED"
    VOIDED = "VOIDED"
    EXPIRED = "EXPIRED"
    REFUNDED = "REFUNDED"


# An applicant's outcomes, least advanced first: the merchant sees the most advanced one.
OUTCOMES = (CheckoutStatus.DECLINED, CheckoutStatus.REFERRED, CheckoutStatus.APPROVED)


@dataclass(frozen=True, kw_only=True)
class CustomerCaller:
    """A signed-in shopper, known by their token's subject."""

    sub: str


@dataclass(frozen=True, kw_only=True)
class MerchantCaller:
    """A merchant backend, known by the IAM ARN AppSync verified."""

    arn: str


Caller = CustomerCaller | MerchantCaller


@dataclass(frozen=True, kw_only=True)
class Merchant:
    """A merchant, the IAM principals allowed to act for it, and the URL prefixes its return
    URLs must fall within (`redirects.within`)."""

    id: str
    name: str
    principal_arns: frozenset[str]
    redirect_url_prefixes: tuple[str, ...] = ()

    def allows(self, caller: Caller) -> bool:
        """Whether `caller` acts for this merchant."""
        return isinstance(caller, MerchantCaller) and caller.arn in self.principal_arns


@dataclass(frozen=True, kw_only=True)
class LineItem:
    """One order line."""

    sku: str
    name: str
    quantity: int
    unit_price: Money

    @property
    def total(self) -> Money:
        """Quantity times unit price."""
        return self.unit_price.times(self.quantity)

    def to_json(self) -> dict[str, Any]:
        """The API's `LineItem`."""
        return {
            "sku": self.sku,
            "name": self.name,
            "quantity": self.quantity,
            "unitPrice": self.unit_price.to_json(),
        }


@dataclass(frozen=True, kw_only=True)
class CheckoutRequest:
    """A merchant's validated request for a checkout."""

    merchant_id: str
    merchant_reference: str
    amount: Money
    items: tuple[LineItem, ...]
    return_urls: ReturnUrls | None = None

    @property
    def reference_key(self) -> str:
        """The key that makes `merchantId + merchantReference` unique."""
        return reference_key(self.merchant_id, self.merchant_reference)


def reference_key(merchant_id: str, merchant_reference: str) -> str:
    """`{merchantId}#{merchantReference}`; unambiguous because merchant ids have no `#`."""
    return f"{merchant_id}#{merchant_reference}"


@dataclass(frozen=True, kw_only=True)
class Applicant:
    """A shopper's latest decided application on a checkout not yet bound to anyone."""

    application_id: str
    outcome: CheckoutStatus  # one of OUTCOMES


@dataclass(frozen=True, kw_only=True)
class Checkout:
    """A merchant's order that a shopper may pay for later. Up to `MAX_APPLICANTS_PER_CHECKOUT`
    shoppers may apply, none of their decisions closing it for the others; it is bound to one
    only when they accept an offer (`customer_id`, `application_id`, `plan_id` set then)."""

    id: str
    merchant_id: str
    merchant_reference: str
    amount: Money
    items: tuple[LineItem, ...]
    status: CheckoutStatus
    customer_id: str | None  # the shopper it is bound to
    expires_at: datetime
    created_at: datetime
    application_id: str | None = None  # the application whose offer was accepted
    plan_id: str | None = None  # the plan of the accepted offer
    captured: Money | None = None  # what the merchant captured, once CAPTURED
    refunded: Money | None = None  # what the merchant refunded of it so far
    applicants: Mapping[str, Applicant] = field(default_factory=dict)  # by sub, while unbound
    return_urls: ReturnUrls | None = None  # where the hosted page sends the shopper back

    @classmethod
    def open(cls, request: CheckoutRequest, *, checkout_id: str, now: datetime) -> Checkout:
        """A new checkout for `request`, open for `CHECKOUT_LIFETIME`."""
        return cls(
            id=checkout_id,
            merchant_id=request.merchant_id,
            merchant_reference=request.merchant_reference,
            amount=request.amount,
            items=request.items,
            status=CheckoutStatus.CREATED,
            customer_id=None,
            expires_at=now + CHECKOUT_LIFETIME,
            created_at=now,
            return_urls=request.return_urls,
        )

    def answers(self, request: CheckoutRequest) -> bool:
        """Whether this checkout is what `request` asks for (a retry, not a reused reference)."""
        return (
            self.merchant_id == request.merchant_id
            and self.merchant_reference == request.merchant_reference
            and self.amount == request.amount
            and self.items == request.items
            and self.return_urls == request.return_urls
        )

    def expired(self, now: datetime) -> bool:
        """Whether the checkout's time is up (stored as CREATED until something changes it)."""
        return self.status is CheckoutStatus.EXPIRED or (
            self.status is CheckoutStatus.CREATED and now >= self.expires_at
        )

    @property
    def untouched(self) -> bool:
        """Nothing has happened to it since it was opened: nobody has applied, so nothing about
        it has been announced to its merchant yet."""
        return self.status is CheckoutStatus.CREATED and not self.applicants

    @property
    def bound(self) -> bool:
        """Whether a shopper accepted an offer on it, making it theirs alone."""
        return self.plan_id is not None

    def refusal(self, sub: str, now: datetime) -> ServiceError | None:
        """Why the shopper `sub` may not apply to this checkout now; None when they may."""
        if self.expired(now):
            return CheckoutExpired("The checkout has expired", details={"checkoutId": self.id})
        if self.bound or self.status is not CheckoutStatus.CREATED:
            return InvalidState(
                f"The checkout is {self.status.value}: it takes no more applications",
                details={"checkoutId": self.id, "status": self.status.value},
            )
        limit = MAX_APPLICANTS_PER_CHECKOUT
        if sub in self.applicants or len(self.applicants) < limit:
            return None
        return InvalidState(
            f"This checkout already has applications from {limit} shoppers, the most it takes",
            details={"reason": "APPLICANT_LIMIT", "limit": limit, "checkoutId": self.id},
        )

    def seen_by(self, caller: Caller, merchant: Merchant | None) -> Checkout | None:
        """This checkout as `caller` may see it; None when they may not see it at all.

        Once bound, it is its shopper's and its merchant's (`merchant` is this checkout's, if it
        exists), as it is. Until then, a shopper who applied sees their own outcome, sub and
        application; any other shopper sees it open, with no customer; the merchant sees the
        most advanced outcome among the applicants, with no customer.
        """
        if isinstance(caller, MerchantCaller):
            if merchant is None or merchant.id != self.merchant_id or not merchant.allows(caller):
                return None
            return self.merchant_view()
        if self.bound:
            return self if self.customer_id == caller.sub else None
        mine = self.applicants.get(caller.sub)
        if mine is None:
            return self._unbound(self.status)
        return self._unbound(mine.outcome, caller.sub, mine.application_id)

    def with_decision(self, sub: str, application_id: str, outcome: CheckoutStatus) -> Checkout:
        """The checkout with a shopper's decided application as their entry."""
        mine = Applicant(application_id=application_id, outcome=outcome)
        return replace(self, applicants={**self.applicants, sub: mine})

    def merchant_view(self) -> Checkout:
        """The checkout as its merchant sees it: as it is once bound; until then, the most
        advanced outcome among the applicants, naming none of them."""
        if self.bound:
            return self
        ranked = sorted(OUTCOMES.index(a.outcome) for a in self.applicants.values())
        return self._unbound(OUTCOMES[ranked[-1]] if ranked else self.status)

    def _unbound(
        self, outcome: CheckoutStatus, sub: str | None = None, app: str | None = None
    ) -> Checkout:
        # An expired checkout is EXPIRED to everyone: the decisions on it lapsed with it.
        status = outcome if self.status is CheckoutStatus.CREATED else self.status
        return replace(self, status=status, customer_id=sub, application_id=app, applicants={})

    def to_json(self) -> dict[str, Any]:
        """The API's `Checkout`, camelCase (`applicationId` once there is one to show)."""
        body: dict[str, Any] = {
            "id": self.id,
            "merchantId": self.merchant_id,
            "merchantReference": self.merchant_reference,
            "amount": self.amount.to_json(),
            "items": [item.to_json() for item in self.items],
            "status": self.status.value,
            "customerId": self.customer_id,
            "expiresAt": iso_timestamp(self.expires_at),
            "createdAt": iso_timestamp(self.created_at),
        }
        if self.application_id is not None:
            body["applicationId"] = self.application_id
        if self.plan_id is not None:
            body["planId"] = self.plan_id
        if self.captured is not None:
            body["capturedAmount"] = self.captured.to_json()
        if self.refunded is not None:
            body["refundedAmount"] = self.refunded.to_json()
        if self.return_urls is not None:
            body["confirmationUrl"] = self.return_urls.confirmation
            body["cancelUrl"] = self.return_urls.cancel
        return body


def parse_checkout_request(payload: Mapping[str, Any]) -> CheckoutRequest:
    """Validate a merchant's checkout request.

    Rules: a known currency; an amount above 0 and at most `MAX_CHECKOUT_AMOUNT` minor units; a
    merchantReference of 1 to 128 characters; 1 to 100 items, each with a sku, a name, a
    quantity of at least 1 and a unit price in the checkout's currency; and the items adding up
    to the amount exactly; `confirmationUrl` and `cancelUrl` both or neither
    (`redirects.parse_return_urls`; the merchant's allow-list is checked once it is known).

    Raises:
        ValidationError: naming the first field at fault in `details["field"]`.

    Example:
        >>> parse_checkout_request({
        ...     "merchantId": "m_1", "merchantReference": "order-1",
        ...     "amount": {"amount": 500, "currency": "GBP"},
        ...     "items": [{"sku": "A", "name": "Socks", "quantity": 2,
        ...                "unitPrice": {"amount": 250, "currency": "GBP"}}],
        ... }).amount.format()
        '5.00 GBP'
    """
    for name in payload:
        if name not in _CHECKOUT_FIELDS | _OPTIONAL_FIELDS:
            raise ValidationError(f"unknown field {name!r}", field=str(name))
    for name in sorted(_CHECKOUT_FIELDS):
        if payload.get(name) is None:
            raise ValidationError(f"{name} is required", field=name)
    merchant_id = payload["merchantId"]
    if not isinstance(merchant_id, str) or not _MERCHANT_ID.fullmatch(merchant_id):
        raise ValidationError(
            "merchantId must be 1-64 letters, digits, '_' or '-'", field="merchantId"
        )
    reference = _text(
        payload["merchantReference"], field="merchantReference", max_chars=REFERENCE_MAX_CHARS
    )
    amount = Money.parse(payload["amount"], field="amount", maximum=MAX_CHECKOUT_AMOUNT)
    items = _items(payload["items"], currency=amount.currency)
    total = Money(0, amount.currency)
    for item in items:
        total += item.total
    if total != amount:
        raise ValidationError(
            f"amount ({amount.format()}) must equal the sum of the items ({total.format()})",
            field="amount.amount",
        )
    return CheckoutRequest(
        merchant_id=merchant_id,
        merchant_reference=reference,
        amount=amount,
        items=items,
        return_urls=parse_return_urls(payload),
    )


def _items(value: object, *, currency: str) -> tuple[LineItem, ...]:
    if not isinstance(value, list):
        raise ValidationError("items must be a list", field="items")
    if not 1 <= len(value) <= MAX_ITEMS:
        raise ValidationError(f"items must hold 1 to {MAX_ITEMS} lines", field="items")
    return tuple(_item(raw, field=f"items[{i}]", currency=currency) for i, raw in enumerate(value))


def _item(value: object, *, field: str, currency: str) -> LineItem:
    if not isinstance(value, Mapping):
        raise ValidationError(f"{field} must be an object", field=field)
    for name in value:
        if name not in _ITEM_FIELDS:
            raise ValidationError(f"unknown field {name!r}", field=f"{field}.{name}")
    for name in sorted(_ITEM_FIELDS):
        if value.get(name) is None:
            raise ValidationError(f"{field}.{name} is required", field=f"{field}.{name}")
    quantity = value["quantity"]
    if not is_int(quantity) or not 1 <= quantity <= MAX_QUANTITY:
        raise ValidationError(
            f"{field}.quantity must be an integer from 1 to {MAX_QUANTITY}",
            field=f"{field}.quantity",
        )
    unit_price = Money.parse(
        value["unitPrice"], field=f"{field}.unitPrice", maximum=MAX_CHECKOUT_AMOUNT
    )
    if unit_price.currency != currency:
        raise ValidationError(
            f"{field}.unitPrice.currency must be the checkout's currency, {currency}",
            field=f"{field}.unitPrice.currency",
        )
    return LineItem(
        sku=_text(value["sku"], field=f"{field}.sku", max_chars=SKU_MAX_CHARS),
        name=_text(value["name"], field=f"{field}.name", max_chars=ITEM_NAME_MAX_CHARS),
        quantity=quantity,
        unit_price=unit_price,
    )


def _text(value: object, *, field: str, max_chars: int) -> str:
    # Taken as sent (no trimming): these are the merchant's identifiers, compared exactly.
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{field} must be a non-empty string", field=field)
    if len(value) > max_chars:
        raise ValidationError(f"{field} must be at most {max_chars} characters", field=field)
    if _CONTROL.search(value):
        raise ValidationError(f"{field} must not contain control characters", field=field)
    return value
