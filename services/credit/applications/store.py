"""Where credit applications are kept (DynamoDB), and the workflow's data sources built on them.

- The application item is the claim on its idempotency key (its id derives from the key), and
  it is written only if absent.
- Only one run of the workflow at a time: a run first takes a lease on the item (a conditional
  update on PENDING with no live lease); the decision is written in one transaction with the
  customer's entry in the checkout's applicants, both conditional, so a decision and its
  checkout never disagree. The checkout's own status is not touched: one shopper's decision
  never closes it for another, and the transaction's condition keeps the applicants within
  `MAX_APPLICANTS_PER_CHECKOUT` however many shoppers decide at once.
- A new application is written in one transaction with its place in the records of its
  customer's, device's and address's recent applications (`recent`), which the velocity rules
  count and the exposure reads; a decision sets its outcome there too. The port is
  `applications.ports`.
"""

from __future__ import annotations

import itertools
import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from pynamodb.exceptions import DoesNotExist, PynamoDBException, TransactWriteError
from pynamodb.expressions.condition import Condition, size
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from services.credit.applications import audit
from services.credit.applications.domain import ApplicationStatus, CreditApplication
from services.credit.applications.ports import (
    ApplicantRecords,
    ApplyReading,
    CheckoutUnavailable,
    LeaseLost,
)
from services.credit.applications.recent import RecentApplicationRecords, subject
from services.credit.checkout_items import (
    adopt_single_applicant,
    applicant_entry,
    to_domain as checkout_to_domain,
)
from services.credit.checkouts.domain import (
    MAX_APPLICANTS_PER_CHECKOUT,
    Applicant,
    CheckoutStatus,
)
from services.credit.models import ApplicationModel, CheckoutModel, applicant_key
from services.credit.screening.checks.prior import (
    PriorApplication,
    PriorApplications,
    VelocityKey,
    applicant_keys,
)
from services.credit.webhooks.events import EventDraft
from services.credit.webhooks.outbox import Outbox
from services.shared.audit.chain import Change, Entry, Head
from services.shared.audit.store import AuditedTransactWrite, AuditLog, head_action
from services.shared.dynamodb import batch_get, bind, connection
from services.shared.errors import Conflict, DependencyFailure
from services.shared.money import Money
from services.shared.settings import Settings
from services.shared.striped_locks import StripedLocks
from services.shared.timestamps import utc_now

logger = logging.getLogger(__name__)

CONFLICT_RETRIES = 5
CONFLICT_BACKOFF_S = 0.02
# A new application's writer reads its applicant's records again for as long as others keep
# changing them first (many applications of one device or address at once), backing off with
# full jitter so that the contenders spread out.
CREATE_PATIENCE_S = 10.0
CREATE_BACKOFF_S = (0.005, 0.2)
# Writers in this process that lost a record to another application queue on its lock.
_RECORD_LOCKS = StripedLocks(64)


class _Exists(Exception):  # noqa: N818 - a condition inside this module, never raised out
    """The application's id exists already."""


