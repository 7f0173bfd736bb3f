"""Where payment plans and the idempotency records of their payments are kept (DynamoDB).

- A plan is one item (instalments and payments inside) with a `version`; every change is a
  conditional write on the version it was read at, so two payments of one instalment cannot
  both be recorded.
- Accepting an offer writes the plan (only if new), its request record (only if new) and the
  checkout's move APPROVED -> CONFIRMED (only from APPROVED, for this application, in time) in
  one transaction: all of it or none of it.
- A payment writes the plan's new version and its request record in one transaction.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, PynamoDBException, TransactWriteError
from pynamodb.transactions import TransactWrite

from services.credit.domain import CheckoutStatus
from services.credit.models import CheckoutModel, PlanModel, PlanRequestModel
from services.credit.plans import (
    Instalment,
    InstalmentStatus,
    Payment,
    PaymentPlan,
    PaymentStatus,
    PlanStatus,
)
from services.shared.dynamodb import CONNECT_TIMEOUT_S, READ_TIMEOUT_S, bind
from services.shared.errors import DependencyFailure, ValidationError
from services.shared.money import Money
from services.shared.settings import Settings

logger = logging.getLogger(__name__)

CONFLICT_RETRIES = 5
CONFLICT_BACKOFF_S = 0.02


class WriteRefused(Exception):  # noqa: N818 - a condition, not an error the API answers
    """A condition of the write failed (a duplicate, or the plan or checkout moved on)."""


@dataclass(frozen=True, kw_only=True)
class PlanRequest:
    """The idempotency record of one request: what was asked and what it made."""

    id: str
    customer_id: str
    fingerprint: str
    plan_id: str
    payment_id: str
    created_at: datetime


@dataclass(frozen=True)
class StoredPlan:
    """A plan and the version it was read at."""

    plan: PaymentPlan
    version: int


class PlanStore(Protocol):
    """The plans we hold."""

    def get(self, plan_id: str) -> StoredPlan | None: ...

    def get_request(self, request_id: str) -> PlanRequest | None: ...

    def create(
        self, plan: PaymentPlan, request: PlanRequest, *, application_id: str, now: datetime
    ) -> None:
        """Write a new plan, its request record and its checkout's move to CONFIRMED, atomically.

        Raises:
            WriteRefused: the plan or record exists, or the checkout is not APPROVED (in time).
        """
        ...

    def update(self, stored: StoredPlan, plan: PaymentPlan, request: PlanRequest) -> None:
        """Write `plan` over `stored` (if still at its version) with the request's record.

        Raises:
            WriteRefused: the plan changed since it was read, or the record exists.
        """
        ...

    def list_for_customer(
        self, customer_id: str, *, limit: int, next_token: str | None
    ) -> tuple[list[PaymentPlan], str | None]:
        """A customer's plans, newest first, a page at a time."""
        ...


