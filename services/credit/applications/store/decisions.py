"""A decision, or an underwriter's settlement of a referral, written with its checkout.

Each is one transaction: the application (on a condition: the lease, or the referral), the
customer's entry among the checkout's applicants (on the checkout still taking decisions), the
outcome in the applicant's recent applications, the change's audit entry and the outbox's events.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition, size
from pynamodb.expressions.update import Action

from services.credit.applications import audit
from services.credit.applications.domain import ApplicationStatus, CreditApplication
from services.credit.applications.ports import CheckoutUnavailable, LeaseLost
from services.credit.applications.recent import RecentApplicationRecords
from services.credit.checkout_items import adopt_single_applicant, applicant_entry
from services.credit.checkouts.domain import (
    MAX_APPLICANTS_PER_CHECKOUT,
    Applicant,
    CheckoutStatus,
)
from services.credit.models import ApplicationModel, CheckoutModel, applicant_key
from services.credit.webhooks.events import EventDraft
from services.credit.webhooks.outbox import Outbox
from services.shared.audit.chain import Change, Head
from services.shared.audit.store import AuditedTransactWrite, AuditLog, head_action
from services.shared.errors import DependencyFailure

logger = logging.getLogger(__name__)

CONFLICT_RETRIES = 5
CONFLICT_BACKOFF_S = 0.02


class DecisionWrites:
    """`DynamoApplicationStore`'s writes of a decision and of a settled referral, on the tables
    it is given."""

    def __init__(
        self,
        *,
        apps: type[ApplicationModel],
        checkouts: type[CheckoutModel],
        recent: RecentApplicationRecords,
        connection: Connection,
        outbox: Outbox,
        audit: AuditLog,
    ) -> None:
        self._apps = apps
        self._checkouts = checkouts
        self._recent = recent
        self._connection = connection
        self._outbox = outbox
        self._audit = audit

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
        """See `ApplicationStore.decide`."""
        apps, checkouts = self._apps, self._checkouts
        entry = checkouts.applicants[applicant_key(application.customer_id)]
        outcome = CheckoutStatus(_outcome(application))
        self._record(
            (apps.status == ApplicationStatus.PENDING) & (apps.lease_owner == owner),
            application,
            checkout_condition=_unbound(checkouts, now)
            & (entry.exists() | (_size(checkouts.applicants) < MAX_APPLICANTS_PER_CHECKOUT)),
            checkout_action=entry.set(
                applicant_entry(
                    application.customer_id,
                    Applicant(application_id=application.id, outcome=outcome),
                )
            ),
            events=events,
            now=now,
            recorded=recorded,
            known_last={application.checkout_id: 0} if first_events else None,
            # The decision is its application's first audit entry: the stream has no head yet.
            change=audit.decided(application),
            head=Head(),
        )

    def settle(
        self, application: CreditApplication, *, now: datetime, events: Sequence[EventDraft] = ()
    ) -> None:
        """See `ApplicationStore.settle`."""
        apps, checkouts = self._apps, self._checkouts
        entry = checkouts.applicants[applicant_key(application.customer_id)]
        self._record(
            (apps.status == ApplicationStatus.DECIDED) & (apps.outcome == "REFERRED"),
            application,
            checkout_condition=_unbound(checkouts, now)
            & (entry["applicationId"] == application.id)
            & (entry["outcome"] == CheckoutStatus.REFERRED.value),
            checkout_action=entry["outcome"].set(_outcome(application)),
            events=events,
            now=now,
            recorded=self._recent.holds(application),
            change=audit.reviewed(application),
            head=None,
        )

    def _record(
        self,
        application_condition: Condition,
        application: CreditApplication,
        *,
        checkout_condition: Condition,
        checkout_action: Action,
        events: Sequence[EventDraft],
        now: datetime,
        recorded: bool,
        change: Change,
        head: Head | None,
        known_last: Mapping[str, int] | None = None,
    ) -> None:
        write = (application_condition, application, checkout_condition, checkout_action)
        transact = partial(
            self._transact, *write, events=events, now=now, recorded=recorded, change=change
        )
        try:
            transact(head=head, known_last=known_last)
        except CheckoutUnavailable:
            # A checkout stored with its one applicant as its own status gets its applicants
            # map, then takes the decision like any other.
            if not adopt_single_applicant(self._checkouts, application.checkout_id):
                raise
            transact(head=head)

    def _transact(
        self,
        application_condition: Condition,
        application: CreditApplication,
        checkout_condition: Condition,
        checkout_action: Action,
        *,
        events: Sequence[EventDraft],
        now: datetime,
        recorded: bool,
        change: Change,
        head: Head | None,
        known_last: Mapping[str, int] | None = None,
    ) -> None:
        apps, checkouts = self._apps, self._checkouts
        outcome = _outcome(application)

        def write(transaction: AuditedTransactWrite) -> None:
            # The change's audit entry, after the items below (their reasons keep their places).
            known = head if head is not None else self._audit.head(apps, application.id)
            entry = self._audit.entry(audit.stream(application.id), change, known)
            transaction.update(
                apps(application.id),
                actions=[
                    apps.status.set(application.status.value),
                    apps.outcome.set(outcome),
                    apps.decision.set(dict(application.decision or {})),
                    apps.offers.set([dict(o) for o in application.offers]),
                    apps.steps.set([dict(s) for s in application.steps]),
                    apps.lease_owner.remove(),
                    apps.lease_until.remove(),
                    head_action(apps, entry),
                ],
                condition=application_condition,
            )
            transaction.update(
                checkouts(application.checkout_id),
                actions=[checkout_action],
                condition=checkout_condition,
            )
            if recorded:
                self._recent.stage_outcome(transaction, application)
            self._audit.stage(transaction, entry)

        for attempt in range(CONFLICT_RETRIES + 1):
            try:
                self._outbox.transact(self._connection, write, events, now, known_last=known_last)
            except TransactWriteError as exc:
                reasons = [r.code if r else None for r in exc.cancellation_reasons]
                if reasons and reasons[0] == "ConditionalCheckFailed":
                    raise LeaseLost(application.id) from exc
                if len(reasons) > 1 and reasons[1] == "ConditionalCheckFailed":
                    raise CheckoutUnavailable(application.checkout_id) from exc
                if "TransactionConflict" in reasons and attempt < CONFLICT_RETRIES:
                    time.sleep(CONFLICT_BACKOFF_S * (attempt + 1) * (1 + random.random()))  # noqa: S311
                    continue
                logger.warning("decision failed: %s %s", exc.cause_response_code, reasons)
                message = "Could not store the decision; nothing was written"
                raise DependencyFailure(message) from exc
            return


def _outcome(application: CreditApplication) -> str:
    if application.outcome is None:
        raise ValueError("only a decided application is written by a transaction")
    return application.outcome


def _unbound(checkouts: type[CheckoutModel], now: datetime) -> Condition:
    """The checkout takes decisions: nobody accepted an offer on it, and its hour is not up."""
    condition: Condition = (
        (checkouts.status == CheckoutStatus.CREATED.value)
        & checkouts.plan_id.does_not_exist()
        & (checkouts.expires_at > now)
    )
    return condition


def _size(path: Any) -> Any:
    """DynamoDB's `size()` of an attribute, for conditions (pynamodb leaves it untyped)."""
    return size(path)  # type: ignore[no-untyped-call]
