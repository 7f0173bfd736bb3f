"""A challenger model in shadow on the scoring endpoint, in the planned dev environment.

With `challenger_model_data_url` set (and instance hosting, which a second variant needs), the
endpoint has two production variants: the champion, `AllTraffic`, with all the weight, and the
challenger, `Challenger`, with weight 0, each serving its own model of the same image; the
endpoint's role reads both artefacts; the credit service is told the challenger's variant
(`BNPL_SCORING_CHALLENGER_VARIANT`), which it scores in shadow with InvokeEndpoint's
TargetVariant. Without one, the endpoint has one variant and the service no such setting. On a
serverless endpoint a challenger is refused at plan: SageMaker Serverless Inference takes one
production variant. The variant names are the local scoring server's (`services/scoring/app.py`).

The plans come from `terraform test` over the dev root, against the mocked AWS provider of its
own `tests/plan.tftest.hcl` (see `dev_plan.py`): this module writes, into a throw-away copy of
`infra/`, a test file with that file's providers, overrides and variables and three runs of its
own (no challenger; a challenger on instances; a challenger on serverless), so one `terraform
test` plans all three, in seconds.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from services.scoring.app import CHALLENGER_VARIANT, PRODUCTION_VARIANT
from tests.infra.conftest import MIN_TERRAFORM_FOR_TEST_COMMAND, TerraformRun, make_sandbox
from tests.infra.dev_plan import DEV_ROOT, PLAN_TEST_FILE, DevPlan, PlannedResource

pytestmark = pytest.mark.infra

SCORING = "module.platform.module.scoring_endpoint"
CREDIT = "module.platform.module.credit_service"
CHAMPION_URL = "s3://bnpl-dev-models/credit-v1/model.tar.gz"  # the dev test file's
CHALLENGER_URL = "s3://bnpl-dev-models/credit-v2/model.tar.gz"
CHAMPION_MODEL = "mock-credit-model-20261122"  # infra/tests/mocks/aws
CHALLENGER_MODEL = "mock-credit-challenger-20261122"
CHALLENGER_ENV = "BNPL_SCORING_CHALLENGER_VARIANT"
SERVERLESS_REFUSAL = "A challenger model needs instance hosting"

TEST_FILE = "tests/challenger.tftest.hcl"
WITHOUT, WITH, ON_SERVERLESS = "without_a_challenger", "with_a_challenger", "on_serverless"
RUNS = f"""
# The challenger's model gets a name of its own, so each variant's model can be told apart.
override_resource {{
  target          = {SCORING}.aws_sagemaker_model.challenger
  override_during = plan
  values          = {{ name = "{CHALLENGER_MODEL}" }}
}}

run "{WITHOUT}" {{
  command = plan
}}

run "{WITH}" {{
  command = plan

  variables {{
    scoring_instance_type     = "ml.c6i.large"
    challenger_model_data_url = "{CHALLENGER_URL}"
  }}
}}

# Last: its plan fails (expect_failures cannot name a resource inside a module).
run "{ON_SERVERLESS}" {{
  command = plan

  variables {{
    challenger_model_data_url = "{CHALLENGER_URL}"
  }}
}}
"""


@dataclass(frozen=True, kw_only=True)
class ChallengerRuns:
    """Each run's status, the plans of those that planned, and the errors of those that failed."""

    statuses: Mapping[str, str]
    plans: Mapping[str, DevPlan]
    errors: Mapping[str, list[str]]
    report: str


def _as_dev_plan(plan: Mapping[str, Any]) -> DevPlan:
    """The plan's managed resources and outputs, as `dev_plan.py` reads them."""
    resources = tuple(
        PlannedResource(
            address=change["address"],
            type=change["type"],
            values=change["change"].get("after") or {},
            unknown=change["change"].get("after_unknown") or {},
        )
        for change in plan.get("resource_changes", [])
        if change.get("mode") == "managed" and "delete" not in change["change"]["actions"]
    )
    outputs = {name: change.get("after") for name, change in plan.get("output_changes", {}).items()}
    return DevPlan(resources=resources, outputs=outputs)


