"""What the application use cases need of storage: the applications we hold, and how a
decision's write can be refused."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from services.credit.applications.domain import CreditApplication
from services.credit.checkouts.domain import Checkout
from services.credit.screening.checks.prior import PriorApplications, VelocityKey
from services.credit.webhooks.events import EventDraft
from services.shared.audit.chain import Entry


class LeaseLost(Exception):  # noqa: N818 - a condition, not an error the API answers
    """Another run holds (or has finished) this application's workflow."""


class CheckoutUnavailable(Exception):  # noqa: N818 - a condition, not an error the API answers
    """The checkout no longer takes this decision (bound, expired, full of applicants, gone)."""


@dataclass(frozen=True, kw_only=True)
class ApplicantRecords:
    """An applicant's earlier applications by customer, device and address, as read, with the
    versions of the store's records they came from (0: no record yet). A new application is
    written on the condition that the records are still at these versions."""

    keys: Mapping[VelocityKey, str]
    prior: PriorApplications
    versions: Mapping[VelocityKey, int]


@dataclass(frozen=True, kw_only=True)
class ApplyReading:
    """What an application request reads first, in one round trip."""

    application: CreditApplication | None
    checkout: Checkout | None
    records: ApplicantRecords


class ApplicationStore(Protocol):
    """The applications we hold."""

    def get(self, application_id: str) -> CreditApplication | None: ...

    def audit_trail(self, application_id: str) -> list[Entry]:
        """The application's audit entries (its decision, then any review), oldest first."""
        ...

    def read_for_apply(
        self, application_id: str, checkout_id: str | None, applicant: Mapping[VelocityKey, str]
    ) -> ApplyReading:
        """The application, the checkout it is for (None for an absent one, or when
        `checkout_id` is None) and the records of the `applicant`'s keys, read together."""
        ...

    def records(self, applicant: Mapping[VelocityKey, str]) -> ApplicantRecords:
        """The records of the `applicant`'s keys (strongly consistent)."""
        ...

    def create(
        self, application: CreditApplication, *, owner: str, records: ApplicantRecords
    ) -> PriorApplications | None:
        """Store a new PENDING application whose first run `owner` holds (until
        `application.lease_until`), and add it to its applicant's records, atomically.

        Returns:
            The applicant's applications the new one was written against, itself included
            (every one written before it), or None, writing nothing, when the id exists.

        Raises:
            Conflict: the applicant's records kept changing (many applications at once).
        """
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
        recorded: bool = True,
    ) -> None:
        """Write the decision and make it its customer's entry among the checkout's applicants,
        with `events` in the outbox, atomically. `first_events`: the caller saw the checkout
        with no event yet (nobody had applied), so the outbox need not look up its last.
        `recorded`: the application is in its customer's record of recent applications (every
        one written since records were kept is), which takes its outcome too.

        Raises:
            LeaseLost: this run no longer holds the application.
            CheckoutUnavailable: the checkout is bound or expired, or has
                `MAX_APPLICANTS_PER_CHECKOUT` applicants of whom this customer is none.
        """
        ...

    def record_challenger(self, application_id: str, record: Mapping[str, Any]) -> None:
        """Keep a challenger model's shadow score beside the decision's evidence (its own
        attribute: the decision and its audit entry stay as they were written)."""
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
