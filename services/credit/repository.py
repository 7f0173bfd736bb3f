"""Where checkouts and merchants are kept: Protocols for the use cases, DynamoDB behind them.

A checkout's applicants are a map on its item (`CheckoutModel.applicants`). Checkouts stored
before checkouts took several applicants hold their one applicant's decision as the checkout's
own status and customer; they are read as unbound checkouts with that one applicant, and a
write that needs the map gives them one first (`adopt_single_applicant`).
"""

from __future__ import annotations

import logging
import random
import time
from datetime import datetime
from typing import Any, Protocol

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from services.credit.domain import (
    OUTCOMES,
    Applicant,
    Checkout,
    CheckoutStatus,
    LineItem,
    Merchant,
    reference_key,
)
from services.credit.models import (
    CheckoutModel,
    CheckoutReferenceModel,
    LineItemMap,
    MerchantModel,
    applicant_entries,
    applicant_key,
)
from services.shared.dynamodb import CONNECT_TIMEOUT_S, READ_TIMEOUT_S, bind
from services.shared.errors import DependencyFailure
from services.shared.money import Money
from services.shared.settings import Settings

logger = logging.getLogger(__name__)

# A transaction that collides with another in flight on the same item is cancelled with
# TransactionConflict; once the other commits, a retry sees its result. A few short, jittered
# retries cover it.
CONFLICT_RETRIES = 5
CONFLICT_BACKOFF_S = 0.02
# Stored statuses of a checkout nobody has accepted an offer on: CREATED, or one applicant's
# outcome as checkouts kept it before they took several applicants.
UNBOUND = (CheckoutStatus.CREATED.value, *(outcome.value for outcome in OUTCOMES))


class CheckoutRepository(Protocol):
    """The checkouts we know."""

    def get(self, checkout_id: str) -> Checkout | None:
        """The checkout with this id, or None."""
        ...

    def get_by_reference(self, merchant_id: str, merchant_reference: str) -> Checkout | None:
        """The checkout that claimed this merchant reference, or None."""
        ...

    def add(self, checkout: Checkout) -> bool:
        """Store a new checkout and claim its reference, atomically.

        Returns:
            False, with nothing written, when its id or merchant reference is already taken.
        """
        ...


class MerchantRepository(Protocol):
    """The merchants we know."""

    def get(self, merchant_id: str) -> Merchant | None:
        """The merchant with this id, or None."""
        ...

    def save(self, merchant: Merchant) -> None:
        """Create or replace a merchant."""
        ...


class DynamoCheckoutRepository:
    """Checkouts in `checkouts`, their merchant references in `checkout_references`."""

    def __init__(self, settings: Settings) -> None:
        self._checkouts = bind(CheckoutModel, settings)
        self._references = bind(CheckoutReferenceModel, settings)
        self._connection = Connection(
            region=settings.region,
            host=settings.dynamodb_endpoint,
            connect_timeout_seconds=CONNECT_TIMEOUT_S,
            read_timeout_seconds=READ_TIMEOUT_S,
        )

    def get(self, checkout_id: str) -> Checkout | None:
        """The checkout with this id, or None (strongly consistent)."""
        try:
            return to_domain(self._checkouts.get(checkout_id, consistent_read=True))
        except DoesNotExist:
            return None

    def get_by_reference(self, merchant_id: str, merchant_reference: str) -> Checkout | None:
        """The checkout that claimed this merchant reference, or None (strongly consistent)."""
        key = reference_key(merchant_id, merchant_reference)
        try:
            claim = self._references.get(key, consistent_read=True)
        except DoesNotExist:
            return None
        return self.get(claim.checkout_id)

    def add(self, checkout: Checkout) -> bool:
        """Put the checkout and its reference claim in one transaction, both only if new."""
        item = to_item(self._checkouts, checkout)
        claim = self._references(
            reference_key(checkout.merchant_id, checkout.merchant_reference),
            checkout_id=checkout.id,
        )
        for attempt in range(CONFLICT_RETRIES + 1):
            try:
                # Both conditions or neither: a checkout never exists without its claim, and a
                # reference is claimed exactly once, however many requests race for it.
                with TransactWrite(connection=self._connection) as transaction:
                    transaction.save(item, condition=self._checkouts.id.does_not_exist())
                    transaction.save(
                        claim,
                        condition=self._references.merchant_reference_key.does_not_exist(),
                    )
            except TransactWriteError as exc:
                codes = {reason.code for reason in exc.cancellation_reasons if reason}
                if "ConditionalCheckFailed" in codes:
                    return False
                if "TransactionConflict" in codes and attempt < CONFLICT_RETRIES:
                    time.sleep(CONFLICT_BACKOFF_S * (attempt + 1) * (1 + random.random()))  # noqa: S311
                    continue
                logger.warning("checkout transaction failed: %s %s", exc.cause_response_code, codes)
                message = "Could not store the checkout; nothing was written"
                raise DependencyFailure(message) from exc
            return True
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def lapsed(self, now: datetime) -> list[Checkout]:
        """Unbound checkouts whose time ran out before `now` (the sweep's scan)."""
        model = self._checkouts
        unbound = model.status.is_in(*UNBOUND) & model.plan_id.does_not_exist()
        return [to_domain(item) for item in model.scan(unbound & (model.expires_at <= now))]

    def mark_expired(self, checkout: Checkout, now: datetime) -> bool:
        """Store a lapsed checkout as EXPIRED; False if it changed meanwhile (or is held by a
        request taking its first payment)."""
        model = self._checkouts
        try:
            model(checkout.id).update(
                actions=[model.status.set(CheckoutStatus.EXPIRED.value)],
                condition=model.status.is_in(*UNBOUND)
                & model.plan_id.does_not_exist()
                & (model.expires_at <= now)
                & model.lease_owner.does_not_exist(),
            )
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise DependencyFailure("Could not expire the checkout") from exc
        return True

    def confirmed(self) -> list[Checkout]:
        """Every CONFIRMED checkout: those awaiting capture (the sweep's scan)."""
        model = self._checkouts
        return [
            to_domain(item) for item in model.scan(model.status == CheckoutStatus.CONFIRMED.value)
        ]