def _read_runs(tested: TerraformRun) -> ChallengerRuns:
    statuses: dict[str, str] = {}
    plans: dict[str, DevPlan] = {}
    errors: dict[str, list[str]] = {}
    for line in tested.stdout.splitlines():
        if not line.startswith("{"):
            continue
        message = json.loads(line)
        run = message.get("@testrun")
        if message.get("type") == "test_run" and message["test_run"].get("status"):
            statuses[message["test_run"]["run"]] = message["test_run"]["status"]
        elif message.get("type") == "test_plan" and run:
            plans[run] = _as_dev_plan(message["test_plan"])
        elif message.get("type") == "diagnostic" and run:
            diagnostic = message["diagnostic"]
            if diagnostic["severity"] == "error":
                errors.setdefault(run, []).append(
                    f"{diagnostic['summary']}: {diagnostic.get('detail', '')}"
                )
    return ChallengerRuns(statuses=statuses, plans=plans, errors=errors, report=tested.report())


@pytest.fixture(scope="module")
def runs(
    tmp_path_factory: pytest.TempPathFactory,
    terraform_binary: Path,
    terraform_version: tuple[int, int, int],
    provider_mirror: Path,
) -> ChallengerRuns:
    if terraform_version < MIN_TERRAFORM_FOR_TEST_COMMAND:
        needed = ".".join(map(str, MIN_TERRAFORM_FOR_TEST_COMMAND))
        pytest.skip(f"the dev plans come from `terraform test` with mocks: Terraform >= {needed}")
    sandbox = make_sandbox(
        tmp_path_factory.mktemp("challenger-plan"),
        binary=terraform_binary,
        version=terraform_version,
        mirror=provider_mirror,
    )
    dev = sandbox.root / "infra" / DEV_ROOT
    source = (dev / PLAN_TEST_FILE).read_text(encoding="utf-8")
    # Everything before the first run: the mocked providers, the overrides and the variables.
    header = source[: source.index('\nrun "') + 1]
    assert 'mock_provider "aws"' in header, PLAN_TEST_FILE
    assert "\nvariables {" in header, PLAN_TEST_FILE
    (dev / TEST_FILE).write_text(header + RUNS, encoding="utf-8")
    init = sandbox.run(DEV_ROOT, "init", "-backend=false", "-input=false", "-no-color")
    assert init.returncode == 0, init.report()
    tested = sandbox.run(DEV_ROOT, "test", "-verbose", "-json", f"-filter={TEST_FILE}")
    found = _read_runs(tested)
    assert found.statuses == {WITHOUT: "pass", WITH: "pass", ON_SERVERLESS: "error"}, found.report
    assert set(found.plans) >= {WITHOUT, WITH}, found.report
    return found


def one(plan: DevPlan, address: str) -> PlannedResource:
    [found] = [r for r in plan.resources if r.address == address]
    return found


def variants(plan: DevPlan) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = one(
        plan, f"{SCORING}.aws_sagemaker_endpoint_configuration.this"
    ).values["production_variants"]
    return found


def models(plan: DevPlan) -> dict[str, PlannedResource]:
    return {
        r.address.removeprefix(f"{SCORING}."): r
        for r in plan.of_type("aws_sagemaker_model")
        if r.address.startswith(f"{SCORING}.")
    }


def credit_environment(plan: DevPlan) -> dict[str, str]:
    task = one(plan, f"{CREDIT}.aws_ecs_task_definition.this")
    (container, *_) = json.loads(task.values["container_definitions"])
    return {e["name"]: e["value"] for e in container["environment"]}


def artefacts_read(plan: DevPlan) -> list[str]:
    policy = one(plan, f"{SCORING}.aws_iam_role_policy.this")
    [resources] = [
        st["Resource"]
        for st in json.loads(policy.values["policy"])["Statement"]
        if st["Sid"] == "ReadTheModelArtefact"
    ]
    return list(resources)


def object_arn(url: str) -> str:
    return f"arn:aws:s3:::{url.removeprefix('s3://')}"


