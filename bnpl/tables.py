"""Create the tables of every service, from their pynamodb models (DynamoDB Local or AWS)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import ClientError
from pynamodb.attributes import TTLAttribute
from pynamodb.exceptions import TableError
from pynamodb.models import Model

from bnpl.idp.models import MODELS as IDP_MODELS
from services.credit.models import LOCAL_MODELS as CREDIT_LOCAL_MODELS, MODELS as CREDIT_MODELS
from services.shared.audit.models import MODELS as AUDIT_MODELS
from services.shared.dynamodb import bind
from services.shared.settings import Settings
from services.user.messaging.outbox import LOCAL_MODELS as USER_LOCAL_MODELS
from services.user.models import MODELS as USER_MODELS

# The services' tables, which Terraform deploys too; and those only the local stack has.
SERVICE_MODELS: tuple[type[Model], ...] = (*USER_MODELS, *CREDIT_MODELS)
LOCAL_MODELS: tuple[type[Model], ...] = (*USER_LOCAL_MODELS, *CREDIT_LOCAL_MODELS)
# The dev identity provider's user pool: locally it stands in for Cognito, which keeps its
# users itself, so it is neither a service's table nor deployed.
USER_POOL_MODELS: tuple[type[Model], ...] = IDP_MODELS
# The audit log both services append to; Terraform declares it apart from the services' tables
# (`infra/modules/dynamodb_tables/audit.tf`), as nobody may ever update or delete in it.
ALL_MODELS: tuple[type[Model], ...] = (
    *SERVICE_MODELS,
    *AUDIT_MODELS,
    *LOCAL_MODELS,
    *USER_POOL_MODELS,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
ACTIVE_TIMEOUT_S = 60.0


def create_tables(settings: Settings, models: tuple[type[Model], ...] = ALL_MODELS) -> list[str]:
    """Create every table of `models` that is missing and wait until all are active.

    Safe to run again, and alongside another run: existing tables are left as they are.

    Args:
        settings: where the tables are and how they are named.
        models: whose tables; all of the stack's by default.

    Returns:
        The physical names of the tables.

    Raises:
        TimeoutError: a table did not become active in time.
    """
    tables = [bind(model, settings) for model in models]
    # Ask for every missing table first and wait afterwards: DynamoDB creates them in parallel.
    for table in tables:
        if not table.exists():
            try:
                # Our own wait below polls every 0.1 s; pynamodb's sleeps 2 s per check, which
                # would dominate `bnpl dev`'s start-up.
                # TTL is switched on below, once the table is active (AWS refuses it before).
                table.create_table(wait=False, ignore_update_ttl_errors=True)
            except TableError as exc:
                # Someone else created it between our check and our create; wait for it below.
                if exc.cause_response_code != "ResourceInUseException":
                    raise
    client = boto3.client(
        "dynamodb", endpoint_url=settings.dynamodb_endpoint, region_name=settings.region
    )
    for table in tables:
        _wait_until_active(table)
        _enable_ttl(table, client)
    return [table.Meta.table_name for table in tables]


def _wait_until_active(table: type[Model]) -> None:
    deadline = time.monotonic() + ACTIVE_TIMEOUT_S
    while table.describe_table().get("TableStatus") != "ACTIVE":
        if time.monotonic() > deadline:
            raise TimeoutError(f"table {table.Meta.table_name} is not active")
        time.sleep(0.1)


def _enable_ttl(table: type[Model], client: DynamoDBClient) -> None:
    """Turn on expiry by the model's TTL attribute, if it has one and it is not on already."""
    ttl = [a.attr_name for a in table.get_attributes().values() if isinstance(a, TTLAttribute)]
    if not ttl:
        return
    name = table.Meta.table_name
    described = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    if described.get("TimeToLiveStatus") in {"ENABLED", "ENABLING"}:
        return
    try:
        client.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"AttributeName": ttl[0], "Enabled": True}
        )
    except ClientError:
        # A racing run enabled it first (DynamoDB refuses enabling twice); anything else stays.
        now = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        if now.get("TimeToLiveStatus") not in {"ENABLED", "ENABLING"}:
            raise
