"""The records of recent applications filled from the applications written before they were
kept, on DynamoDB Local: every application of the last day lands in its customer's, device's and
address's records with its outcome, older ones do not, running it again changes no count, and a
writer that read a record before the backfill wrote it writes again."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.credit.applications.backfill import backfill
from services.credit.applications.store import DynamoApplicationStore, to_item
from services.credit.models import ApplicationModel
from services.credit.screening.checks.prior import VelocityKey, applicant_keys
from services.shared.dynamodb import bind
from services.shared.money import Money
from tests.unit.services.credit.workflow.fakes import credit_application

pytestmark = [pytest.mark.ddblocal]


def written_before(settings, *, sub: str, device: str, ago: timedelta, outcome: str | None):
    """An application stored as it was before the records were kept: the item alone."""
    now = datetime.now(UTC).replace(microsecond=0)
    application = credit_application(
        customer_id=sub,
        amount=Money(2_500, "GBP"),
        checkout_expires_at=now + timedelta(minutes=30),
        created_at=now - ago,
        device_id=device,
    )
    if outcome is not None:
        application = application.decided({"outcome": outcome, "steps": []}, [])
    to_item(bind(ApplicationModel, settings), application).save()
    return application


def test_the_applications_of_the_last_day_fill_their_records_once(ddb_settings):
    store = DynamoApplicationStore(ddb_settings)
    sub, device = f"old-{uuid.uuid4().hex[:8]}", f"device-{uuid.uuid4().hex[:8]}"
    approved = written_before(
        ddb_settings, sub=sub, device=device, ago=timedelta(minutes=5), outcome="APPROVED"
    )
    pending = written_before(
        ddb_settings, sub=sub, device=device, ago=timedelta(hours=3), outcome=None
    )
    written_before(ddb_settings, sub=sub, device=device, ago=timedelta(days=2), outcome="DECLINED")
    keys = applicant_keys(sub, device, None)
    before = store.records(keys)
    assert before.versions == {VelocityKey.CUSTOMER: 0, VelocityKey.DEVICE: 0}

    assert backfill(ddb_settings, now=datetime.now(UTC)) >= 2
    filled = store.records(keys)
    for key in keys:
        held = {app.id for app in filled.prior.by_key[key]}
        assert held == {approved.id, pending.id}
    customers = {app.id: app for app in filled.prior.by_key[VelocityKey.CUSTOMER]}
    assert customers[approved.id].outcome == "APPROVED"
    assert filled.prior.open_approvals(currency="GBP", now=datetime.now(UTC)) == {
        approved.id: 2_500
    }

    backfill(ddb_settings, now=datetime.now(UTC))
    again = store.records(keys)
    assert again.prior == filled.prior  # nothing counted twice
    assert all(again.versions[key] > filled.versions[key] for key in keys)

    # A new application whose writer read the records before the backfill wrote them is
    # written against the filled records, and counts both earlier applications.
    now = datetime.now(UTC)
    new = credit_application(
        customer_id=sub,
        checkout_id="co_new",
        amount=Money(1_000, "GBP"),
        created_at=now,
        device_id=device,
        lease_until=now + timedelta(minutes=1),
    )
    prior = store.create(new, owner="o", records=before)
    assert prior is not None
    assert prior.count(VelocityKey.DEVICE, now=now, excluding=new.id) == 2
