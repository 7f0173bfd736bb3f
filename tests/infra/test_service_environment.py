"""The environment variables each deployed component reads are the ones Terraform sets.

`services/shared/environment.py` declares every variable the services read (`ENVIRONMENT`): which
component reads it, and which components need it set in AWS because its local default points at
the local stack. This test plans the dev root (see `dev_plan.py`) and, for every Lambda function,
ECS container and SageMaker model in it, checks that:

- every BNPL_* variable Terraform sets is one that component reads (a typo, or a variable the code
  stopped reading, fails here rather than being silently ignored in AWS);
- every variable the component needs is set, including those its modes need (`aws` messaging
  needs an origination identity and a sender address, EventBridge events a bus);
- the local-only modes are not deployed: the dev outbox and the credit event outbox are tables
  only the local stack has;
- the values parse (`Settings.from_environ` accepts them) and agree across components (one
  issuer, one table prefix, which the tables carry);
- no Lambda function sets a variable Lambda reserves (AWS_REGION and the like), which
  CreateFunction would refuse.

Components are recognised by what they run: a Lambda function by its handler (or its image's
command), `services.<component>.…` (`services.credit.webhooks.…` is the webhook sender,
component `webhooks`); an ECS container by its command, else its name; a SageMaker model is the
scoring server. The pre-screening step function (`services.credit.step_lambda`) runs credit code
for the state machine: it may set only what the credit service reads, and needs only what the
steps read (`SCREENING_STEP_NEEDS`). While the dev root plans none of them (the service modules
are being wired in), the tests are skipped with that reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from services.credit.webhooks.settings import WebhookSettings
from services.shared.environment import COMPONENTS, ENVIRONMENT, Component
from services.shared.settings import Settings
from tests.infra.dev_plan import DevPlan, dev_plan

pytestmark = pytest.mark.infra

DEPLOYED_TYPES = ("aws_lambda_function", "aws_ecs_task_definition", "aws_sagemaker_model")

# Lambda refuses these in a function's environment (they are the runtime's own).
LAMBDA_RESERVED = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)

# Variables every component that reads them must agree on.
SHARED = (
    "BNPL_TABLE_PREFIX",
    "BNPL_COGNITO_ISSUER",
    "BNPL_COGNITO_JWKS_URL",
    "BNPL_COGNITO_CLIENT_IDS",
    "BNPL_SERVICE_CLIENT_ID",
)

_BY_NAME: dict[str, Component] = {component: component for component in COMPONENTS}
# The webhook sender is credit code (services/credit/webhooks) deployed as its own component.
_BY_NAME |= {"credit.webhooks": "webhooks", "credit/webhooks": "webhooks"}
_COMPONENT_IN_CODE = re.compile(
    r"\bservices[./](credit[./]webhooks|credit_proxy|credit|user|scoring)\b"
)
# The pre-screening step function: credit code run one step at a time by the state machine
# (modules/screening_workflow). What its steps need set in AWS: the tables, the user service
# (SigV4-signed) and the scoring endpoint, as the credit service has them.
_SCREENING_STEP = re.compile(r"\bservices[./]credit[./]step_lambda\b")
SCREENING_STEP_NEEDS = frozenset(
    {
        "BNPL_DYNAMODB_ENDPOINT",
        "BNPL_TABLE_PREFIX",
        "BNPL_USER_SERVICE_URL",
        "BNPL_USER_SERVICE_AUTH",
        "BNPL_SCORING_ENDPOINT_URL",
        "BNPL_SCORING_ENDPOINT_NAME",
    }
)
# Containers beside ours that run AWS's images, none of our code (credit_service/xray.tf).
SIDECARS = frozenset({"xray-daemon"})
# The webhook settings' readers (services/credit/webhooks/settings.py).
_WEBHOOK_SETTINGS_READERS = ("credit", "webhooks")


@dataclass(frozen=True, kw_only=True)
class Deployed:
    """One process Terraform deploys, and the environment it gives it."""

    where: str
    kind: str
    runs: str
    component: Component | None
    names: frozenset[str] | None
    values: Mapping[str, str]
    screening_step: bool = False

    def describe(self) -> str:
        return f"{self.where} ({self.kind} running {self.runs!r})"


def _component(*texts: str) -> Component | None:
    for text in texts:
        match = _COMPONENT_IN_CODE.search(text)
        if match is not None:
            return _BY_NAME[match.group(1)]
    return None


def _container_component(container: Mapping[str, Any]) -> Component | None:
    command = " ".join([*(container.get("entryPoint") or []), *(container.get("command") or [])])
    by_command = _component(command)
    if by_command is not None:
        return by_command
    name = str(container.get("name", "")).lower().replace("-", "_")
    # credit_proxy before credit: a proxy's name holds both.
    for component in ("credit_proxy", "scoring", "credit", "user"):
        if component in name:
            return _BY_NAME[component]
    return None


def _lambda(resource_address: str, values: Mapping[str, Any], unknown: Any) -> Deployed:
    image_config = values.get("image_config") or []
    command = (image_config[0].get("command") or []) if image_config else []
    runs = command[0] if command else str(values.get("handler") or "")
    environment = values.get("environment") or []
    variables = dict(environment[0].get("variables") or {}) if environment else {}
    unknown_variables = (
        unknown.get("environment", [{}])[0].get("variables")
        if isinstance(unknown, Mapping) and unknown.get("environment")
        else None
    )
    names: frozenset[str] | None = frozenset(variables)
    if unknown_variables is True:
        names = None  # the whole map is unknown at plan time
    elif isinstance(unknown_variables, Mapping):
        names = frozenset({*variables, *unknown_variables})
    return Deployed(
        where=resource_address,
        kind="Lambda function",
        runs=runs,
        component=_component(runs),
        names=names,
        values={k: v for k, v in variables.items() if isinstance(v, str)},
        screening_step=_SCREENING_STEP.search(runs) is not None,
    )


def _ecs(resource_address: str, values: Mapping[str, Any]) -> list[Deployed]:
    definitions = values.get("container_definitions")
    if not isinstance(definitions, str):
        return [
            Deployed(
                where=resource_address,
                kind="ECS task definition",
                runs="?",
                component=None,
                names=None,
                values={},
            )
        ]
    deployed = []
    for container in json.loads(definitions):
        if container.get("name") in SIDECARS:
            continue
        environment = {e["name"]: e.get("value") for e in container.get("environment") or []}
        secrets = {s["name"] for s in container.get("secrets") or []}
        deployed.append(
            Deployed(
                where=f"{resource_address} container {container.get('name')!r}",
                kind="ECS container",
                runs=" ".join(container.get("command") or []) or str(container.get("image")),
                component=_container_component(container),
                names=frozenset({*environment, *secrets}),
                values={k: v for k, v in environment.items() if isinstance(v, str)},
            )
        )
    return deployed


def _sagemaker(resource_address: str, values: Mapping[str, Any]) -> list[Deployed]:
    containers = [*(values.get("primary_container") or []), *(values.get("container") or [])]
    return [
        Deployed(
            where=resource_address,
            kind="SageMaker model container",
            runs=str(container.get("image")),
            component="scoring",
            names=frozenset(container.get("environment") or {}),
            values=dict(container.get("environment") or {}),
        )
        for container in containers
    ]


def deployed_processes(plan: DevPlan) -> list[Deployed]:
    found: list[Deployed] = []
    for resource in plan.of_type(*DEPLOYED_TYPES):
        if resource.type == "aws_lambda_function":
            found.append(_lambda(resource.address, resource.values, resource.unknown))
        elif resource.type == "aws_ecs_task_definition":
            found.extend(_ecs(resource.address, resource.values))
        else:
            found.extend(_sagemaker(resource.address, resource.values))
    return found


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


@pytest.fixture(scope="module")
def deployed(planned: DevPlan) -> list[Deployed]:
    found = deployed_processes(planned)
    if not found:
        pytest.skip(
            "the dev root plans no Lambda function, ECS task definition or SageMaker model yet; "
            "these checks start once the service modules are wired into infra/envs/dev"
        )
    return found


def _reads(component: Component) -> set[str]:
    return {var.name for var in ENVIRONMENT if component in var.read_by}


def _requires(component: Component) -> set[str]:
    return {var.name for var in ENVIRONMENT if component in var.required_by}


def _needs(deployed: Deployed) -> set[str]:
    """What must be set for this process: its component's requirements, or the steps' own."""
    if deployed.screening_step:
        return set(SCREENING_STEP_NEEDS)
    assert deployed.component is not None
    return _requires(deployed.component)


def test_every_deployed_process_is_a_known_component(deployed):
    unknown = [d.describe() for d in deployed if d.component is None]
    assert not unknown, (
        "cannot tell which component these run (a handler or command `services.<component>.…`, "
        "or a container named after user, credit, credit_proxy or scoring):\n" + "\n".join(unknown)
    )


def test_environment_names_are_known_at_plan_time(deployed):
    unreadable = [d.describe() for d in deployed if d.names is None]
    assert not unreadable, "the environment's variable names are unknown:\n" + "\n".join(unreadable)


def test_all_components_are_deployed(deployed):
    assert {d.component for d in deployed} >= set(COMPONENTS)


def test_terraform_sets_only_variables_the_component_reads(deployed):
    stray = [
        f"{d.describe()}: {sorted(extra)} (a {d.component} reads {sorted(_reads(d.component))})"
        for d in deployed
        if d.component is not None and d.names is not None
        for extra in [{n for n in d.names if n.startswith("BNPL_")} - _reads(d.component)]
        if extra
    ]
    assert not stray, "Terraform sets variables the component never reads:\n" + "\n".join(stray)


def test_terraform_sets_every_variable_the_component_needs(deployed):
    missing = [
        f"{d.describe()}: {sorted(lacking)}"
        for d in deployed
        if d.component is not None and d.names is not None
        for lacking in [_needs(d) - d.names]
        if lacking
    ]
    assert not missing, "the component needs these set in AWS:\n" + "\n".join(missing)


def test_modes_are_the_deployed_ones_with_what_they_need(deployed):
    problems = []
    for d in deployed:
        if d.names is None:
            continue
        messaging = d.values.get("BNPL_MESSAGING")
        if messaging is not None and messaging != "aws":
            problems.append(f"{d.describe()}: BNPL_MESSAGING={messaging!r}; the outbox is local")
        if messaging == "aws":
            for name in ("BNPL_SMS_ORIGINATION_IDENTITY", "BNPL_EMAIL_FROM_ADDRESS"):
                if name not in d.names:
                    problems.append(f"{d.describe()}: aws messaging needs {name}")
        events = d.values.get("BNPL_EVENTS")
        if events is not None and events != "eventbridge":
            problems.append(f"{d.describe()}: BNPL_EVENTS={events!r}; the outbox table is local")
        if events == "eventbridge" and "BNPL_EVENT_BUS_NAME" not in d.names:
            problems.append(f"{d.describe()}: eventbridge events need BNPL_EVENT_BUS_NAME")
        if "BNPL_WEBHOOKS_ALLOW_LOCAL" in d.names:
            problems.append(f"{d.describe()}: loopback webhook receivers are the local stack's")
        secrets = d.values.get("BNPL_WEBHOOK_SECRETS")
        if secrets is not None and secrets != "secretsmanager":
            problems.append(f"{d.describe()}: BNPL_WEBHOOK_SECRETS={secrets!r}; the table is local")
        for name in ("BNPL_DYNAMODB_ENDPOINT", "BNPL_SCORING_ENDPOINT_URL"):
            value = d.values.get(name)
            if value and not value.startswith("https://"):
                problems.append(f"{d.describe()}: {name}={value!r} is not an AWS endpoint")
    assert not problems, "\n".join(problems)


def test_the_values_parse(deployed):
    failures = []
    for d in deployed:
        if d.component in (None, "scoring"):
            continue
        try:
            Settings.from_environ(d.values)
            if d.component in _WEBHOOK_SETTINGS_READERS and not d.screening_step:
                WebhookSettings.from_environ(d.values)
        except ValueError as error:
            failures.append(f"{d.describe()}: {error}")
    assert not failures, "\n".join(failures)


def test_webhook_secrets_are_kept_where_the_sender_reads_them(deployed):
    names = (
        "BNPL_WEBHOOK_SECRETS",
        "BNPL_WEBHOOK_SECRET_PREFIX",
        "BNPL_WEBHOOK_SECRETS_KMS_KEY_ID",
    )
    keepers = [
        d for d in deployed if d.component in _WEBHOOK_SETTINGS_READERS and not d.screening_step
    ]
    assert {d.component for d in keepers} == set(_WEBHOOK_SETTINGS_READERS)
    for name in names:
        values = {d.values.get(name) for d in keepers}
        assert None not in values, f"{name} is not set everywhere: {sorted(map(str, values))}"
        assert len(values) == 1, f"{name} differs: {sorted(map(str, values))}"


def test_components_agree_on_shared_values(deployed, planned: DevPlan):
    for name in SHARED:
        values = {d.values[name] for d in deployed if name in d.values}
        assert len(values) <= 1, f"{name} differs between components: {sorted(values)}"
    prefixes = {d.values["BNPL_TABLE_PREFIX"] for d in deployed if "BNPL_TABLE_PREFIX" in d.values}
    tables = [r.values.get("name", "") for r in planned.of_type("aws_dynamodb_table")]
    for prefix in prefixes:
        assert tables, "the dev root plans no tables"
        assert all(str(table).startswith(prefix) for table in tables), (prefix, tables)


def test_lambda_functions_set_no_reserved_variable(deployed):
    reserved = [
        f"{d.describe()}: {sorted(d.names & LAMBDA_RESERVED)}"
        for d in deployed
        if d.kind == "Lambda function" and d.names is not None and d.names & LAMBDA_RESERVED
    ]
    assert not reserved, "Lambda refuses reserved variables:\n" + "\n".join(reserved)
