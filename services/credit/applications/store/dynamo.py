"""`DynamoApplicationStore`: an application's reads, its creation with its place in its
applicant's records, and the workflow's lease on it; its decisions are written by `decisions`."""

from __future__ import annotations

import itertools
import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PynamoDBException, TransactWriteError
from pynamodb.transactions import TransactWrite

from services.credit.applications import audit
from services.credit.applications.domain import ApplicationStatus, CreditApplication
from services.credit.applications.ports import ApplicantRecords, ApplyReading
from services.credit.applications.recent import RecentApplicationRecords, subject
from services.credit.applications.store.decisions import DecisionWrites
from services.credit.applications.store.items import to_domain, to_item
from services.credit.checkout_items import to_domain as checkout_to_domain
from services.credit.models import ApplicationModel, CheckoutModel
from services.credit.screening.checks.prior import (
    PriorApplication,
    PriorApplications,
    VelocityKey,
    applicant_keys,
)
from services.credit.webhooks.outbox import Outbox
from services.shared.audit.chain import Entry
from services.shared.audit.store import AuditLog
from services.shared.dynamodb import batch_get, bind, connection
from services.shared.errors import Conflict, DependencyFailure
from services.shared.settings import Settings
from services.shared.striped_locks import StripedLocks
from services.shared.timestamps import utc_now

logger = logging.getLogger(__name__)

# A new application's writer reads its applicant's records again for as long as others keep
# changing them first (many applications of one device or address at once), backing off with
# full jitter so that the contenders spread out.
CREATE_PATIENCE_S = 10.0
CREATE_BACKOFF_S = (0.005, 0.2)
# Writers in this process that lost a record to another application queue on its lock.
_RECORD_LOCKS = StripedLocks(64)


class _Exists(Exception):  # noqa: N818 - a condition inside this module, never raised out
    """The application's id exists already."""


class DynamoApplicationStore(DecisionWrites):
    """Applications in the `applications` table (see the `store` package's docstring); its
    `decide` and `settle` are `DecisionWrites`'."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(
            apps=bind(ApplicationModel, settings),
            checkouts=bind(CheckoutModel, settings),
            recent=RecentApplicationRecords(settings),
            connection=connection(settings),
            outbox=Outbox(settings),
            audit=AuditLog(settings),
        )
        self._clock = clock
        self._sleep = sleep

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

    def record_challenger(self, application_id: str, record: Mapping[str, Any]) -> None:
        """Set the challenger's record on a decided application."""
        apps = self._apps
        apps(application_id).update(
            actions=[apps.challenger.set(dict(record))],
            condition=apps.status == ApplicationStatus.DECIDED,
        )


def _prior(application: CreditApplication) -> PriorApplication:
    """A new application, as those after it see it."""
    return PriorApplication(
        id=application.id,
        created_at=application.created_at,
        checkout_id=application.checkout_id,
        amount=application.amount,
        checkout_expires_at=application.checkout_expires_at,
    )
