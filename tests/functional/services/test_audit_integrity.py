"""The audit log cannot be rewritten unseen, nor written apart from its changes, on DynamoDB
Local: `bnpl audit verify` finds an entry altered, deleted or inserted behind the services'
back at that entry; a change whose transaction fails leaves no entry, and an entry that cannot
be written stops its change; writers racing on one stream never fork it."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import boto3
import pytest

from bnpl.cli import main
from bnpl.tables import create_tables
from services.credit.applications.ports import LeaseLost
from services.credit.applications.store import DynamoApplicationStore
from services.credit.models import ApplicationModel, PlanModel
from services.credit.screening.checks.prior import VelocityKey
from services.credit.webhooks.models import WebhookEndpointModel
from services.shared.audit.chain import Change, Entry, canonical_json, verify_stream
from services.shared.audit.models import AuditEntryModel
from services.shared.audit.store import AuditLog
from services.shared.dynamodb import bind
from services.shared.errors import DependencyFailure
from services.shared.settings import Settings
from services.user.consents.domain import BankConsent, ConsentStatus, parse_grant
from services.user.consents.store import DynamoConsentRepository
from services.user.models import BankConsentModel
from tests.conftest import IdentityProvider, service_environ
from tests.unit.services.credit.workflow.fakes import credit_application

pytestmark = [pytest.mark.ddblocal]

AUDITED = (AuditEntryModel, ApplicationModel, PlanModel, BankConsentModel, WebhookEndpointModel)


@pytest.fixture
def own_tables(dynamodb_local: str, identity_provider: IdentityProvider) -> Settings:
    """The audit log and the audited items on tables of this test's own, which it may tamper
    with without breaking another test's verification."""
    environ = service_environ(identity_provider)
    prefix = f"a{uuid.uuid4().hex[:8]}-"
    environ |= {"BNPL_DYNAMODB_ENDPOINT": dynamodb_local, "BNPL_TABLE_PREFIX": prefix}
    settings = Settings.from_environ(environ)
    create_tables(settings, AUDITED)
    return settings


def new_consent(repository: DynamoConsentRepository) -> BankConsent:
    now = datetime.now(UTC)
    request = parse_grant({"permissions": ["ReadBalances"]}, now=now, max_duration=timedelta(90))
    consent = BankConsent.request(
        consent_id=str(uuid.uuid4()), customer_id=f"sub-{uuid.uuid4()}", request=request, now=now
    )
    repository.add(consent)
    authorised = consent.authorise(now)
    assert repository.transition(authorised, expected=consent.status)
    return authorised


def four_entries(settings: Settings) -> str:
    """A consent requested, authorised, reconfirmed and revoked: its stream of four entries."""
    repository = DynamoConsentRepository(settings)
    authorised = new_consent(repository)
    now = datetime.now(UTC)
    reconfirmed = authorised.reconfirm(now)
    assert repository.transition(reconfirmed, expected=authorised.status)
    assert repository.transition(reconfirmed.revoke(now), expected=reconfirmed.status)
    return f"consent#{authorised.customer_id}#{authorised.id}"