class DynamoMerchantRepository:
    """Merchants in the `merchants` table."""

    def __init__(self, settings: Settings) -> None:
        self._model = bind(MerchantModel, settings)

    def get(self, merchant_id: str) -> Merchant | None:
        """The merchant with this id, or None."""
        try:
            item = self._model.get(merchant_id, consistent_read=True)
        except DoesNotExist:
            return None
        return Merchant(id=item.id, name=item.name, principal_arns=frozenset(item.principal_arns))

    def save(self, merchant: Merchant) -> None:
        """Create or replace a merchant (a merchant always has at least one principal)."""
        if not merchant.principal_arns:
            raise ValueError("a merchant needs at least one principal ARN")
        self._model(
            merchant.id, name=merchant.name, principal_arns=set(merchant.principal_arns)
        ).save()


def adopt_single_applicant(model: type[CheckoutModel], checkout_id: str) -> bool:
    """Give an unbound checkout stored without `applicants` its map, holding the one applicant
    it had, and CREATED as its stored status: what decisions and acceptances write to.

    Returns:
        True when the checkout has its map now (given here or meanwhile); False when it needed
        none (it has one, is bound, or lapsed) or is gone.
    """
    try:
        item = model.get(checkout_id, consistent_read=True)
    except DoesNotExist:
        return False
    if applicant_entries(item) is not None or item.plan_id or item.status not in UNBOUND:
        return False
    checkout = to_domain(item)
    actions: list[Any] = [model.applicants.set(_entries(checkout))]
    if item.status != CheckoutStatus.CREATED.value:
        actions += [
            model.status.set(CheckoutStatus.CREATED.value),
            model.customer_id.remove(),
            model.application_id.remove(),
        ]
    try:
        item.update(
            actions=actions,
            condition=model.applicants.does_not_exist()
            & (model.status == item.status)
            & model.plan_id.does_not_exist(),
        )
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise DependencyFailure("Could not update the checkout; nothing was written") from exc
    return True


def to_item(model: type[CheckoutModel], checkout: Checkout) -> CheckoutModel:
    """The stored item of a checkout."""
    return model(
        checkout.id,
        merchant_id=checkout.merchant_id,
        merchant_reference=checkout.merchant_reference,
        amount=checkout.amount.amount,
        currency=checkout.amount.currency,
        items=[
            LineItemMap(  # type: ignore[no-untyped-call]  # pynamodb's __init__ is untyped
                sku=item.sku,
                name=item.name,
                quantity=item.quantity,
                unit_amount=item.unit_price.amount,
                currency=item.unit_price.currency,
            )
            for item in checkout.items
        ],
        status=checkout.status.value,
        applicants=_entries(checkout),
        customer_id=checkout.customer_id,
        application_id=checkout.application_id,
        plan_id=checkout.plan_id,
        captured_amount=checkout.captured.amount if checkout.captured else None,
        refunded_amount=checkout.refunded.amount if checkout.refunded else None,
        expires_at=checkout.expires_at,
        created_at=checkout.created_at,
    )


def to_domain(item: CheckoutModel) -> Checkout:
    """The checkout a stored item describes (see the module docstring for older items)."""
    status = CheckoutStatus(item.status)
    customer_id: str | None = item.customer_id
    application_id: str | None = item.application_id
    stored = applicant_entries(item)
    applicants = {
        str(entry["sub"]): Applicant(
            application_id=str(entry["applicationId"]), outcome=CheckoutStatus(entry["outcome"])
        )
        for entry in (stored or {}).values()
    }
    if not item.plan_id and status in OUTCOMES:
        if stored is None and customer_id and application_id:
            applicants = {customer_id: Applicant(application_id=application_id, outcome=status)}
        status, customer_id, application_id = CheckoutStatus.CREATED, None, None
    return Checkout(
        id=item.id,
        merchant_id=item.merchant_id,
        merchant_reference=item.merchant_reference,
        # DynamoDB numbers come back as int or float depending on their text; amounts are ints.
        amount=Money(int(item.amount), item.currency),
        items=tuple(
            LineItem(
                sku=line.sku,
                name=line.name,
                quantity=int(line.quantity),
                unit_price=Money(int(line.unit_amount), line.currency),
            )
            for line in item.items or []
        ),
        status=status,
        customer_id=customer_id,
        application_id=application_id,
        applicants=applicants,
        plan_id=item.plan_id,
        captured=_money(item.captured_amount, item.currency),
        refunded=_money(item.refunded_amount, item.currency),
        expires_at=item.expires_at,
        created_at=item.created_at,
    )


def applicant_entry(sub: str, applicant: Applicant) -> dict[str, str]:
    """A shopper's entry in a checkout's stored `applicants` (under `applicant_key(sub)`)."""
    return {
        "sub": sub,
        "applicationId": applicant.application_id,
        "outcome": applicant.outcome.value,
    }


def _entries(checkout: Checkout) -> dict[str, dict[str, str]]:
    return {
        applicant_key(sub): applicant_entry(sub, applicant)
        for sub, applicant in checkout.applicants.items()
    }


def _money(amount: float | None, currency: str) -> Money | None:
    return None if amount is None else Money(int(amount), currency)
