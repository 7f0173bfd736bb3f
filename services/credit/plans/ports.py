"""The plan store's port: what the plan use cases need of storage, and the records it keeps.

`DynamoPlanStore` (`services.credit.plans.store`) is the adapter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from services.credit.checkouts.domain import Checkout
from services.credit.plans.domain import PaymentPlan
from services.credit.webhooks.events import EventDraft


class WriteRefused(Exception):  # noqa: N818 - a condition, not an error the API answers
    """A condition of the write failed (a duplicate, or the plan or checkout moved on)."""


@dataclass(frozen=True, kw_only=True)
class PlanRequest:
    """The idempotency record of one request: what was asked and what it made.

    Attributes:
        caller: the customer's sub, or `merchant:<id>` for a merchant's request.
        result: a merchant request's answer (the checkout), replayed as it was.
        refunds_due: refunds the request owes and has not made yet (`{chargeId, key, amount,
            currency}` each); the sweep makes them if the request could not.
        abandoned: the request died holding a lease and its charge was given back.
    """

    id: str
    caller: str
    fingerprint: str
    plan_id: str
    payment_id: str | None
    created_at: datetime
    result: dict[str, Any] | None = None
    refunds_due: tuple[dict[str, Any], ...] = field(default=())
    abandoned: bool = False


@dataclass(frozen=True)
class StoredPlan:
    """A plan and the version it was read at."""

    plan: PaymentPlan
    version: int


class PlanStore(Protocol):
    """The plans we hold."""

    def get(self, plan_id: str) -> StoredPlan | None: ...

    def with_checkout(self, checkout_id: str, plan_id: str) -> tuple[Checkout, StoredPlan] | None:
        """A checkout and its plan as they were at one moment (no operation half seen), or
        None if either is missing."""
        ...

    def get_request(self, request_id: str) -> PlanRequest | None: ...

    def create(
        self,
        plan: PaymentPlan,
        request: PlanRequest,
        *,
        application_id: str,
        now: datetime,
        events: Sequence[EventDraft] = (),
    ) -> None:
        """Write a new plan, its request record and its checkout's move to CONFIRMED, bound to
        the plan's customer, with `events` in the outbox, atomically.

        Raises:
            WriteRefused: the plan or record exists; the checkout is bound, expired, or does not
                record `application_id` as the customer's APPROVED application; or the request
                does not hold the checkout's lease.
        """
        ...

    def update(
        self,
        stored: StoredPlan,
        plan: PaymentPlan,
        request: PlanRequest,
        events: Sequence[EventDraft] = (),
    ) -> None:
        """Write `plan` over `stored` (if still at its version and leased to the request) with
        the request's record and `events`, and let the lease go.

        Raises:
            WriteRefused: the plan changed since it was read, the lease is not the request's,
                or the record exists.
        """
        ...

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
        """A merchant's operation: `plan` over `stored` (at its version), the checkout from
        `before`'s status to `after`, the request's record and `events`, atomically.

        Raises:
            WriteRefused: the plan or the checkout changed since they were read, or the record
                exists.
        """
        ...

    def abandon(self, request: PlanRequest) -> None:
        """Record a request that died holding a lease (nothing if its record exists)."""
        ...

    def refunds_made(self, request_id: str) -> None:
        """The request's refunds are all made: forget them."""
        ...

    def requests_owing_refunds(self) -> list[PlanRequest]:
        """Requests whose refunds are not all made yet (a sweep's scan)."""
        ...

    def active_plans(self) -> list[StoredPlan]:
        """Every ACTIVE plan (a sweep's scan)."""
        ...

    def save(
        self, stored: StoredPlan, plan: PaymentPlan, events: Sequence[EventDraft] = ()
    ) -> None:
        """Write `plan` over `stored` if still at its version, with `events` (the sweep's late
        fees).

        Raises:
            WriteRefused: the plan changed since it was read.
        """
        ...

    def list_for_customer(
        self, customer_id: str, *, limit: int, next_token: str | None
    ) -> tuple[list[PaymentPlan], str | None]:
        """A customer's plans, newest first, a page at a time."""
        ...
