"""What the application use cases need of storage: the applications we hold, and how a
decision's write can be refused."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from services.credit.applications.domain import CreditApplication
from services.credit.checkouts.domain import Checkout
from services.credit.webhooks.events import EventDraft


class LeaseLost(Exception):  # noqa: N818 - a condition, not an error the API answers
    """Another run holds (or has finished) this application's workflow."""


class CheckoutUnavailable(Exception):  # noqa: N818 - a condition, not an error the API answers
    """The checkout no longer takes this decision (bound, expired, full of applicants, gone)."""


class ApplicationStore(Protocol):
    """The applications we hold."""

    def get(self, application_id: str) -> CreditApplication | None: ...

    def get_with_checkout(
        self, application_id: str, checkout_id: str | None
    ) -> tuple[CreditApplication | None, Checkout | None]:
        """The application and the checkout it is for (None for an absent one, or when
        `checkout_id` is None), read together."""
        ...

    def create(self, application: CreditApplication, *, owner: str) -> bool:
        """Store a new PENDING application whose first run `owner` holds (until
        `application.lease_until`); False, writing nothing, when the id exists."""
        ...

    def acquire(self, application_id: str, *, owner: str, now: datetime, until: datetime) -> bool:
        """Take the workflow of a PENDING application whose lease is free or lapsed."""
        ...

    def save_progress(
        self, application_id: str, *, owner: str, steps: Sequence[Mapping[str, Any]]
    ) -> None:
        """Keep an undecided run's steps and free the lease (a retry may run again)."""
        ...

    def decide(
        self,
        application: CreditApplication,
        *,
        owner: str,
        now: datetime,
        events: Sequence[EventDraft] = (),
        first_events: bool = False,
    ) -> None:
        """Write the decision and make it its customer's entry among the checkout's applicants,
        with `events` in the outbox, atomically. `first_events`: the caller saw the checkout
        with no event yet (nobody had applied), so the outbox need not look up its last.

        Raises:
            LeaseLost: this run no longer holds the application.
            CheckoutUnavailable: the checkout is bound or expired, or has
                `MAX_APPLICANTS_PER_CHECKOUT` applicants of whom this customer is none.
        """
        ...

    def settle(
        self, application: CreditApplication, *, now: datetime, events: Sequence[EventDraft] = ()
    ) -> None:
        """Write an underwriter's settlement of a REFERRED application and its outcome in its
        customer's entry on the checkout, with `events` in the outbox, atomically.

        Raises:
            LeaseLost: the application is no longer REFERRED (settled by someone else).
            CheckoutUnavailable: the checkout is bound or expired, or its customer's entry is no
                longer this referral.
        """
        ...
