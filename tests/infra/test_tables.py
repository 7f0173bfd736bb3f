"""The DynamoDB tables Terraform deploys are the services' pynamodb models: same names, keys,
key types and TTL attribute. Terraform itself reads `infra/modules/platform/tables.tf` (copied
beside a one-line output, applied with no provider), so nothing here parses HCL by hand.

Tables only the local stack has (the dev outbox, the webhook secrets) are deliberately absent
from Terraform. Streams are Terraform's alone (no model declares one): the webhook outbox's feeds
its sender Lambda, and no other table has one.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from pynamodb.attributes import TTLAttribute
from pynamodb.models import Model

from bnpl.tables import LOCAL_MODELS, SERVICE_MODELS
from services.shared.dynamodb import short_name
from tests.infra.conftest import INFRA, run_terraform

SANDBOX_TABLES = ("sandbox_charges", "sandbox_refunds")
# The tables with a DynamoDB stream, and its view: the webhook outbox's new images feed the
# sender Lambda (infra/modules/webhooks).
STREAMS = {"webhook_events": "NEW_IMAGE"}

pytestmark = pytest.mark.infra

_TYPES = {"S": "S", "N": "N", "B": "B"}


def model_table(model: type[Model]) -> dict[str, Any]:
    """A model's table in the shape of the platform module's `local.tables` entries."""
    attributes = model.get_attributes().values()
    hash_key = next(a for a in attributes if a.is_hash_key)
    range_key = next((a for a in attributes if a.is_range_key), None)
    keys = [hash_key, *([range_key] if range_key else [])]
    ttl = next((a.attr_name for a in attributes if isinstance(a, TTLAttribute)), None)
    indexes = {}
    for index in model._indexes.values():
        index_attributes = index.Meta.attributes.values()
        index_keys = [a for a in index_attributes if a.is_hash_key or a.is_range_key]
        keys.extend(index_keys)
        definition = {
            key: next(a.attr_name for a in index_keys if getattr(a, f"is_{key}"))
            for key in ("hash_key", "range_key")
            if any(getattr(a, f"is_{key}") for a in index_keys)
        }
        indexes[index.Meta.index_name] = {
            **definition,
            "projection_type": index.Meta.projection.projection_type,
            "non_key_attributes": getattr(index.Meta.projection, "non_key_attributes", None),
        }
    table: dict[str, Any] = {
        "hash_key": hash_key.attr_name,
        "attributes": {a.attr_name: _TYPES[a.attr_type] for a in keys},
    }
    if indexes:
        table["global_secondary_indexes"] = indexes
    if range_key is not None:
        table["range_key"] = range_key.attr_name
    if ttl is not None:
        table["ttl_attribute"] = ttl
    return table


@pytest.fixture(scope="module")
def terraform_tables(terraform_binary: Path, tmp_path_factory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("tables")
    shutil.copy2(INFRA / "modules" / "platform" / "tables.tf", work / "tables.tf")
    (work / "output.tf").write_text(
        'output "tables" {\n  value = local.tables\n}\n'
        'output "sandbox_payment_tables" {\n  value = local.sandbox_payment_tables\n}\n'
    )
    for args in (["init", "-input=false", "-no-color"], ["apply", "-auto-approve", "-no-color"]):
        result = run_terraform(terraform_binary, args, cwd=work)
        assert result.returncode == 0, result.report()
    shown = run_terraform(terraform_binary, ["output", "-json"], cwd=work)
    assert shown.returncode == 0, shown.report()
    outputs = json.loads(shown.stdout)
    tables: dict[str, Any] = outputs["tables"]["value"]
    tables["<sandbox>"] = outputs["sandbox_payment_tables"]["value"]
    return tables


def test_terraform_declares_exactly_the_services_tables(terraform_tables):
    models = {short_name(model): model_table(model) for model in SERVICE_MODELS}
    declared = {
        name: {
            key: _indexes(value) if key == "global_secondary_indexes" else value
            for key, value in table.items()
            if value is not None and key != "stream_view_type"
        }
        for name, table in terraform_tables.items()
        if name != "<sandbox>"
    }
    models = {
        name: {
            key: _indexes(value) if key == "global_secondary_indexes" else value
            for key, value in table.items()
        }
        for name, table in models.items()
    }
    assert declared == models


def test_only_the_webhook_outbox_has_a_stream(terraform_tables):
    streams = {
        name: table["stream_view_type"]
        for name, table in terraform_tables.items()
        if name != "<sandbox>" and table.get("stream_view_type") is not None
    }
    assert streams == STREAMS


def test_local_only_tables_are_not_deployed(terraform_tables):
    assert {short_name(model) for model in LOCAL_MODELS} == {
        "dev_outbox",
        "credit_event_outbox",
        "webhook_secrets",
        *SANDBOX_TABLES,
    }
    assert not {short_name(model) for model in LOCAL_MODELS} & set(terraform_tables)


def test_the_sandbox_card_networks_tables_match_its_models(terraform_tables):
    """Deployed only where `sandbox_payments` is on (dev), with the models' keys."""
    models = {
        short_name(model): model_table(model)
        for model in LOCAL_MODELS
        if short_name(model) in SANDBOX_TABLES
    }
    assert terraform_tables["<sandbox>"] == models


def _indexes(indexes: dict[str, Any]) -> dict[str, Any]:
    # The module's defaults: projection ALL, no non-key attributes.
    return {
        name: {"projection_type": "ALL"}
        | {key: value for key, value in index.items() if value is not None}
        for name, index in indexes.items()
    }
