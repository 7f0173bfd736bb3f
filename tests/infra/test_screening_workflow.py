"""Pre-screening on Step Functions in the planned dev environment, held to the code.

The state machine is Express and runs the very definition the in-process runner reads
(`services.credit.screening.definition`), its placeholder replaced by the step function's live
alias; it logs every event, without execution data, to an encrypted group and traces with X-Ray;
its role may invoke that alias and nothing else of Lambda. The step function runs in the VPC with
X-Ray on and reaches what the credit service reaches; the credit service screens in-process unless
told otherwise, and may start synchronous runs of this one machine only. (The step function's own
policy is built from values only an apply gives, so the module's tests hold it: its reads of the
screening's tables, the scoring endpoint and the bank data route, and nothing else.)

The plan is the dev root's (`dev_plan.py`), where the workflow's function, alias, machine and log
group have ARNs of their own (`infra/envs/dev/tests/plan.tftest.hcl`), so every value compared
here is known.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from services.credit.screening.definition import (
    DEFINITION_PATH,
    STEP_ARN_PLACEHOLDER,
    render_definition,
)
from tests.infra.conftest import INFRA
from tests.infra.dev_plan import DevPlan, PlannedResource, dev_plan

pytestmark = pytest.mark.infra

WORKFLOW = "module.platform.module.screening_workflow"
CREDIT = "module.platform.module.credit_service"
STEP_ALIAS_ARN = "arn:aws:lambda:us-east-1:123456789012:function:bnpl-dev-screening-step:live"
STEP_FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:bnpl-dev-screening-step"
STATE_MACHINE_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:bnpl-dev-screening"
HANDLER = "services.credit.step_lambda.handler"


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


def one(planned: DevPlan, address: str) -> PlannedResource:
    [found] = [r for r in planned.resources if r.address == address]
    return found


def statements(resource: PlannedResource) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(resource.values["policy"])["Statement"]
    return found


def listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def tasks(states: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Every Task state of a definition, inside Parallel branches too."""
    for state in states.values():
        if state["Type"] == "Task":
            yield state
        for branch in state.get("Branches", ()):
            yield from tasks(branch["States"])


@pytest.fixture(scope="module")
def machine(planned: DevPlan) -> PlannedResource:
    (found,) = planned.of_type("aws_sfn_state_machine")
    assert found.address == f"{WORKFLOW}.aws_sfn_state_machine.this"
    return found


@pytest.fixture(scope="module")
def step_function(planned: DevPlan) -> PlannedResource:
    return one(planned, f"{WORKFLOW}.aws_lambda_function.this")


def test_the_state_machine_is_express(machine: PlannedResource):
    assert machine.values["type"] == "EXPRESS"
    assert machine.values["name"] == "bnpl-dev-screening"
    assert machine.values["arn"] == STATE_MACHINE_ARN


def test_the_module_reads_the_definition_the_runner_reads():
    main = (INFRA / "modules" / "screening_workflow" / "main.tf").read_text(encoding="utf-8")
    found = re.search(r'definition_file\s*=\s*"\$\{path\.module\}/([^"]+)"', main)
    assert found is not None, "screening_workflow names its definition file relative to itself"
    module_dir = INFRA / "modules" / "screening_workflow"
    assert (module_dir / found.group(1)).resolve() == DEFINITION_PATH.resolve()
    assert STEP_ARN_PLACEHOLDER in DEFINITION_PATH.read_text(encoding="utf-8")


def test_the_definition_is_the_repositorys_with_the_step_functions_alias(
    planned: DevPlan, machine: PlannedResource
):
    alias = one(planned, f"{WORKFLOW}.aws_lambda_alias.live")
    assert alias.values["arn"] == STEP_ALIAS_ARN
    deployed = json.loads(machine.values["definition"])
    assert deployed == json.loads(render_definition(alias.values["arn"]))
    resources = {task["Resource"] for task in tasks(deployed["States"])}
    assert resources == {STEP_ALIAS_ARN}


def test_every_event_is_logged_without_execution_data_to_an_encrypted_group(
    planned: DevPlan, machine: PlannedResource
):
    group = one(planned, f"{WORKFLOW}.aws_cloudwatch_log_group.state_machine")
    assert machine.values["logging_configuration"] == [
        {
            "level": "ALL",
            "include_execution_data": False,
            "log_destination": f"{group.values['arn']}:*",
        }
    ]
    assert group.values["kms_key_id"]
    # Kept as long as the platform's other logs (the credit service's, say).
    credit_logs = one(planned, f"{CREDIT}.aws_cloudwatch_log_group.this")
    assert group.values["retention_in_days"] == credit_logs.values["retention_in_days"]
    assert group.values["kms_key_id"] == credit_logs.values["kms_key_id"]


def test_the_state_machine_traces(machine: PlannedResource):
    assert machine.values["tracing_configuration"] == [{"enabled": True}]


