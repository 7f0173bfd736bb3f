"""The dev environment's plan as data, for tests that hold Terraform to the code.

The plan comes from `terraform test -verbose -json` over the dev root's own
`tests/plan.tftest.hcl`: its mocked AWS provider (`override_during = plan`) makes every computed
value known, so what a real offline plan (`terraform plan -refresh=false` with dummy
credentials) leaves unknown can be read here. That matters for ECS: `container_definitions` is one
JSON string, and a single unknown value in it (an image URI, a user pool id) makes the whole
string unknown, names included. The first run's plan is used; it plans the root with the test
file's variables.

The plan is made once per test session, in a throw-away copy of `infra/` (see conftest).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.infra.conftest import MIN_TERRAFORM_FOR_TEST_COMMAND, make_sandbox

DEV_ROOT = "envs/dev"
PLAN_TEST_FILE = "tests/plan.tftest.hcl"


@dataclass(frozen=True, kw_only=True)
class PlannedResource:
    """One managed resource of the plan: its planned values and which of them are unknown."""

    address: str
    type: str
    values: Mapping[str, Any]
    unknown: Mapping[str, Any]


@dataclass(frozen=True, kw_only=True)
class DevPlan:
    """The dev root's planned resources, and its outputs' planned values by name."""

    resources: tuple[PlannedResource, ...]
    outputs: Mapping[str, Any]

    def of_type(self, *types: str) -> list[PlannedResource]:
        """The planned resources of these types, in plan order."""
        return [resource for resource in self.resources if resource.type in types]


_plans: dict[str, DevPlan] = {}


def dev_plan(
    tmp_path_factory: pytest.TempPathFactory,
    *,
    binary: Path,
    version: tuple[int, int, int],
    mirror: Path,
) -> DevPlan:
    """The dev root's plan against the mocked provider; made once per session."""
    if DEV_ROOT in _plans:
        return _plans[DEV_ROOT]
    if version < MIN_TERRAFORM_FOR_TEST_COMMAND:
        needed = ".".join(map(str, MIN_TERRAFORM_FOR_TEST_COMMAND))
        pytest.skip(f"the dev plan comes from `terraform test` with mocks: Terraform >= {needed}")
    sandbox = make_sandbox(
        tmp_path_factory.mktemp("dev-plan"), binary=binary, version=version, mirror=mirror
    )
    init = sandbox.run(DEV_ROOT, "init", "-backend=false", "-input=false", "-no-color")
    assert init.returncode == 0, init.report()
    tested = sandbox.run(DEV_ROOT, "test", "-verbose", "-json", f"-filter={PLAN_TEST_FILE}")
    assert tested.returncode == 0, tested.report()
    plan = _first_plan(tested.stdout)
    assert plan is not None, f"no plan in the verbose test output:\n{tested.report()}"
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
    _plans[DEV_ROOT] = DevPlan(resources=resources, outputs=outputs)
    return _plans[DEV_ROOT]


def _first_plan(output: str) -> dict[str, Any] | None:
    for line in output.splitlines():
        if not line.startswith("{"):
            continue
        message = json.loads(line)
        if message.get("type") == "test_plan":
            plan: dict[str, Any] = message["test_plan"]
            return plan
    return None
