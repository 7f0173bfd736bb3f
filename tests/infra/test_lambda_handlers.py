"""Every Lambda handler Terraform names exists in the code and takes (event, context).

A Lambda function runs `module.attr`: its `handler` (zip packages), or the first word of its
image's command (`image_config[0].command[0]`; the AWS base images' entry point reads the handler
from there). A name that does not import fails only on the first invocation in AWS; here it fails
against the dev root's plan (see `dev_plan.py`).
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from typing import Any

import pytest

from tests.infra.dev_plan import DevPlan, dev_plan

pytestmark = pytest.mark.infra


def _handler_name(values: dict[str, Any]) -> str | None:
    image_config = values.get("image_config") or []
    command = (image_config[0].get("command") or []) if image_config else []
    if command:
        return str(command[0])
    handler = values.get("handler")
    return str(handler) if handler else None


@pytest.fixture(scope="module")
def handlers(
    tmp_path_factory: pytest.TempPathFactory,
    terraform_binary: Path,
    terraform_version: tuple[int, int, int],
    provider_mirror: Path,
) -> dict[str, str | None]:
    planned: DevPlan = dev_plan(
        tmp_path_factory, binary=terraform_binary, version=terraform_version, mirror=provider_mirror
    )
    functions = planned.of_type("aws_lambda_function")
    if not functions:
        pytest.skip(
            "the dev root plans no Lambda function yet; this check starts once the credit proxy "
            "and user service modules are wired into infra/envs/dev"
        )
    return {f.address: _handler_name(dict(f.values)) for f in functions}


def test_every_function_names_its_handler(handlers):
    nameless = [address for address, name in handlers.items() if not name]
    assert not nameless, f"no handler nor image command: {nameless}"


def test_every_handler_imports_and_takes_event_and_context(handlers):
    problems = []
    for address, name in handlers.items():
        if not name:
            continue
        module_name, _, attribute = name.rpartition(".")
        if not module_name or not attribute:
            problems.append(f"{address}: {name!r} is not `module.attr`")
            continue
        try:
            module = importlib.import_module(module_name)
        except ImportError as error:
            problems.append(f"{address}: {name!r}: cannot import {module_name}: {error}")
            continue
        function = getattr(module, attribute, None)
        if not callable(function):
            problems.append(f"{address}: {name!r}: {module_name} has no callable {attribute}")
            continue
        try:
            inspect.signature(function).bind(object(), object())
        except TypeError as error:
            problems.append(f"{address}: {name!r} cannot be called with (event, context): {error}")
    assert not problems, "\n".join(problems)
