"""Where checkouts and merchants are kept: DynamoDB behind the ports of `checkout_ports`.

Items are read and written through the shared codec (`checkout_items`).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Sequence
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from services.credit.checkout_items import UNBOUND, to_domain, to_item
from services.credit.checkouts.domain import Checkout, CheckoutStatus, Merchant, reference_key
from services.credit.models import CheckoutModel, CheckoutReferenceModel, MerchantModel
from services.credit.webhooks.events import EventDraft
from services.credit.webhooks.outbox import Outbox
from services.shared.dynamodb import bind, connection
from services.shared.errors import DependencyFailure
from services.shared.settings import Settings

logger = logging.getLogger(__name__)

# A transaction that collides with another in flight on the same item is cancelled with
# TransactionConflict; once the other commits, a retry sees its result. A few short, jittered
# retries cover it.
CONFLICT_RETRIES = 5
CONFLICT_BACKOFF_S = 0.02


class DynamoCheckoutRepository:
    """Checkouts in `checkouts`, their merchant references in `checkout_references`."""

    def __init__(self, settings: Settings) -> None:
        self._checkouts = bind(CheckoutModel, settings)
        self._references = bind(CheckoutReferenceModel, settings)
        self._connection = connection(settings)
        self._outbox = Outbox(settings)

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

    def mark_expired(
        self, checkout: Checkout, now: datetime, events: Sequence[EventDraft] = ()
    ) -> bool:
        """Store a lapsed checkout as EXPIRED, with `events` in the outbox; False if it changed
        meanwhile (or is held by a request taking its first payment)."""
        model = self._checkouts

        def write(transaction: TransactWrite) -> None:
            transaction.update(
                model(checkout.id),
                actions=[model.status.set(CheckoutStatus.EXPIRED.value)],
                condition=model.status.is_in(*UNBOUND)
                & model.plan_id.does_not_exist()
                & (model.expires_at <= now)
                & model.lease_owner.does_not_exist(),
            )

        try:
            self._outbox.transact(self._connection, write, events, now)
        except TransactWriteError as exc:
            codes = {reason.code for reason in exc.cancellation_reasons if reason}
            if "ConditionalCheckFailed" in codes:
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
        return Merchant(
            id=item.id,
            name=item.name,
            principal_arns=frozenset(item.principal_arns),
            redirect_url_prefixes=tuple(item.redirect_url_prefixes or ()),
        )

    def save(self, merchant: Merchant) -> None:
        """Create or replace a merchant (a merchant always has at least one principal)."""
        if not merchant.principal_arns:
            raise ValueError("a merchant needs at least one principal ARN")
        self._model(
            merchant.id,
            name=merchant.name,
            principal_arns=set(merchant.principal_arns),
            redirect_url_prefixes=list(merchant.redirect_url_prefixes) or None,
        ).save()