class DynamoPlanStore:
    """Plans in `plans`, request records in `plan_requests` (see the module docstring)."""

    def __init__(self, settings: Settings, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self._plans = bind(PlanModel, settings)
        self._requests = bind(PlanRequestModel, settings)
        self._checkouts = bind(CheckoutModel, settings)
        self._sleep = sleep
        self._connection = Connection(
            region=settings.region,
            host=settings.dynamodb_endpoint,
            connect_timeout_seconds=CONNECT_TIMEOUT_S,
            read_timeout_seconds=READ_TIMEOUT_S,
        )

    def get(self, plan_id: str) -> StoredPlan | None:
        """The plan, or None (strongly consistent)."""
        try:
            item = self._plans.get(plan_id, consistent_read=True)
        except DoesNotExist:
            return None
        return StoredPlan(plan_from_json(item.document), int(item.version))

    def get_request(self, request_id: str) -> PlanRequest | None:
        """The request record, or None (strongly consistent)."""
        try:
            item = self._requests.get(request_id, consistent_read=True)
        except DoesNotExist:
            return None
        return PlanRequest(
            id=item.id,
            customer_id=item.customer_id,
            fingerprint=item.fingerprint,
            plan_id=item.plan_id,
            payment_id=item.payment_id,
            created_at=item.created_at,
        )

    def create(
        self, plan: PaymentPlan, request: PlanRequest, *, application_id: str, now: datetime
    ) -> None:
        """See `PlanStore.create`."""
        plans, checkouts = self._plans, self._checkouts

        def write(transaction: TransactWrite) -> None:
            transaction.save(
                self._plan_item(plan, version=1, application_id=application_id),
                condition=plans.id.does_not_exist(),
            )
            transaction.save(
                self._request_item(request), condition=self._requests.id.does_not_exist()
            )
            transaction.update(
                checkouts(plan.checkout_id),
                actions=[
                    checkouts.status.set(CheckoutStatus.CONFIRMED.value),
                    checkouts.plan_id.set(plan.id),
                ],
                condition=(checkouts.status == CheckoutStatus.APPROVED.value)
                & (checkouts.application_id == application_id)
                & (checkouts.customer_id == plan.customer_id)
                & (checkouts.expires_at > now),
            )

        self._transact(write, "plan")

    def update(self, stored: StoredPlan, plan: PaymentPlan, request: PlanRequest) -> None:
        """See `PlanStore.update`."""
        plans = self._plans

        def write(transaction: TransactWrite) -> None:
            transaction.update(
                plans(plan.id),
                actions=[
                    plans.document.set(plan_to_json(plan)),
                    plans.status.set(plan.status.value),
                    plans.version.set(stored.version + 1),
                ],
                condition=plans.version == stored.version,
            )
            transaction.save(
                self._request_item(request), condition=self._requests.id.does_not_exist()
            )

        self._transact(write, "payment")

    def list_for_customer(
        self, customer_id: str, *, limit: int, next_token: str | None
    ) -> tuple[list[PaymentPlan], str | None]:
        """See `PlanStore.list_for_customer`; `next_token` is opaque to callers."""
        start = _decode_token(next_token, customer_id) if next_token else None
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
        return plans, _encode_token(last) if last else None

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

    def _request_item(self, request: PlanRequest) -> PlanRequestModel:
        return self._requests(
            request.id,
            customer_id=request.customer_id,
            fingerprint=request.fingerprint,
            plan_id=request.plan_id,
            payment_id=request.payment_id,
            created_at=request.created_at,
        )

    def _transact(self, write: Callable[[TransactWrite], None], what: str) -> None:
        for attempt in range(CONFLICT_RETRIES + 1):
            try:
                with TransactWrite(connection=self._connection) as transaction:
                    write(transaction)
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


# ---------------------------------------------------------------------- the stored document


def _money(value: dict[str, Any]) -> Money:
    return Money(int(value["amount"]), str(value["currency"]))


def plan_to_json(plan: PaymentPlan) -> dict[str, Any]:
    """Everything a plan holds (the API's fields and the bookkeeping ones), as JSON."""
    return {
        **plan.to_json(),
        "refunded": plan.refunded.to_json(),
        "feesWaived": plan.fees_waived.to_json(),
        "instalments": [{**i.to_json(), "lateFee": i.late_fee.to_json()} for i in plan.instalments],
        "payments": [
            {**p.to_json(), "chargeId": p.charge_id, "refunded": p.refunded.to_json()}
            for p in plan.payments
        ],
    }


def plan_from_json(document: dict[str, Any]) -> PaymentPlan:
    """The plan `plan_to_json` wrote."""
    return PaymentPlan(
        id=document["id"],
        checkout_id=document["checkoutId"],
        customer_id=document["customerId"],
        status=PlanStatus(document["status"]),
        principal=_money(document["principal"]),
        total_payable=_money(document["totalPayable"]),
        instalments=tuple(
            Instalment(
                number=int(i["number"]),
                due_date=date.fromisoformat(i["dueDate"]),
                amount=_money(i["amount"]),
                status=InstalmentStatus(i["status"]),
                late_fee=_money(i["lateFee"]),
                paid_at=datetime.fromisoformat(i["paidAt"]) if i.get("paidAt") else None,
            )
            for i in document["instalments"]
        ),
        payments=tuple(
            Payment(
                id=p["id"],
                plan_id=p["planId"],
                amount=_money(p["amount"]),
                status=PaymentStatus(p["status"]),
                instalment_numbers=tuple(int(n) for n in p["instalmentNumbers"]),
                charge_id=p["chargeId"],
                card_last4=p.get("cardLast4"),
                failure_code=p.get("failureCode"),
                created_at=datetime.fromisoformat(p["createdAt"]),
                refunded=_money(p["refunded"]),
            )
            for p in document["payments"]
        ),
        created_at=datetime.fromisoformat(document["createdAt"]),
        refunded=_money(document["refunded"]),
        fees_waived=_money(document["feesWaived"]),
    )


def _encode_token(key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, sort_keys=True).encode()).decode()


def _decode_token(token: str, customer_id: str) -> dict[str, Any]:
    try:
        key = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, binascii.Error):
        raise ValidationError("nextToken is not valid", field="nextToken") from None
    # A token names a position in the caller's own list only.
    if not isinstance(key, dict) or key.get("customer_id") != {"S": customer_id}:
        raise ValidationError("nextToken is not valid", field="nextToken")
    return key
