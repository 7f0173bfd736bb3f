"""Where payment plans and the idempotency records of their requests are kept (DynamoDB).

- A plan is one item (instalments and payments inside, `plan_documents`) with a `version`;
  every change is a conditional write on the version it was read at, so two changes of one plan
  cannot both be recorded.
- Accepting an offer writes the plan (only if new), its request record (only if new) and the
  checkout's move CREATED -> CONFIRMED, binding it to the shopper (only while bound to nobody,
  with this application the shopper's among its applicants, in time, by the request holding
  its lease) in one transaction: all of it or none of it.
- A payment writes the plan's new version and its request record in one transaction, by the
  request holding the plan's lease (`services.credit.payments.leases`), which the write lets go.
- A merchant's operation decides on the checkout and plan read together (one transactional
  read, so never one before and the other after a concurrent operation), then writes the plan,
  the checkout's move and its request record (with the refunds it owes, until they are made)
  in one transaction.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from pynamodb.exceptions import (
    DoesNotExist,
    PutError,
    PynamoDBException,
    TransactGetError,
    TransactWriteError,
)
from pynamodb.transactions import TransactGet

from services.credit.checkout_items import to_domain as checkout_of
from services.credit.checkouts.domain import Checkout, CheckoutStatus
from services.credit.models import (
    CheckoutModel,
    PlanModel,
    PlanRequestModel,
    applicant_key,
    lease_removal,
)
from services.credit.paging import decode_token, encode_token
from services.credit.plans import audit
from services.credit.plans.documents import plan_from_json, plan_to_json
from services.credit.plans.domain import PaymentPlan
from services.credit.plans.ports import PlanRequest, StoredPlan, WriteRefused
from services.credit.webhooks.events import EventDraft
from services.credit.webhooks.outbox import Outbox
from services.shared.audit.chain import Change, Entry, Head
from services.shared.audit.store import (
    AuditedTransactWrite,
    AuditLog,
    head_action,
    head_value,
)
from services.shared.dynamodb import bind, connection
from services.shared.errors import DependencyFailure
from services.shared.settings import Settings

logger = logging.getLogger(__name__)

CONFLICT_RETRIES = 5
CONFLICT_BACKOFF_S = 0.02


class DynamoPlanStore:
    """Plans in `plans`, request records in `plan_requests` (see the module docstring)."""

    def __init__(self, settings: Settings, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self._plans = bind(PlanModel, settings)
        self._requests = bind(PlanRequestModel, settings)
        self._checkouts = bind(CheckoutModel, settings)
        self._sleep = sleep
        self._connection = connection(settings)
        self._outbox = Outbox(settings)
        self._audit = AuditLog(settings)

    def get(self, plan_id: str) -> StoredPlan | None:
        """The plan, or None (strongly consistent)."""
        try:
            item = self._plans.get(plan_id, consistent_read=True)
        except DoesNotExist:
            return None
        return StoredPlan(plan_from_json(item.document), int(item.version))

    def with_checkout(self, checkout_id: str, plan_id: str) -> tuple[Checkout, StoredPlan] | None:
        """See `PlanStore.with_checkout`."""
        for attempt in range(CONFLICT_RETRIES + 1):
            try:
                with TransactGet(connection=self._connection) as transaction:
                    checkout = transaction.get(self._checkouts, checkout_id)
                    plan = transaction.get(self._plans, plan_id)
            except TransactGetError as exc:
                # Cancelled while a transaction writes either item: read again once it is done.
                cancelled = exc.cause_response_code == "TransactionCanceledException"
                if cancelled and attempt < CONFLICT_RETRIES:
                    self._sleep(CONFLICT_BACKOFF_S * (attempt + 1) * (1 + random.random()))  # noqa: S311
                    continue
                logger.warning("reading checkout %s failed: %r", checkout_id, exc)
                raise DependencyFailure("The plan store is unavailable; try again") from exc
            try:
                plan_item = plan.get()
                checkout_item = checkout.get()
            except DoesNotExist:  # pragma: no cover - neither is ever deleted
                return None
            stored = StoredPlan(plan_from_json(plan_item.document), int(plan_item.version))
            return checkout_of(checkout_item), stored
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def get_request(self, request_id: str) -> PlanRequest | None:
        """The request record, or None (strongly consistent)."""
        try:
            item = self._requests.get(request_id, consistent_read=True)
        except DoesNotExist:
            return None
        return _request_of(item)

    def create(
        self,
        plan: PaymentPlan,
        request: PlanRequest,
        *,
        application_id: str,
        now: datetime,
        events: Sequence[EventDraft] = (),
    ) -> None:
        """See `PlanStore.create`."""
        plans, checkouts = self._plans, self._checkouts
        change = audit.accepted(plan, request, application_id=application_id)

        def write(transaction: AuditedTransactWrite) -> None:
            # A new plan: its audit stream starts here.
            entry = self._audit.entry(audit.stream(plan.id), change, Head())
            item = self._plan_item(plan, version=1, application_id=application_id)
            item.audit_head = head_value(entry)
            transaction.save(item, condition=plans.id.does_not_exist())
            transaction.save(
                self._request_item(request), condition=self._requests.id.does_not_exist()
            )
            mine = checkouts.applicants[applicant_key(plan.customer_id)]
            transaction.update(
                checkouts(plan.checkout_id),
                actions=[
                    checkouts.status.set(CheckoutStatus.CONFIRMED.value),
                    checkouts.customer_id.set(plan.customer_id),
                    checkouts.application_id.set(application_id),
                    checkouts.plan_id.set(plan.id),
                    *lease_removal(checkouts),
                ],
                condition=(checkouts.status == CheckoutStatus.CREATED.value)
                & checkouts.plan_id.does_not_exist()
                & (mine["applicationId"] == application_id)
                & (mine["outcome"] == CheckoutStatus.APPROVED.value)
                & (checkouts.expires_at > now)
                & (checkouts.lease_owner == request.id),
            )
            self._audit.stage(transaction, entry)

        self._transact(write, "plan", events)

    def update(
        self,
        stored: StoredPlan,
        plan: PaymentPlan,
        request: PlanRequest,
        events: Sequence[EventDraft] = (),
    ) -> None:
        """See `PlanStore.update`."""
        plans = self._plans
        change = audit.paid(stored.plan, plan, request)

        def write(transaction: AuditedTransactWrite) -> None:
            entry = self._audit_entry(plan.id, change)
            transaction.update(
                plans(plan.id),
                actions=[
                    *self._plan_actions(stored, plan),
                    *lease_removal(plans),
                    head_action(plans, entry),
                ],
                condition=(plans.version == stored.version) & (plans.lease_owner == request.id),
            )
            transaction.save(
                self._request_item(request), condition=self._requests.id.does_not_exist()
            )
            self._audit.stage(transaction, entry)

        self._transact(write, "payment", events)

    def update_checkout(
        self,
        stored: StoredPlan,
        plan: PaymentPlan,
        before: Checkout,
        after: Checkout,
        request: PlanRequest,
        *,
        events: Sequence[EventDraft] = (),
    ) -> None:
        """See `PlanStore.update_checkout`."""
        plans, checkouts = self._plans, self._checkouts
        money = [
            checkouts.captured_amount.set(after.captured.amount)
            if after.captured
            else checkouts.captured_amount.remove(),
            checkouts.refunded_amount.set(after.refunded.amount)
            if after.refunded
            else checkouts.refunded_amount.remove(),
        ]

        change = audit.merchant_operation(stored.plan, plan, before, after, request)

        def write(transaction: AuditedTransactWrite) -> None:
            entry = self._audit_entry(plan.id, change)
            transaction.update(
                plans(plan.id),
                actions=[*self._plan_actions(stored, plan), head_action(plans, entry)],
                condition=plans.version == stored.version,
            )
            transaction.update(
                checkouts(after.id),
                actions=[checkouts.status.set(after.status.value), *money],
                condition=(checkouts.status == before.status.value)
                & (checkouts.plan_id == plan.id)
                # Partial refunds keep the status: the amount read is what stops a lost update.
                & (
                    checkouts.refunded_amount == before.refunded.amount
                    if before.refunded
                    else checkouts.refunded_amount.does_not_exist()
                ),
            )
            transaction.save(
                self._request_item(request), condition=self._requests.id.does_not_exist()
            )
            self._audit.stage(transaction, entry)

        self._transact(write, "checkout", events)

    def abandon(self, request: PlanRequest) -> None:
        """See `PlanStore.abandon`."""
        try:
            self._request_item(request).save(condition=self._requests.id.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise DependencyFailure("Could not record the abandoned request") from exc

    def refunds_made(self, request_id: str) -> None:
        """See `PlanStore.refunds_made`."""
        requests = self._requests
        try:
            requests(request_id).update(
                actions=[requests.refunds_due.remove()], condition=requests.id.exists()
            )
        except PynamoDBException as exc:
            # The refunds are made; the sweep will find them made again, harmlessly.
            logger.warning("could not mark the refunds of %s made: %r", request_id, exc)

    def requests_owing_refunds(self) -> list[PlanRequest]:
        """See `PlanStore.requests_owing_refunds`."""
        requests = self._requests
        return [_request_of(i) for i in requests.scan(requests.refunds_due.exists())]

    def active_plans(self) -> list[StoredPlan]:
        """See `PlanStore.active_plans`."""
        plans = self._plans
        return [
            StoredPlan(plan_from_json(item.document), int(item.version))
            for item in plans.scan(plans.status == "ACTIVE")
        ]

    def save(
        self, stored: StoredPlan, plan: PaymentPlan, events: Sequence[EventDraft] = ()
    ) -> None:
        """See `PlanStore.save`."""
        plans = self._plans
        change = audit.marked_late(stored.plan, plan)

        def write(transaction: AuditedTransactWrite) -> None:
            entry = self._audit_entry(plan.id, change)
            transaction.update(
                plans(plan.id),
                actions=[*self._plan_actions(stored, plan), head_action(plans, entry)],
                condition=plans.version == stored.version,
            )
            self._audit.stage(transaction, entry)

        self._transact(write, "plan", events)

    def list_for_customer(
        self, customer_id: str, *, limit: int, next_token: str | None
    ) -> tuple[list[PaymentPlan], str | None]:
        """See `PlanStore.list_for_customer`; `next_token` is opaque to callers."""
        start = (
            decode_token(next_token, attribute="customer_id", value=customer_id)
            if next_token
            else None
        )
        try:
            page = self._plans.by_customer.query(
                customer_id,
                scan_index_forward=False,
                limit=limit,
                last_evaluated_key=start,
            )
            plans = [plan_from_json(item.document) for item in page]
            last = page.last_evaluated_key
        except PynamoDBException as exc:
            logger.warning("listing plans failed: %r", exc)
            raise DependencyFailure("The plan store is unavailable") from exc
        return plans, encode_token(last) if last else None

    def _plan_item(self, plan: PaymentPlan, *, version: int, application_id: str) -> PlanModel:
        return self._plans(
            plan.id,
            customer_id=plan.customer_id,
            checkout_id=plan.checkout_id,
            application_id=application_id,
            status=plan.status.value,
            version=version,
            created_at=plan.created_at,
            document=plan_to_json(plan),
        )

    def _audit_entry(self, plan_id: str, change: Change) -> Entry:
        """The plan's next audit entry, on its head as read now: the write's condition on the
        plan's version makes sure nothing came between (a stale read loses the entry's slot)."""
        return self._audit.entry(
            audit.stream(plan_id), change, self._audit.head(self._plans, plan_id)
        )

    def _plan_actions(self, stored: StoredPlan, plan: PaymentPlan) -> list[Any]:
        plans = self._plans
        return [
            plans.document.set(plan_to_json(plan)),
            plans.status.set(plan.status.value),
            plans.version.set(stored.version + 1),
        ]

    def _request_item(self, request: PlanRequest) -> PlanRequestModel:
        return self._requests(
            request.id,
            customer_id=request.caller,
            fingerprint=request.fingerprint,
            plan_id=request.plan_id,
            payment_id=request.payment_id,
            created_at=request.created_at,
            result=request.result,
            refunds_due=list(request.refunds_due) or None,
            abandoned=request.abandoned or None,
        )

    def _transact(
        self,
        write: Callable[[AuditedTransactWrite], None],
        what: str,
        events: Sequence[EventDraft],
    ) -> None:
        for attempt in range(CONFLICT_RETRIES + 1):
            try:
                self._outbox.transact(self._connection, write, events)
            except TransactWriteError as exc:
                codes = [r.code if r else None for r in exc.cancellation_reasons]
                if "ConditionalCheckFailed" in codes:
                    raise WriteRefused(codes) from exc
                if "TransactionConflict" in codes and attempt < CONFLICT_RETRIES:
                    self._sleep(CONFLICT_BACKOFF_S * (attempt + 1) * (1 + random.random()))  # noqa: S311
                    continue
                logger.warning("%s transaction failed: %s %s", what, exc.cause_response_code, codes)
                raise DependencyFailure(f"Could not store the {what}; nothing was written") from exc
            return


def _request_of(item: PlanRequestModel) -> PlanRequest:
    return PlanRequest(
        id=item.id,
        caller=item.customer_id,
        fingerprint=item.fingerprint,
        plan_id=item.plan_id,
        payment_id=item.payment_id,
        created_at=item.created_at,
        result=item.result,
        refunds_due=tuple(item.refunds_due or ()),
        abandoned=bool(item.abandoned),
    )
