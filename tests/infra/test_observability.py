"""Tracing and alarms in the planned dev environment, held to the code: X-Ray on from AppSync
through every Lambda into the credit service's tasks, every alarm to the one encrypted topic,
and every product metric an alarm or the dashboard reads is one the services emit."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.infra.conftest import REPO_ROOT
from tests.infra.dev_plan import DevPlan, PlannedResource, dev_plan

pytestmark = pytest.mark.infra

MONITORING = "module.platform.module.monitoring"


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


def emitted_metric_names() -> set[str]:
    """The metric names the services' and the stack's code passes to `count`/`milliseconds`."""
    pattern = re.compile(r"""\b(?:count|milliseconds)\(\s*"([A-Za-z0-9]+)\"""")
    sources = [*(REPO_ROOT / "services").rglob("*.py"), *(REPO_ROOT / "bnpl").rglob("*.py")]
    return {name for path in sources for name in pattern.findall(path.read_text())}


def one(planned: DevPlan, address: str) -> PlannedResource:
    [found] = [r for r in planned.resources if r.address == address]
    return found


def test_appsync_and_every_lambda_trace_with_x_ray(planned: DevPlan):
    (api,) = planned.of_type("aws_appsync_graphql_api")
    assert api.values["xray_enabled"] is True
    functions = planned.of_type("aws_lambda_function")
    assert functions
    assert all(f.values["tracing_config"] == [{"mode": "Active"}] for f in functions)


def test_the_credit_service_runs_an_x_ray_daemon_that_may_send_traces(planned: DevPlan):
    task = one(planned, "module.platform.module.credit_service.aws_ecs_task_definition.this")
    containers = json.loads(task.values["container_definitions"])
    assert [c["name"] for c in containers] == ["credit", "xray-daemon"]
    policy = one(planned, "module.platform.module.credit_service.aws_iam_role_policy.xray")
    [statement] = json.loads(policy.values["policy"])["Statement"]
    assert "xray:PutTraceSegments" in statement["Action"]


def test_every_alarm_notifies_the_one_encrypted_topic(planned: DevPlan):
    (topic,) = planned.of_type("aws_sns_topic")
    assert topic.address == f"{MONITORING}.aws_sns_topic.alarms[0]"
    assert topic.values["kms_master_key_id"]
    arn = planned.outputs["monitoring"]["alarm_topic_arn"]
    assert arn.endswith(":bnpl-dev-alarms")
    alarms = planned.of_type("aws_cloudwatch_metric_alarm")
    listed = set(planned.outputs["monitoring"]["alarm_names"])
    assert {a.values["alarm_name"] for a in alarms} == listed
    assert all(a.values["alarm_actions"] == [arn] for a in alarms)


def test_the_5xx_alarms_watch_this_environments_apis(planned: DevPlan):
    (api,) = planned.of_type("aws_appsync_graphql_api")
    (http_api,) = planned.of_type("aws_apigatewayv2_api")
    watched = {
        alarm.values["alarm_name"]: {
            q["metric"][0]["namespace"]: q["metric"][0]["dimensions"]
            for q in alarm.values["metric_query"]
            if q["metric"]
        }
        for alarm in planned.of_type("aws_cloudwatch_metric_alarm")
        if alarm.address.startswith(MONITORING)
    }
    assert watched["bnpl-dev-api-5xx-rate"] == {"AWS/AppSync": {"GraphQLAPIId": api.values["id"]}}
    assert watched["bnpl-dev-user-service-5xx-rate"] == {
        "AWS/ApiGateway": {"ApiId": http_api.values["id"]}
    }


def test_the_product_metrics_terraform_reads_are_ones_the_code_emits(planned: DevPlan):
    read = set()
    for alarm in planned.of_type("aws_cloudwatch_metric_alarm"):
        if alarm.values.get("namespace") == "BNPL":
            read.add(alarm.values["metric_name"])
        for query in alarm.values.get("metric_query") or []:
            read |= {m["metric_name"] for m in query["metric"] if m["namespace"] == "BNPL"}
    (dashboard,) = planned.of_type("aws_cloudwatch_dashboard")
    for widget in json.loads(dashboard.values["dashboard_body"])["widgets"]:
        for metric in widget["properties"].get("metrics") or []:
            if isinstance(metric[0], str) and metric[0] == "BNPL":
                read.add(metric[1])
            elif isinstance(metric[0], dict):
                read |= set(re.findall(r'MetricName="(\w+)"', metric[0]["expression"]))
    assert read >= {"DecisionLatency", "ScreeningStepErrors", "MoneyMovementFailures"}
    assert read <= emitted_metric_names(), read - emitted_metric_names()