def test_the_variant_names_are_the_local_scoring_servers():
    assert (PRODUCTION_VARIANT, CHALLENGER_VARIANT) == ("AllTraffic", "Challenger")


def test_without_a_challenger_one_variant_takes_all_the_traffic(runs: ChallengerRuns):
    plan = runs.plans[WITHOUT]
    assert [(v["variant_name"], v["initial_variant_weight"]) for v in variants(plan)] == [
        (PRODUCTION_VARIANT, 1)
    ]
    assert list(models(plan)) == ["aws_sagemaker_model.this"]
    assert artefacts_read(plan) == [object_arn(CHAMPION_URL)]
    assert plan.outputs["scoring_endpoint"]["challenger_variant"] is None


def test_without_a_challenger_the_credit_service_scores_with_the_champion_alone(
    runs: ChallengerRuns,
):
    plan = runs.plans[WITHOUT]
    assert CHALLENGER_ENV not in credit_environment(plan)
    assert CHALLENGER_ENV not in plan.outputs["service_environment"]["credit"]


def test_a_challenger_is_a_second_variant_with_no_traffic(runs: ChallengerRuns):
    plan = runs.plans[WITH]
    assert [
        (v["variant_name"], v["initial_variant_weight"], v["model_name"]) for v in variants(plan)
    ] == [
        (PRODUCTION_VARIANT, 1, CHAMPION_MODEL),
        (CHALLENGER_VARIANT, 0, CHALLENGER_MODEL),
    ]
    # Hosted as the champion is.
    assert {
        (v["instance_type"], v["initial_instance_count"], len(v["serverless_config"]))
        for v in variants(plan)
    } == {("ml.c6i.large", 1, 0)}
    assert plan.outputs["scoring_endpoint"]["hosting"] == "instances"
    assert plan.outputs["scoring_endpoint"]["challenger_variant"] == CHALLENGER_VARIANT


def test_the_challenger_is_the_champions_model_with_another_artefact(runs: ChallengerRuns):
    found = models(runs.plans[WITH])
    assert set(found) == {"aws_sagemaker_model.this", "aws_sagemaker_model.challenger[0]"}
    champion = found["aws_sagemaker_model.this"].values
    challenger = found["aws_sagemaker_model.challenger[0]"].values
    [champion_container] = champion["primary_container"]
    [challenger_container] = challenger["primary_container"]
    assert champion_container["model_data_url"] == CHAMPION_URL
    assert challenger_container == {**champion_container, "model_data_url": CHALLENGER_URL}
    for key in ("execution_role_arn", "enable_network_isolation", "vpc_config"):
        assert challenger[key] == champion[key], key
    assert challenger["enable_network_isolation"] is True


def test_the_endpoints_role_reads_both_artefacts_and_nothing_else(runs: ChallengerRuns):
    assert artefacts_read(runs.plans[WITH]) == [
        object_arn(CHAMPION_URL),
        object_arn(CHALLENGER_URL),
    ]


def test_the_credit_service_scores_the_challenger_in_shadow(runs: ChallengerRuns):
    plan = runs.plans[WITH]
    environment = credit_environment(plan)
    assert environment[CHALLENGER_ENV] == CHALLENGER_VARIANT
    assert plan.outputs["service_environment"]["credit"][CHALLENGER_ENV] == CHALLENGER_VARIANT
    # The variant it targets is on the endpoint it invokes, and takes no traffic of its own.
    assert environment["BNPL_SCORING_ENDPOINT_NAME"] == plan.outputs["scoring_endpoint"]["name"]
    weights = {v["variant_name"]: v["initial_variant_weight"] for v in variants(plan)}
    assert weights[environment[CHALLENGER_ENV]] == 0


def test_a_challenger_on_a_serverless_endpoint_is_refused(runs: ChallengerRuns):
    assert ON_SERVERLESS not in runs.plans
    errors = runs.errors.get(ON_SERVERLESS, [])
    assert any(SERVERLESS_REFUSAL in error for error in errors), runs.report
