"""Each customer's, device's and address's applications of the last day, one record apiece: what
the velocity rules count and where the exposure finds open approvals (`PriorApplications`).

- A record is keyed by `subject`: the kind and a digest of the identifier (no device id or
  address is stored here). `applications` maps each application's id to its time and, in a
  customer's record, what the exposure needs.
- The records are read with the application and its checkout (one BatchGetItem), and a new
  application is added to each in the transaction that writes it, on the condition that the
  record's `version` is the one read: a record changed meanwhile sends the writer back to read
  it. So the records an application was written against hold every application before it.
- A decision sets its outcome in the customer's record, unconditionally: that changes no count.
- Applications older than `KEEP` are removed when the record is next written, at most
  `CAPACITY` newest are kept, and DynamoDB's TTL drops a record `KEEP` after its newest one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist, PynamoDBException, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from services.credit.applications.domain import CreditApplication
from services.credit.applications.ports import ApplicantRecords
from services.credit.models import RecentApplicationsModel
from services.credit.screening.checks.prior import (
    VELOCITY_WINDOW,
    PriorApplication,
    PriorApplications,
    VelocityKey,
)
from services.shared.dynamodb import bind
from services.shared.errors import DependencyFailure
from services.shared.money import Money
from services.shared.settings import Settings
from services.shared.timestamps import iso_timestamp

# The longest look-back of any reader, with room for the writers' clocks to differ.
KEEP = VELOCITY_WINDOW + timedelta(minutes=5)
# The velocity limits are tens at most; a record of a busy address stops growing here.
CAPACITY = 500
# Removals per write, so the update expression stays small; the rest go on the next write.
MAX_REMOVALS = 50


def subject(key: VelocityKey, value: str) -> str:
    """A record's key: the kind, and a digest of the identifier."""
    return f"{key.value}#{hashlib.sha256(value.encode()).hexdigest()[:32]}"


