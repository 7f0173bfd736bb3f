"""DynamoDB Local as the local stack runs it: the process, the tables, the sandbox data."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import boto3
import pytest

from bnpl import dynamodb_local
from bnpl.dynamodb_local import JAVA_MISSING, DynamoDBLocal, JavaNotFoundError
from bnpl.personas import PERSONAS
from bnpl.sandbox import SANDBOX_MERCHANT_NAME, seed
from bnpl.settings import SANDBOX_MERCHANT_ARN, SANDBOX_MERCHANT_ID
from bnpl.tables import create_tables
from services.credit.checkouts.store import DynamoMerchantRepository
from services.shared.settings import Settings
from services.user.customers.domain import VerificationStatus
from services.user.customers.store import DynamoCustomerRepository

pytestmark = pytest.mark.ddblocal

SHORT_NAMES = [
    "customers",
    "verification_challenges",
    "bank_consents",
    "bank_notifications",
    "checkouts",
    "checkout_references",
    "merchants",
    "applications",
    "recent_applications",
    "plans",
    "plan_requests",
    "webhook_events",
    "webhook_endpoints",
    "webhook_deliveries",
    "audit_log",
    "dev_outbox",
    "credit_event_outbox",
    "sandbox_charges",
    "sandbox_refunds",
    "webhook_secrets",
    "dev_user_pool",
]


@pytest.fixture
def fresh(dynamodb_local: str) -> Settings:
    """Settings for a prefix no table has yet."""
    return Settings.from_environ(
        {"BNPL_DYNAMODB_ENDPOINT": dynamodb_local, "BNPL_TABLE_PREFIX": f"f{uuid.uuid4().hex[:8]}-"}
    )


def test_tables_are_created_once_even_by_racing_callers(fresh):
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def create() -> None:
        try:
            results.append(create_tables(fresh))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expected = [fresh.table_name(name) for name in SHORT_NAMES]
    assert errors == []
    assert results == [expected, expected]
    assert create_tables(fresh) == expected  # and again, with nothing to do

    client = boto3.client(
        "dynamodb", endpoint_url=fresh.dynamodb_endpoint, region_name=fresh.region
    )
    listed = client.list_tables()["TableNames"]
    assert set(expected) <= set(listed)
    described = client.describe_table(TableName=fresh.table_name("checkout_references"))["Table"]
    assert described["KeySchema"] == [
        {"AttributeName": "merchant_reference_key", "KeyType": "HASH"}
    ]
    assert described["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    # Tables whose models have a TTL attribute expire items by it; the others do not.
    ttl = {
        name: client.describe_time_to_live(TableName=fresh.table_name(name))[
            "TimeToLiveDescription"
        ]
        for name in ("verification_challenges", "dev_outbox", "customers")
    }
    assert ttl["verification_challenges"] == {"TimeToLiveStatus": "ENABLED", "AttributeName": "ttl"}
    assert ttl["dev_outbox"] == {"TimeToLiveStatus": "ENABLED", "AttributeName": "ttl"}
    assert ttl["customers"]["TimeToLiveStatus"] == "DISABLED"


def test_sandbox_seed_is_idempotent(fresh):
    create_tables(fresh)
    customers = sorted(p.sub for p in PERSONAS.values() if "customers" in p.groups)
    assert sorted(seed(fresh)) == customers
    assert seed(fresh) == []

    merchant = DynamoMerchantRepository(fresh).get(SANDBOX_MERCHANT_ID)
    assert merchant is not None
    assert merchant.name == SANDBOX_MERCHANT_NAME
    assert merchant.principal_arns == {SANDBOX_MERCHANT_ARN}

    repository = DynamoCustomerRepository(fresh)
    approve = repository.get("sandbox-approve")
    assert approve is not None
    assert approve.verification_status is VerificationStatus.VERIFIED
    assert approve.email == "approve@sandbox.bnpl.test"
    assert repository.get("sandbox-underwriter") is None


def test_data_on_disk_survives_a_restart(tmp_path: Path):
    data = tmp_path / "dynamodb"
    data.mkdir()
    with DynamoDBLocal(data_dir=data) as database:
        settings = Settings.from_environ(
            {"BNPL_DYNAMODB_ENDPOINT": database.endpoint, "BNPL_TABLE_PREFIX": "disk-"}
        )
        create_tables(settings)
        seed(settings)
        process = database._process
    assert process is not None
    assert process.poll() is not None  # stopped, not orphaned
    with DynamoDBLocal(data_dir=data) as database:
        settings = Settings.from_environ(
            {"BNPL_DYNAMODB_ENDPOINT": database.endpoint, "BNPL_TABLE_PREFIX": "disk-"}
        )
        assert DynamoCustomerRepository(settings).get("sandbox-approve") is not None


def test_command_line(tmp_path: Path):
    jar = dynamodb_local.find_jar()
    assert jar.name == "DynamoDBLocal.jar"
    in_memory = dynamodb_local.command(port=8123, java="java")
    assert in_memory == [
        "java",
        "-XX:TieredStopAtLevel=1",
        "-XX:+UseSerialGC",
        f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
        "-jar",
        str(jar),
        "-sharedDb",
        "-disableTelemetry",
        "-port",
        "8123",
        "-inMemory",
    ]
    on_disk = dynamodb_local.command(port=8123, data_dir=tmp_path, java="java")
    assert on_disk[-2:] == ["-dbPath", str(tmp_path)]


def test_missing_java_names_what_to_install(monkeypatch):
    monkeypatch.setenv("PATH", "")
    with pytest.raises(JavaNotFoundError) as caught:
        dynamodb_local.command(port=8123)
    assert str(caught.value) == JAVA_MISSING
    assert "\n" not in JAVA_MISSING


def test_missing_package_says_to_run_npm(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="npm ci"):
        dynamodb_local.find_jar(tmp_path)