def verify(settings: Settings, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    """`bnpl audit verify` on the test's tables: its exit code and what it printed."""
    code = main(
        [
            "audit",
            "verify",
            "--endpoint",
            str(settings.dynamodb_endpoint),
            "--table-prefix",
            settings.table_prefix,
            *extra,
        ]
    )
    return code, capsys.readouterr().out


def dynamodb(settings: Settings) -> Any:
    return boto3.client(
        "dynamodb", endpoint_url=settings.dynamodb_endpoint, region_name=settings.region
    )


def key(stream: str, sequence: int) -> dict[str, Any]:
    return {"stream": {"S": stream}, "sequence": {"N": str(sequence)}}


class TestVerify:
    def test_an_untouched_log_is_intact(self, own_tables, capsys):
        four_entries(own_tables)
        four_entries(own_tables)
        assert verify(own_tables, capsys) == (
            0,
            "audit log: 8 entries in 2 streams verified, all intact\n",
        )

    def test_an_altered_entry_fails_at_that_entry(self, own_tables, capsys):
        stream = four_entries(own_tables)
        four_entries(own_tables)  # an intact neighbour
        dynamodb(own_tables).update_item(
            TableName=own_tables.table_name("audit_log"),
            Key=key(stream, 2),
            UpdateExpression="SET #after = :after",
            ExpressionAttributeNames={"#after": "after"},
            ExpressionAttributeValues={":after": {"S": canonical_json({"status": "REJECTED"})}},
        )
        code, out = verify(own_tables, capsys)
        assert code == 1
        assert f"BROKEN {stream} #2: altered: its content does not match its hash\n" in out
        assert out.endswith("audit log: 8 entries in 2 streams verified, 1 broken\n")

    def test_a_deleted_entry_fails_at_that_entry(self, own_tables, capsys):
        stream = four_entries(own_tables)
        dynamodb(own_tables).delete_item(
            TableName=own_tables.table_name("audit_log"), Key=key(stream, 3)
        )
        code, out = verify(own_tables, capsys)
        assert code == 1
        assert f"BROKEN {stream} #3: missing: the entry is gone\n" in out

    def test_a_deleted_last_entry_fails_against_the_subjects_head(self, own_tables, capsys):
        stream = four_entries(own_tables)
        dynamodb(own_tables).delete_item(
            TableName=own_tables.table_name("audit_log"), Key=key(stream, 4)
        )
        code, out = verify(own_tables, capsys)
        assert code == 1
        assert f"BROKEN {stream} #4: missing: the stream's latest entries are gone\n" in out

    def test_an_inserted_entry_fails_at_that_entry(self, own_tables, capsys):
        stream = four_entries(own_tables)
        log = AuditLog(own_tables)
        last = log.trail(stream)[-1]
        # A well-formed entry, linked to the real last one: only the subject's head betrays it.
        forged = Entry.following(
            last.head,
            Change(action="consent.authorised", before=None, after={"status": "AUTHORISED"}),
            stream=stream,
            actor="intruder",
            request_id=None,
            now=datetime.now(UTC),
        )
        put(own_tables, forged)
        code, out = json_verify(own_tables, capsys)
        assert code == 1
        assert out["breaks"] == [
            {
                "stream": stream,
                "sequence": 5,
                "kind": "inserted",
                "detail": "it is past its subject's head",
            }
        ]


def json_verify(settings: Settings, capsys: pytest.CaptureFixture[str]) -> tuple[int, Any]:
    code, out = verify(settings, capsys, "--json")
    return code, json.loads(out)


def put(settings: Settings, entry: Entry) -> None:
    """Write an entry as an intruder with the table's own rights would."""
    bind(AuditEntryModel, settings)(
        entry.stream,
        entry.sequence,
        prev_hash=entry.prev_hash,
        entry_hash=entry.hash,
        at=entry.at,
        expires_at=datetime.fromtimestamp(entry.expires_at, UTC),
        prev_expires_at=entry.prev_expires_at,
        actor=entry.actor,
        action=entry.action,
        request_id=entry.request_id,
        before=None if entry.before is None else canonical_json(entry.before),
        after=canonical_json(entry.after),
        evidence=canonical_json(entry.evidence),
    ).save()


class TestNoEntryApartFromItsChange:
    def test_a_consent_change_that_is_refused_writes_no_entry(self, ddb_settings):
        repository = DynamoConsentRepository(ddb_settings)
        authorised = new_consent(repository)
        stream = f"consent#{authorised.customer_id}#{authorised.id}"
        before = AuditLog(ddb_settings).trail(stream)
        revoked = authorised.revoke(datetime.now(UTC))
        assert not repository.transition(revoked, expected=ConsentStatus.AWAITING_AUTHORISATION)
        assert AuditLog(ddb_settings).trail(stream) == before

    def test_a_decision_by_a_run_that_lost_its_lease_writes_no_entry(self, ddb_settings):
        store = DynamoApplicationStore(ddb_settings)
        now = datetime.now(UTC)
        application = credit_application(attempts=1, lease_until=now + timedelta(minutes=1))
        records = store.records({VelocityKey.CUSTOMER: application.customer_id})
        assert store.create(application, owner="run-1", records=records) is not None
        decided = application.decided({"outcome": "APPROVED", "reasons": [], "steps": []}, [])
        with pytest.raises(LeaseLost):
            store.decide(decided, owner="run-2", now=now)
        assert store.audit_trail(application.id) == []
        assert store.get(application.id).status.value == "PENDING"  # type: ignore[union-attr]

    def test_a_change_whose_entry_cannot_be_written_is_not_made(self, ddb_settings):
        repository = DynamoConsentRepository(ddb_settings)
        authorised = new_consent(repository)
        stream = f"consent#{authorised.customer_id}#{authorised.id}"
        [_, last] = AuditLog(ddb_settings).trail(stream)
        # The stream's next number is taken (behind the subject's back): no change may claim it.
        squatter = Entry.following(
            last.head,
            Change(action="consent.revoked", before=None, after={"status": "REVOKED"}),
            stream=stream,
            actor="intruder",
            request_id=None,
            now=datetime.now(UTC),
        )
        put(ddb_settings, squatter)
        with pytest.raises(DependencyFailure):
            repository.transition(authorised.revoke(datetime.now(UTC)), expected=authorised.status)
        stored = repository.get(authorised.customer_id, authorised.id)
        assert stored is not None
        assert stored.status is ConsentStatus.AUTHORISED


class TestRacingWriters:
    def test_concurrent_changes_of_one_consent_never_fork_its_stream(self, ddb_settings):
        """Reconfirmations all find the status they expect, so only the stream's numbers order
        them: each commits with its own entry, one after another."""
        repository = DynamoConsentRepository(ddb_settings)
        authorised = new_consent(repository)
        racers = 6
        start = threading.Barrier(racers)
        outcomes: list[str] = []
        lock = threading.Lock()

        def reconfirm() -> None:
            start.wait()
            try:
                done = repository.transition(
                    authorised.reconfirm(datetime.now(UTC)), expected=ConsentStatus.AUTHORISED
                )
                outcome = "written" if done else "refused"
            except DependencyFailure:
                outcome = "gave up"
            with lock:
                outcomes.append(outcome)

        threads = [threading.Thread(target=reconfirm) for _ in range(racers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        stream = f"consent#{authorised.customer_id}#{authorised.id}"
        entries = AuditLog(ddb_settings).trail(stream)
        assert [e.sequence for e in entries] == list(range(1, len(entries) + 1))
        assert all(later.prev_hash == earlier.hash for earlier, later in pairwise(entries))
        assert len(entries) == 2 + outcomes.count("written")  # one entry per change made
        assert outcomes.count("written") >= 1
        head = AuditLog(ddb_settings).head(
            bind(BankConsentModel, ddb_settings), authorised.customer_id, authorised.id
        )
        assert verify_stream(stream, entries, head, now=datetime.now(UTC)) is None
