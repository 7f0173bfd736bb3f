"""Leases kept in the items they hold (`leases` has what a lease is and why)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.condition import Condition

from services.credit.checkout_items import adopt_single_applicant
from services.credit.checkouts.domain import CheckoutStatus
from services.credit.models import (
    CheckoutModel,
    PlanModel,
    applicant_entries,
    applicant_key,
    lease_removal,
)
from services.credit.payments.leases import (
    CLAIM_ATTEMPTS,
    Acceptor,
    HeldItem,
    ItemMoved,
    Lease,
    LeaseHeld,
)
from services.credit.plans.requests import plan_id_for
from services.shared.dynamodb import bind
from services.shared.errors import DependencyFailure
from services.shared.settings import Settings

logger = logging.getLogger(__name__)


def _lease_of(item: CheckoutModel | PlanModel) -> Lease | None:
    if not item.lease_owner or item.lease_until is None:
        return None
    lease = Lease(
        owner=item.lease_owner, charge_key=item.lease_charge_key or "", until=item.lease_until
    )
    if isinstance(item, CheckoutModel):
        lease = replace(
            lease, customer_id=item.lease_customer_id, application_id=item.lease_application_id
        )
    return lease


class DynamoLeaseStore:
    """Leases on checkouts (first payments) and plans (instalments), in their own items."""

    def __init__(self, settings: Settings) -> None:
        self._checkouts = bind(CheckoutModel, settings)
        self._plans = bind(PlanModel, settings)

    def claim_checkout(
        self, checkout_id: str, lease: Lease, *, acceptor: Acceptor | None, now: datetime
    ) -> Lease | None:
        """See `LeaseStore.claim_checkout`: a conditional update on the checkout's item."""
        model = self._checkouts
        if acceptor is None:
            return self._claim(model, checkout_id, lease, now=now, state=None)
        entry = model.applicants[applicant_key(acceptor.customer_id)]
        state = (
            (model.status == CheckoutStatus.CREATED.value)
            & model.plan_id.does_not_exist()
            & (entry["applicationId"] == acceptor.application_id)
        )

        def open_for(item: CheckoutModel) -> bool:
            entries = applicant_entries(item) or {}
            mine = entries.get(applicant_key(acceptor.customer_id)) or {}
            return (
                item.status == CheckoutStatus.CREATED.value
                and not item.plan_id
                and mine.get("applicationId") == acceptor.application_id
            )

        # The sweep settles a lease that outlives its request, and needs to know for whom.
        whose = [
            model.lease_customer_id.set(acceptor.customer_id),
            model.lease_application_id.set(acceptor.application_id),
        ]
        claim = partial(
            self._claim, model, checkout_id, lease, now=now, state=state, holds=open_for, also=whose
        )
        try:
            return claim()
        except ItemMoved:
            # A checkout stored with its one applicant as its own status gets its applicants
            # map, then is held like any other.
            if not adopt_single_applicant(model, checkout_id):
                raise
            return claim()

    def claim_plan(self, plan_id: str, lease: Lease, *, now: datetime) -> Lease | None:
        """See `LeaseStore.claim_plan`."""
        return self._claim(self._plans, plan_id, lease, now=now, state=None)

    def release_checkout(self, checkout_id: str, owner: str) -> None:
        """Let go of the checkout, if `owner` still holds it."""
        self._release(self._checkouts, checkout_id, owner)

    def release_plan(self, plan_id: str, owner: str) -> None:
        """Let go of the plan, if `owner` still holds it."""
        self._release(self._plans, plan_id, owner)

    def expired_checkouts(self, now: datetime) -> list[HeldItem]:
        """Checkouts whose lease ran out: requests that died while charging (a sweep's scan)."""
        return self._expired(self._checkouts, now)

    def expired_plans(self, now: datetime) -> list[HeldItem]:
        """Plans whose lease ran out; see `expired_checkouts`."""
        return self._expired(self._plans, now)

    def _claim(
        self,
        model: Any,
        key: str,
        lease: Lease,
        *,
        now: datetime,
        state: Condition | None,
        holds: Callable[[Any], bool] | None = None,
        also: list[Any] | None = None,
    ) -> Lease | None:
        """`state` is the condition the write requires; `holds` says the same of a read item;
        `also` are further actions of the claim."""
        for _ in range(CLAIM_ATTEMPTS):
            try:
                item = model.get(key, consistent_read=True)
            except DoesNotExist:
                raise ItemMoved(key) from None
            if holds is not None and not holds(item):
                raise ItemMoved(key)
            held = _lease_of(item)
            if held is not None and held.owner != lease.owner and held.until > now:
                raise LeaseHeld(held.owner)
            # Only over what we saw: a claim that raced ours makes this condition fail.
            seen = (
                model.lease_owner.does_not_exist()
                if held is None
                else model.lease_owner == held.owner
            )
            condition = seen if state is None else seen & state
            try:
                item.update(
                    actions=[
                        model.lease_owner.set(lease.owner),
                        model.lease_charge_key.set(lease.charge_key),
                        model.lease_until.set(lease.until),
                        *(also or []),
                    ],
                    condition=condition,
                )
            except UpdateError as exc:
                if exc.cause_response_code != "ConditionalCheckFailedException":
                    logger.warning("lease on %s failed: %r", key, exc)
                    raise DependencyFailure("Could not hold the item; nothing was charged") from exc
                continue
            return held if held is not None and held.owner != lease.owner else None
        # Lost every race for it: someone else is at it (or it moved on; the caller re-reads).
        item = self._get(model, key)
        if item is None:
            raise ItemMoved(key)
        if item.lease_owner == lease.owner:  # a duplicate of this request holds it: go on
            return None
        raise LeaseHeld(item.lease_owner or "")

    def _release(self, model: Any, key: str, owner: str) -> None:
        try:
            model(key).update(actions=lease_removal(model), condition=model.lease_owner == owner)
        except (UpdateError, PutError) as exc:
            # Taken over, or already released: either way not ours to let go any more.
            logger.info("lease on %s not released: %s", key, exc.cause_response_code)

    @staticmethod
    def _get(model: Any, key: str) -> Any:
        try:
            return model.get(key, consistent_read=True)
        except DoesNotExist:
            return None

    @staticmethod
    def _expired(model: Any, now: datetime) -> list[HeldItem]:
        found = []
        for item in model.scan(model.lease_until < now):
            lease = _lease_of(item)
            if lease is None:
                continue
            customer_id = item.customer_id
            if isinstance(item, PlanModel):
                plan_id: str | None = item.id
            else:  # the plan the leaseholder was creating, for the shopper it was creating it
                application_id = lease.application_id or item.application_id
                plan_id = plan_id_for(application_id) if application_id else None
                customer_id = lease.customer_id or customer_id
            found.append(
                HeldItem(
                    item_id=item.id, customer_id=customer_id or "", plan_id=plan_id, lease=lease
                )
            )
        return found
