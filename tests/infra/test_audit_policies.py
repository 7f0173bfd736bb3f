"""The audit log in the planned dev environment: its table is the services' model with its
protections, exactly the roles that write audited changes may put entries, each of them is
denied changing or deleting one, no policy anywhere allows it, and the table's own policy
refuses it to every principal. The plan is the dev root's (`dev_plan.py`), where the audit
table has an ARN of its own (`infra/envs/dev/tests/plan.tftest.hcl`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from services.shared.audit.models import AuditEntryModel
from tests.infra.dev_plan import DevPlan, PlannedResource, dev_plan
from tests.infra.test_tables import model_table

pytestmark = pytest.mark.infra

PREFIX = "module.platform.module"
AUDIT_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/bnpl-dev-audit_log"
REWRITES = {"dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
# The roles whose code makes audited changes, and their audit policies.
WRITERS = {
    f"{PREFIX}.credit_service.aws_iam_role_policy.task_audit[0]",
    f"{PREFIX}.credit_service.aws_iam_role_policy.sweep_audit[0]",
    f"{PREFIX}.user_service.aws_iam_role_policy.audit[0]",
    f"{PREFIX}.webhooks.aws_iam_role_policy.sender_audit[0]",
}


@pytest.fixture(scope="module")
def planned(
    tmp_path_factory: pytest.TempPathFactory,
    terraform_binary: Path,
    terraform_version: tuple[int, int, int],
    provider_mirror: Path,
) -> DevPlan:
    return dev_plan(
        tmp_path_factory, binary=terraform_binary, version=terraform_version, mirror=provider_mirror
    )


def statements(resource: PlannedResource) -> list[dict[str, Any]]:
    """A policy's statements; none for a document the mocked plan cannot know (one built from
    values only an apply gives: the module's own tests hold those)."""
    document = resource.values.get("policy")
    found: list[dict[str, Any]] = json.loads(document)["Statement"] if document else []
    return found


def listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def covers_the_log(statement: dict[str, Any]) -> bool:
    """Whether a statement's resources take in the audit table (wildcards included)."""
    return any(
        resource in ("*", AUDIT_ARN) or resource.startswith(f"{AUDIT_ARN}/")
        for resource in listed(statement.get("Resource", []))
    )


def rewrites(statement: dict[str, Any]) -> set[str]:
    actions = set(listed(statement["Action"]))
    if actions & {"*", "dynamodb:*"}:
        return set(REWRITES)
    return actions & REWRITES


def test_the_audit_table_is_the_model_with_its_protections(planned: DevPlan):
    (table,) = [
        t for t in planned.of_type("aws_dynamodb_table") if t.values["name"] == "bnpl-dev-audit_log"
    ]
    model = model_table(AuditEntryModel)
    values = table.values
    assert (values["hash_key"], values["range_key"]) == (model["hash_key"], model["range_key"])
    assert {a["name"]: a["type"] for a in values["attribute"]} == model["attributes"]
    assert values["ttl"] == [{"attribute_name": model["ttl_attribute"], "enabled": True}]
    assert values["deletion_protection_enabled"] is True
    assert values["point_in_time_recovery"][0]["enabled"] is True
    assert values["server_side_encryption"][0]["enabled"] is True
    assert values["server_side_encryption"][0]["kms_key_arn"]


def test_exactly_the_writers_may_put_entries_and_each_is_denied_rewriting_them(planned: DevPlan):
    policies = planned.of_type("aws_iam_role_policy")
    putting = {
        p.address
        for p in policies
        for st in statements(p)
        if st["Effect"] == "Allow"
        and covers_the_log(st)
        and "dynamodb:PutItem" in listed(st["Action"])
    }
    assert putting == WRITERS
    assert all(p.values.get("policy") for p in policies if p.address in WRITERS)
    for policy in (p for p in policies if p.address in WRITERS):
        denied = [st for st in statements(policy) if st["Effect"] == "Deny" and covers_the_log(st)]
        assert any(rewrites(st) == REWRITES for st in denied), policy.address


def test_no_policy_allows_changing_or_deleting_an_entry(planned: DevPlan):
    allowing = [
        (p.address, sorted(rewrites(st)))
        for p in planned.of_type("aws_iam_role_policy", "aws_iam_policy")
        for st in statements(p)
        if st["Effect"] == "Allow" and covers_the_log(st) and rewrites(st)
    ]
    assert allowing == []


def test_the_tables_own_policy_refuses_it_to_every_principal(planned: DevPlan):
    (policy,) = planned.of_type("aws_dynamodb_resource_policy")
    assert policy.values["resource_arn"] == AUDIT_ARN
    [statement] = statements(policy)
    assert (statement["Effect"], statement["Principal"]) == ("Deny", "*")
    assert rewrites(statement) == REWRITES
