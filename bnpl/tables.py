"""Create the tables of every service, from their pynamodb models (DynamoDB Local or AWS)."""

from __future__ import annotations

import time

from pynamodb.exceptions import TableError
from pynamodb.models import Model

from services.credit.models import MODELS as CREDIT_MODELS
from services.shared.dynamodb import bind
from services.shared.settings import Settings
from services.user.models import MODELS as USER_MODELS

ALL_MODELS: tuple[type[Model], ...] = (*USER_MODELS, *CREDIT_MODELS)
ACTIVE_TIMEOUT_S = 60.0


def create_tables(settings: Settings) -> list[str]:
    """Create every table that is missing and wait until all are active.

    Safe to run again, and alongside another run: existing tables are left as they are.

    Returns:
        The physical names of all the services' tables.

    Raises:
        TimeoutError: a table did not become active in time.
    """
    tables = [bind(model, settings) for model in ALL_MODELS]
    # Ask for every missing table first and wait afterwards: DynamoDB creates them in parallel.
    for table in tables:
        if not table.exists():
            try:
                # Our own wait below polls every 0.1 s; pynamodb's sleeps 2 s per check, which
                # would dominate `bnpl dev`'s start-up.
                table.create_table(wait=False)
            except TableError as exc:
                # Someone else created it between our check and our create; wait for it below.
                if exc.cause_response_code != "ResourceInUseException":
                    raise
    for table in tables:
        _wait_until_active(table)
    return [table.Meta.table_name for table in tables]


def _wait_until_active(table: type[Model]) -> None:
    deadline = time.monotonic() + ACTIVE_TIMEOUT_S
    while table.describe_table().get("TableStatus") != "ACTIVE":
        if time.monotonic() > deadline:
            raise TimeoutError(f"table {table.Meta.table_name} is not active")
        time.sleep(0.1)
