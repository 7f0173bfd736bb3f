"""The merchant's use cases on a confirmed checkout: capture, void, refund; and the sweep's expiry.

Each operation is decided by the pure rules of `services.credit.checkouts.money` on the checkout
and its plan read together (one transactional read: a decision never sees one of them before a
concurrent operation and the other after it), then stored in one transaction (the plan at the
version it was read, the checkout from the status it was read in, and the request's record with
the refunds it owes the customer), then the refunds are made (`Refunder`; the sweep makes any
that fail) and the change is published. No money is taken here, so nothing needs holding while
the provider is called: the refunds are owed from the moment the transaction commits.

Idempotency: capture and refund carry the merchant's key (scoped to the merchant); a void is
keyed by its checkout, since voiding twice is one void. A replay answers the first result.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from services.credit.checkouts.domain import (
    Caller,
    Checkout,
    CheckoutStatus,
    LineItem,
    MerchantCaller,
)
from services.credit.checkouts.money import (
    Authorisation,
    CaptureStatus,
    CheckoutChange,
    capture,
    expire,
    refund,
    void,
)
from services.credit.checkouts.ports import CheckoutRepository, CheckoutUpdates, MerchantRepository
from services.credit.checkouts.redirects import parse_return_urls
from services.credit.limits import is_id
from services.credit.payments.metered import SUCCEEDED, movement, outcome_of
from services.credit.payments.refunder import Refunder
from services.credit.plans.domain import PaymentPlan
from services.credit.plans.ports import PlanRequest, PlanStore, StoredPlan, WriteRefused
from services.credit.plans.requests import (
    CheckoutMoneyRequest,
    merchant_scope,
    parse_capture_request,
    parse_refund_request,
    refund_key,
    request_id,
)
from services.credit.webhooks.events import EventType, checkout_event, plan_events
from services.shared.errors import (
    Conflict,
    IdempotencyKeyReused,
    InvalidState,
    NotFound,
    Unauthorized,
)
from services.shared.metrics import NO_METRICS, MetricsSink
from services.shared.money import Money
from services.shared.timestamps import utc_now

logger = logging.getLogger(__name__)

# Concurrent operations on one checkout (a merchant's parallel partial refunds) are serialised
# by the plan's version and the checkout's state: a loser decides again on what the winner
# wrote, after a jittered pause, and answers Conflict (nothing written) if it keeps losing.
ATTEMPTS = 10
RETRY_BACKOFF_S = 0.01
SWEEP_SCOPE = "sweep"

Decide = Callable[[Authorisation, PaymentPlan], CheckoutChange]

# The operations counted as money movements here; refunds are counted as the card network makes
# them (`payments.metered`), and an expiry is the sweep's, not a movement anyone asked for.
MOVEMENTS = {EventType.CHECKOUT_CAPTURED: "capture", EventType.CHECKOUT_VOIDED: "void"}


def authorisation(checkout: Checkout, plan: PaymentPlan) -> Authorisation:
    """What the merchant may still capture or refund on `checkout`, whose plan is `plan`."""
    try:
        status = CaptureStatus(checkout.status.value)
    except ValueError:
        raise InvalidState(
            f"The checkout is {checkout.status.value}: no offer has been accepted",
            details={"checkoutId": checkout.id, "status": checkout.status.value},
        ) from None
    zero = Money(0, plan.principal.currency)
    return Authorisation(
        checkout_id=checkout.id,
        status=status,
        authorised=plan.principal,
        captured=checkout.captured or zero,
        refunded=checkout.refunded or zero,
        confirmed_at=plan.created_at,
    )


class CheckoutOperations:
    """Capture, void, refund and expire, over the plans, checkouts, merchants and provider.

    `metrics` hears of each capture and void attempted (not of one answered again for its key).
    """

    def __init__(
        self,
        *,
        plans: PlanStore,
        checkouts: CheckoutRepository,
        merchants: MerchantRepository,
        refunder: Refunder,
        updates: CheckoutUpdates,
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
        metrics: MetricsSink = NO_METRICS,
    ) -> None:
        self._plans = plans
        self._metrics = metrics
        self._checkouts = checkouts
        self._merchants = merchants
        self._refunder = refunder
        self._updates = updates
        self._clock = clock
        self._sleep = sleep

    def capture(self, *, caller: Caller, checkout_id: str, payload: Mapping[str, Any]) -> Checkout:
        """Capture all or part of a CONFIRMED checkout; the part not captured is released from
        the plan like a refund.

        Raises:
            ValidationError, IdempotencyKeyReused, Unauthorized.
            NotFound: no such checkout of the caller's merchant.
            InvalidState: not CONFIRMED, or its authorisation expired.
        """
        request = parse_capture_request(checkout_id, payload)
        now = self._clock()
        return self._keyed(
            caller,
            request,
            lambda auth, plan: capture(auth, plan, amount=request.amount, now=now),
            EventType.CHECKOUT_CAPTURED,
        )

    def refund(self, *, caller: Caller, checkout_id: str, payload: Mapping[str, Any]) -> Checkout:
        """Refund part or the rest of a CAPTURED checkout: the plan's remaining instalments are
        reduced from the last one back, and paid money beyond them goes back to the customer.

        Raises:
            ValidationError: an amount above what is left to refund, or in another currency.
            IdempotencyKeyReused, Unauthorized, NotFound.
            InvalidState: not CAPTURED (never captured, voided, expired or fully refunded).
        """
        request = parse_refund_request(checkout_id, payload)
        amount = request.amount
        assert amount is not None, "a refund request always names its amount"
        return self._keyed(
            caller,
            request,
            lambda auth, plan: refund(auth, plan, amount=amount),
            EventType.CHECKOUT_REFUNDED,
        )

    def void(self, *, caller: Caller, checkout_id: str) -> Checkout:
        """Void a CONFIRMED checkout before capture: the plan is cancelled and the customer's
        payments given back. Voiding a VOIDED checkout again answers it as it is.

        Raises:
            Unauthorized, NotFound.
            InvalidState: captured, expired or refunded (or no offer accepted).
        """
        checkout = self._merchants_checkout(caller, checkout_id)
        scope = merchant_scope(checkout.merchant_id)
        # Spaces cannot occur in a caller's key, so this record id is the void's alone.
        record_id = request_id(scope, f"void {checkout.id}")
        return self._operate(
            checkout,
            scope,
            record_id,
            fingerprint="void",
            decide=_void,
            event=EventType.CHECKOUT_VOIDED,
        )

    def expire(self, checkout_id: str) -> Checkout | None:
        """The sweep: expire the checkout if it was left uncaptured past its authorisation
        window (cancelling the plan, giving payments back); None when there was nothing to do."""
        checkout = self._checkouts.get(checkout_id)
        if checkout is None or checkout.status is not CheckoutStatus.CONFIRMED:
            return None
        now = self._clock()
        record_id = request_id(SWEEP_SCOPE, f"expire {checkout.id}")
        try:
            return self._operate(
                checkout,
                SWEEP_SCOPE,
                record_id,
                fingerprint="expire",
                decide=lambda auth, plan: expire(auth, plan, now=now),
                event=EventType.CHECKOUT_EXPIRED,
            )
        except InvalidState:
            return None  # not yet expired, or it moved on meanwhile

    # ------------------------------------------------------------------ helpers

    def _keyed(
        self, caller: Caller, request: CheckoutMoneyRequest, decide: Decide, event: EventType
    ) -> Checkout:
        checkout = self._merchants_checkout(caller, request.checkout_id)
        scope = merchant_scope(checkout.merchant_id)
        record_id = request_id(scope, request.idempotency_key)
        return self._operate(checkout, scope, record_id, request.fingerprint, decide, event=event)

    def _merchants_checkout(self, caller: Caller, checkout_id: str) -> Checkout:
        if not isinstance(caller, MerchantCaller):
            raise Unauthorized("Only merchants may capture, void or refund checkouts")
        checkout = self._checkouts.get(checkout_id) if is_id(checkout_id) else None
        if checkout is None:
            raise NotFound("Checkout not found")
        merchant = self._merchants.get(checkout.merchant_id)
        # Their view: until an offer is accepted it shows the applicants' best outcome, which a
        # refusal names; once bound it is the checkout as it is.
        seen = checkout.seen_by(caller, merchant)
        if seen is None:
            raise NotFound("Checkout not found")  # someone else's: not revealed
        return seen

    def _operate(
        self,
        checkout: Checkout,
        scope: str,
        record_id: str,
        fingerprint: str,
        decide: Decide,
        *,
        event: EventType,
    ) -> Checkout:
        """Decide the change on the checkout and plan as they are, and write it with its
        request record and its events (`event` for the checkout, then the plan's own)."""
        replayed = self._replay(record_id, fingerprint)
        if replayed is not None:
            return replayed
        operation = MOVEMENTS.get(event)
        if operation is None:
            return self._change(checkout, scope, record_id, fingerprint, decide, event=event)
        try:
            after = self._change(checkout, scope, record_id, fingerprint, decide, event=event)
        except Exception as exc:
            movement(self._metrics, operation, outcome_of(exc))
            raise
        movement(self._metrics, operation, SUCCEEDED)
        return after

    def _change(
        self,
        checkout: Checkout,
        scope: str,
        record_id: str,
        fingerprint: str,
        decide: Decide,
        *,
        event: EventType,
    ) -> Checkout:
        """`_operate` once no earlier answer is kept for the request: decide, write, retrying
        when a concurrent operation changed the checkout or plan first."""
        for attempt in range(ATTEMPTS):
            checkout, stored = self._with_plan(checkout)
            change = decide(authorisation(checkout, stored.plan), stored.plan)
            after = _checkout_after(checkout, change)
            record = PlanRequest(
                id=record_id,
                caller=scope,
                fingerprint=fingerprint,
                plan_id=stored.plan.id,
                payment_id=None,
                created_at=self._clock(),
                result=after.to_json(),
                refunds_due=tuple(
                    {
                        "chargeId": back.charge_id,
                        "key": refund_key(record_id, back.charge_id),
                        "amount": back.amount.amount,
                        "currency": back.amount.currency,
                    }
                    for back in change.money_back
                ),
            )
            try:
                events = [checkout_event(event, after), *plan_events(stored.plan, change.plan)]
                self._plans.update_checkout(
                    stored, change.plan, checkout, after, record, events=events
                )
            except WriteRefused:
                replayed = self._replay(record_id, fingerprint)
                if replayed is not None:  # a concurrent duplicate of this request won
                    return replayed
                # The plan or the checkout changed: decide again on what they are now.
                self._sleep(RETRY_BACKOFF_S * (attempt + 1) * (0.5 + random.random()))  # noqa: S311
                continue
            self._refunder.make_refunds(record)
            self._updates.published(after.to_json())
            return after
        raise Conflict("The checkout is busy; retry with the same idempotency key")

    def _with_plan(self, checkout: Checkout) -> tuple[Checkout, StoredPlan]:
        """The checkout and its plan, read together now."""
        both = (
            self._plans.with_checkout(checkout.id, checkout.plan_id) if checkout.plan_id else None
        )
        if both is None:
            raise InvalidState(
                f"The checkout is {checkout.status.value}: no offer has been accepted",
                details={"checkoutId": checkout.id, "status": checkout.status.value},
            )
        return both

    def _replay(self, record_id: str, fingerprint: str) -> Checkout | None:
        record = self._plans.get_request(record_id)
        if record is None:
            return None
        if record.fingerprint != fingerprint or record.result is None:
            raise IdempotencyKeyReused(
                "This idempotency key was used for a different request",
                details={"field": "idempotencyKey"},
            )
        self._refunder.make_refunds(record)  # those an earlier attempt could not make
        return checkout_from_json(record.result)


def _void(auth: Authorisation, plan: PaymentPlan) -> CheckoutChange:
    return void(auth, plan)


def _checkout_after(checkout: Checkout, change: CheckoutChange) -> Checkout:
    auth = change.authorisation
    return replace(
        checkout,
        status=CheckoutStatus(auth.status.value),
        captured=auth.captured if auth.captured.amount else None,
        refunded=auth.refunded if auth.refunded.amount else None,
    )


def checkout_from_json(body: Mapping[str, Any]) -> Checkout:
    """The checkout `Checkout.to_json` described (a stored answer, replayed).

    Example:
        >>> from datetime import UTC
        >>> from services.credit.checkouts.domain import CheckoutRequest
        >>> request = CheckoutRequest(merchant_id="m", merchant_reference="r",
        ...     amount=Money(100, "GBP"), items=())
        >>> checkout = Checkout.open(request, checkout_id="c", now=datetime(2026, 1, 1, tzinfo=UTC))
        >>> checkout_from_json(checkout.to_json()) == checkout
        True
    """

    def money(value: Any) -> Money | None:
        return None if value is None else Money(int(value["amount"]), str(value["currency"]))

    amount = money(body["amount"])
    assert amount is not None, "a checkout always has an amount"
    return Checkout(
        id=body["id"],
        merchant_id=body["merchantId"],
        merchant_reference=body["merchantReference"],
        amount=amount,
        items=tuple(
            LineItem(
                sku=item["sku"],
                name=item["name"],
                quantity=int(item["quantity"]),
                unit_price=Money(int(item["unitPrice"]["amount"]), item["unitPrice"]["currency"]),
            )
            for item in body["items"]
        ),
        status=CheckoutStatus(body["status"]),
        customer_id=body.get("customerId"),
        expires_at=datetime.fromisoformat(body["expiresAt"]),
        created_at=datetime.fromisoformat(body["createdAt"]),
        application_id=body.get("applicationId"),
        plan_id=body.get("planId"),
        captured=money(body.get("capturedAmount")),
        refunded=money(body.get("refundedAmount")),
        return_urls=parse_return_urls(body),
    )