class DynamoApplicationStore:
    """Applications in the `applications` table (see the module docstring)."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._apps = bind(ApplicationModel, settings)
        self._checkouts = bind(CheckoutModel, settings)
        self._recent = RecentApplicationRecords(settings)
        self._clock = clock
        self._sleep = sleep
        self._connection = connection(settings)
        self._outbox = Outbox(settings)
        self._audit = AuditLog(settings)

    # ------------------------------------------------------------------ the application item

    def get(self, application_id: str) -> CreditApplication | None:
        """The application, or None (strongly consistent)."""
        try:
            return to_domain(self._apps.get(application_id, consistent_read=True))
        except DoesNotExist:
            return None

    def audit_trail(self, application_id: str) -> list[Entry]:
        """See `ApplicationStore.audit_trail`."""
        return self._audit.trail(audit.stream(application_id))

    def read_for_apply(
        self, application_id: str, checkout_id: str | None, applicant: Mapping[VelocityKey, str]
    ) -> ApplyReading:
        """See `ApplicationStore.read_for_apply`: one BatchGetItem, strongly consistent."""
        apps, checkouts, recent = self._apps, self._checkouts, self._recent
        keys = {apps.Meta.table_name: [{"id": {"S": application_id}}]}
        if checkout_id is not None:
            keys[checkouts.Meta.table_name] = [{"id": {"S": checkout_id}}]
        keys[recent.table] = recent.keys(applicant)
        found = self._batch_get(keys)
        app = found[apps.Meta.table_name]
        checkout = found.get(checkouts.Meta.table_name)
        return ApplyReading(
            application=to_domain(apps.from_raw_data(app[0])) if app else None,
            checkout=checkout_to_domain(checkouts.from_raw_data(checkout[0])) if checkout else None,
            records=recent.parse(applicant, found[recent.table]),
        )

    def create(
        self, application: CreditApplication, *, owner: str, records: ApplicantRecords
    ) -> PriorApplications | None:
        """See `ApplicationStore.create`.

        The first write is made on the records as read. When another application changed one
        of them first, the writer takes this process's locks of those records and writes again
        on a fresh read: many applications of one device or address at once then queue here
        instead of racing each other to DynamoDB, and only writers in other processes can
        still get there first (then it backs off and tries again, for `CREATE_PATIENCE_S`).
        """
        item = to_item(self._apps, application)
        item.lease_owner = owner
        applicant = applicant_keys(
            application.customer_id, application.device_id, application.source_ip
        )
        try:
            if self._write_new(item, application, applicant, records):
                return records.prior.adding(applicant, _prior(application))
            deadline = time.monotonic() + CREATE_PATIENCE_S
            with _RECORD_LOCKS.holding(subject(key, value) for key, value in applicant.items()):
                for attempt in itertools.count():
                    records = self.records(applicant)
                    if self._write_new(item, application, applicant, records):
                        return records.prior.adding(applicant, _prior(application))
                    if time.monotonic() > deadline:
                        raise Conflict(
                            "Too many applications from this shopper, device or address at "
                            "once; retry with the same idempotency key"
                        )
                    low, high = CREATE_BACKOFF_S
                    self._sleep(random.uniform(0, min(high, low * 2**attempt)))  # noqa: S311
        except _Exists:
            return None  # another request with this key wrote it
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def _write_new(
        self,
        item: ApplicationModel,
        application: CreditApplication,
        applicant: Mapping[VelocityKey, str],
        records: ApplicantRecords,
    ) -> bool:
        """Write the application into its records as read: True when written; False when a
        record changed meanwhile.

        Raises:
            _Exists: the application's id exists.
            DependencyFailure: the write failed for another reason.
        """
        try:
            with TransactWrite(connection=self._connection) as transaction:
                transaction.save(item, condition=self._apps.id.does_not_exist())
                self._recent.stage_addition(transaction, application, applicant, records)
        except TransactWriteError as exc:
            reasons = [r.code if r else None for r in exc.cancellation_reasons]
            if reasons and reasons[0] == "ConditionalCheckFailed":
                raise _Exists from None
            if not {"ConditionalCheckFailed", "TransactionConflict"} & set(reasons):
                logger.warning("creating failed: %s %s", exc.cause_response_code, reasons)
                raise DependencyFailure("Could not store the application; retry") from exc
            return False
        return True

    def records(self, applicant: Mapping[VelocityKey, str]) -> ApplicantRecords:
        """See `ApplicationStore.records`."""
        recent = self._recent
        found = self._batch_get({recent.table: recent.keys(applicant)})
        return recent.parse(applicant, found[recent.table])

    def _batch_get(self, keys: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
        try:
            return batch_get(self._connection, keys)
        except PynamoDBException as exc:
            logger.warning("reading applications failed: %r", exc)
            raise DependencyFailure("The application store is unavailable; try again") from exc

    def acquire(self, application_id: str, *, owner: str, now: datetime, until: datetime) -> bool:
        """A conditional update: PENDING, and no lease or a lapsed one."""
        apps = self._apps
        free = apps.lease_until.does_not_exist() | (apps.lease_until < now)
        try:
            apps(application_id).update(
                actions=[
                    apps.lease_owner.set(owner),
                    apps.lease_until.set(until),
                    apps.attempts.add(1),
                ],
                condition=apps.id.exists() & (apps.status == ApplicationStatus.PENDING) & free,
            )
        except PynamoDBException as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def save_progress(
        self, application_id: str, *, owner: str, steps: Sequence[Mapping[str, Any]]
    ) -> None:
        """Keep the steps, free the lease; nothing if the lease was lost meanwhile."""
        apps = self._apps
        try:
            apps(application_id).update(
                actions=[
                    apps.steps.set([dict(s) for s in steps]),
                    apps.lease_owner.remove(),
                    apps.lease_until.remove(),
                ],
                condition=(apps.status == ApplicationStatus.PENDING) & (apps.lease_owner == owner),
            )
        except PynamoDBException as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
            logger.warning("lease on %s lost before its progress was saved", application_id)

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


def _prior(application: CreditApplication) -> PriorApplication:
    """A new application, as those after it see it."""
    return PriorApplication(
        id=application.id,
        created_at=application.created_at,
        checkout_id=application.checkout_id,
        amount=application.amount,
        checkout_expires_at=application.checkout_expires_at,
    )


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


def to_item(model: type[ApplicationModel], application: CreditApplication) -> ApplicationModel:
    """The stored item of an application."""
    return model(
        application.id,
        customer_id=application.customer_id,
        checkout_id=application.checkout_id,
        status=application.status.value,
        outcome=application.outcome,
        key_hash=application.key_hash,
        fingerprint=application.fingerprint,
        bank_consent_id=application.bank_consent_id,
        device_id=application.device_id,
        source_ip=application.source_ip,
        amount=application.amount.amount,
        currency=application.amount.currency,
        checkout_expires_at=application.checkout_expires_at,
        created_at=application.created_at,
        attempts=application.attempts,
        lease_until=application.lease_until,
        steps=[dict(s) for s in application.steps],
        decision=None if application.decision is None else dict(application.decision),
        offers=[dict(o) for o in application.offers],
    )


def to_domain(item: ApplicationModel) -> CreditApplication:
    """The application a stored item describes."""
    return CreditApplication(
        id=item.id,
        customer_id=item.customer_id,
        checkout_id=item.checkout_id,
        status=ApplicationStatus(item.status),
        key_hash=item.key_hash,
        fingerprint=item.fingerprint,
        bank_consent_id=item.bank_consent_id,
        device_id=item.device_id,
        source_ip=item.source_ip,
        amount=Money(int(item.amount), item.currency),
        checkout_expires_at=item.checkout_expires_at,
        created_at=item.created_at,
        attempts=int(item.attempts or 0),
        lease_until=item.lease_until if item.lease_owner else None,
        steps=tuple(item.steps or ()),
        decision=item.decision,
        offers=tuple(item.offers or ()),
    )