def test_the_machines_role_invokes_the_step_functions_alias_only(
    planned: DevPlan, machine: PlannedResource
):
    policy = one(planned, f"{WORKFLOW}.aws_iam_role_policy.state_machine")
    lambda_statements = [
        st
        for st in statements(policy)
        if any(action.startswith("lambda:") for action in listed(st["Action"]))
    ]
    assert [(st["Effect"], st["Action"], st["Resource"]) for st in lambda_statements] == [
        ("Allow", "lambda:InvokeFunction", STEP_ALIAS_ARN)
    ]
    # Exactly what the definition invokes.
    deployed = json.loads(machine.values["definition"])
    invoked = {task["Resource"] for task in tasks(deployed["States"])}
    assert set(listed(lambda_statements[0]["Resource"])) == invoked


def test_no_policy_grants_lambda_actions_on_every_function(planned: DevPlan):
    wildcard = [
        (p.address, st["Action"])
        for p in planned.of_type("aws_iam_role_policy", "aws_iam_policy")
        if p.values.get("policy")
        for st in statements(p)
        if any(a == "*" or a.startswith("lambda:") for a in listed(st["Action"]))
        and any(r == "*" or r.endswith(":function:*") for r in listed(st["Resource"]))
    ]
    assert wildcard == []


def test_only_the_state_machine_may_invoke_the_step_function(planned: DevPlan):
    invokers = {
        p.address
        for p in planned.of_type("aws_iam_role_policy", "aws_iam_policy")
        if p.values.get("policy")
        for st in statements(p)
        if st["Effect"] == "Allow"
        and "lambda:InvokeFunction" in listed(st["Action"])
        and any(r.startswith(STEP_FUNCTION_ARN) for r in listed(st["Resource"]))
    }
    assert invokers == {f"{WORKFLOW}.aws_iam_role_policy.state_machine"}


def test_the_credit_task_role_may_start_sync_runs_of_this_machine_only(planned: DevPlan):
    granting = [
        (p.address, st)
        for p in planned.of_type("aws_iam_role_policy", "aws_iam_policy")
        if p.values.get("policy")
        for st in statements(p)
        if any(a == "*" or a.startswith("states:") for a in listed(st["Action"]))
    ]
    assert granting == [
        (
            f"{CREDIT}.aws_iam_role_policy.task",
            {
                "Sid": "RunPrescreening",
                "Effect": "Allow",
                "Action": "states:StartSyncExecution",
                "Resource": STATE_MACHINE_ARN,
            },
        )
    ]


def test_the_step_function_runs_in_the_vpc_with_x_ray(
    planned: DevPlan, step_function: PlannedResource
):
    values = step_function.values
    assert values["image_config"][0]["command"] == [HANDLER]
    assert values["tracing_config"] == [{"mode": "Active"}]
    assert values["kms_key_arn"]
    assert values["reserved_concurrent_executions"] >= 1
    # The credit service's private subnets, behind the function's own group.
    service = one(planned, f"{CREDIT}.aws_ecs_service.this")
    (network,) = service.values["network_configuration"]
    (vpc,) = values["vpc_config"]
    assert set(vpc["subnet_ids"]) == set(network["subnets"])
    group = one(planned, f"{WORKFLOW}.aws_security_group.function")
    assert vpc["security_group_ids"] == [group.values["id"]]
    # HTTPS out, nothing in.
    rules = [
        r
        for r in planned.of_type(
            "aws_vpc_security_group_egress_rule", "aws_vpc_security_group_ingress_rule"
        )
        if r.address.startswith(f"{WORKFLOW}.")
    ]
    assert [(r.type, r.values["ip_protocol"], r.values["from_port"]) for r in rules] == [
        ("aws_vpc_security_group_egress_rule", "tcp", 443)
    ]


def test_the_step_function_gives_up_before_its_task(step_function: PlannedResource):
    definition = json.loads(DEFINITION_PATH.read_text(encoding="utf-8"))
    timeouts = [task["TimeoutSeconds"] for task in tasks(definition["States"])]
    assert timeouts, "the definition's Tasks carry no TimeoutSeconds"
    assert step_function.values["timeout"] < min(timeouts)


def test_the_step_function_reaches_what_the_credit_service_reaches(
    planned: DevPlan, step_function: PlannedResource
):
    (environment,) = step_function.values["environment"]
    credit = planned.outputs["service_environment"]["credit"]
    names = (
        "BNPL_TABLE_PREFIX",
        "BNPL_DYNAMODB_ENDPOINT",
        "BNPL_USER_SERVICE_URL",
        "BNPL_USER_SERVICE_AUTH",
        "BNPL_SCORING_ENDPOINT_URL",
        "BNPL_SCORING_ENDPOINT_NAME",
    )
    assert environment["variables"] == {name: credit[name] for name in names}


def test_the_credit_service_screens_in_process_by_default(planned: DevPlan):
    task = one(planned, f"{CREDIT}.aws_ecs_task_definition.this")
    (container, *_) = json.loads(task.values["container_definitions"])
    environment = {e["name"]: e["value"] for e in container["environment"]}
    assert environment["BNPL_WORKFLOW_ENGINE"] == "in_process"
    assert environment["BNPL_STATE_MACHINE_ARN"] == STATE_MACHINE_ARN
    assert planned.outputs["screening_workflow"]["engine"] == "in_process"