class RecentApplicationRecords:
    """The `recent_applications` table (see the module docstring)."""

    def __init__(self, settings: Settings) -> None:
        self._records = bind(RecentApplicationsModel, settings)
        self.table = self._records.Meta.table_name

    def keys(self, applicant: Mapping[VelocityKey, str]) -> list[dict[str, Any]]:
        """The raw keys of the applicant's records, for a BatchGetItem."""
        return [{"subject": {"S": subject(key, value)}} for key, value in applicant.items()]

    def parse(
        self, applicant: Mapping[VelocityKey, str], items: list[dict[str, Any]]
    ) -> ApplicantRecords:
        """The applicant's records from the raw items a BatchGetItem found of `keys`."""
        by_subject = {item["subject"]["S"]: item for item in items}
        prior: dict[VelocityKey, tuple[PriorApplication, ...]] = {}
        versions: dict[VelocityKey, int] = {}
        for key, value in applicant.items():
            item = by_subject.get(subject(key, value), {})
            versions[key] = int(item.get("version", {}).get("N", 0))
            entries = item.get("applications", {}).get("M", {})
            prior[key] = tuple(
                sorted(
                    (_entry(app_id, entry["M"]) for app_id, entry in entries.items()),
                    key=lambda app: app.created_at,
                )
            )
        return ApplicantRecords(
            keys=dict(applicant), prior=PriorApplications(by_key=prior), versions=versions
        )

    def stage_addition(
        self,
        transaction: TransactWrite,
        application: CreditApplication,
        applicant: Mapping[VelocityKey, str],
        records: ApplicantRecords,
    ) -> None:
        """Add `application` to each of its applicant's records, on the condition that the
        record is still at the version read (`records`)."""
        model = self._records
        for key, value in applicant.items():
            version = records.versions.get(key, 0)
            entry = _item(application, customer=key is VelocityKey.CUSTOMER)
            actions: list[Action] = [
                model.version.set(version + 1),
                model.expires_at.set(application.created_at + KEEP),
            ]
            condition: Condition
            if version == 0:  # no record yet: the map is written whole
                actions.append(model.applications.set({application.id: entry}))
                condition = model.version.does_not_exist()
            else:
                kept = records.prior.by_key.get(key, ())
                stale = _stale(kept, now=application.created_at)
                actions.append(model.applications[application.id].set(entry))
                actions.extend(model.applications[app_id].remove() for app_id in stale)
                condition = model.version == version
            transaction.update(model(subject(key, value)), actions=actions, condition=condition)

    def stage_outcome(self, transaction: TransactWrite, application: CreditApplication) -> None:
        """Set a decided application's outcome in its customer's record (which holds it)."""
        model = self._records
        entry = _item(application, customer=True)
        transaction.update(
            model(subject(VelocityKey.CUSTOMER, application.customer_id)),
            actions=[model.applications[application.id].set(entry)],
        )

    def add_existing(
        self, key: VelocityKey, value: str, applications: Sequence[CreditApplication]
    ) -> None:
        """Add applications written before the records were kept to `key`'s record, each under
        its id (adding one again changes nothing), `MAX_REMOVALS` at a time. Each write moves the
        version on, so a writer that read the record before writes again.

        Raises:
            DependencyFailure: the store could not be written.
        """
        model = self._records
        record = model(subject(key, value))
        newest = max(app.created_at for app in applications) + KEEP
        customer = key is VelocityKey.CUSTOMER
        for start in range(0, len(applications), MAX_REMOVALS):
            chunk = applications[start : start + MAX_REMOVALS]
            entries = {app.id: _item(app, customer=customer) for app in chunk}
            into_record = [
                *(model.applications[app_id].set(entry) for app_id, entry in entries.items()),
                model.version.add(1),
                model.expires_at.set(model.expires_at | newest),
            ]
            as_record = [model.applications.set(entries), model.version.add(1)]
            as_record.append(model.expires_at.set(newest))
            # The record exists, or not yet; a writer may create it between the two tries.
            attempts = [
                (into_record, model.applications.exists()),
                (as_record, model.applications.does_not_exist()),
            ] * 2
            for actions, condition in attempts:
                try:
                    record.update(actions=actions, condition=condition)
                    break
                except UpdateError as exc:
                    if exc.cause_response_code != "ConditionalCheckFailedException":
                        raise DependencyFailure("The application store is unavailable") from exc
            else:
                raise DependencyFailure("The record kept changing; run the backfill again")

    def holds(self, application: CreditApplication) -> bool:
        """Whether the customer's record holds `application` (strongly consistent)."""
        key = subject(VelocityKey.CUSTOMER, application.customer_id)
        try:
            record = self._records.get(key, consistent_read=True)
        except DoesNotExist:
            return False
        except PynamoDBException as exc:
            raise DependencyFailure("The application store is unavailable") from exc
        return application.id in (record.applications or {})


def _item(application: CreditApplication, *, customer: bool) -> dict[str, Any]:
    """An application's entry in a record: its time, and on its customer's record what the
    exposure needs."""
    entry: dict[str, Any] = {"created_at": iso_timestamp(application.created_at)}
    if customer:
        entry |= {
            "checkout_id": application.checkout_id,
            "amount": application.amount.amount,
            "currency": application.amount.currency,
            "checkout_expires_at": iso_timestamp(application.checkout_expires_at),
        }
        if application.outcome is not None:
            entry["outcome"] = application.outcome
    return entry


def _entry(app_id: str, raw: Mapping[str, Any]) -> PriorApplication:
    """The application a record's raw entry describes."""

    def text(name: str) -> str | None:
        value = raw.get(name)
        return None if value is None else str(value["S"])

    def moment(name: str) -> datetime | None:
        value = text(name)
        return None if value is None else datetime.fromisoformat(value)

    created_at = moment("created_at")
    assert created_at is not None, "every entry has its time"
    amount = raw.get("amount")
    currency = text("currency")
    return PriorApplication(
        id=app_id,
        created_at=created_at,
        checkout_id=text("checkout_id"),
        amount=None if amount is None or currency is None else Money(int(amount["N"]), currency),
        checkout_expires_at=moment("checkout_expires_at"),
        outcome=text("outcome"),
    )


def _stale(kept: tuple[PriorApplication, ...], *, now: datetime) -> list[str]:
    """The ids to remove from a record (oldest first): those older than `KEEP`, and beyond the
    `CAPACITY` newest once this one is added."""
    over = max(0, len(kept) + 1 - CAPACITY)
    stale = [app.id for i, app in enumerate(kept) if i < over or app.created_at < now - KEEP]
    return stale[:MAX_REMOVALS]
