"""Terraform checks over `infra/`, all offline: formatting, validation and `terraform test`.

Each test runs one terraform command and asserts its exit code; on failure the message holds
everything terraform printed. `terraform test` plans every module and the dev root against a
mocked AWS provider (the dev root also against the real provider with dummy credentials) and
checks the assertions of the `tests/*.tftest.hcl` files beside each configuration.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.infra.conftest import (
    INFRA,
    MIN_TERRAFORM_FOR_TEST_COMMAND,
    REPO_ROOT,
    TerraformSandbox,
    run_terraform,
    terraform_directories,
)

pytestmark = pytest.mark.infra

MODULE_FILES = ("main.tf", "variables.tf", "outputs.tf", "versions.tf")
ENV_FILES = (*MODULE_FILES, "providers.tf", "backend.tf")


def test_the_configurations_are_found():
    """The parametrised tests below run over every one of these (and any added later)."""
    assert {
        "modules/dynamodb_tables",
        "modules/graphql_api",
        "modules/user_pool",
        "modules/network",
        "modules/container_images",
        "modules/credit_service",
        "modules/credit_proxy",
        "modules/user_service",
        "modules/scoring_endpoint",
        "modules/waf",
        "modules/webhooks",
        "modules/monitoring",
        "modules/screening_workflow",
        "modules/platform",
        "envs/dev",
        "envs/prod",
    } <= set(terraform_directories())


def test_each_configuration_has_the_standard_files_and_tests(tf_dir):
    directory = INFRA / tf_dir
    expected = ENV_FILES if tf_dir.startswith("envs/") else MODULE_FILES
    missing = [name for name in expected if not (directory / name).is_file()]
    assert not missing, f"{tf_dir} lacks {missing}"
    assert list((directory / "tests").glob("*.tftest.hcl")), f"{tf_dir} has no tests/*.tftest.hcl"


def test_fmt(terraform_binary: Path):
    result = run_terraform(
        terraform_binary,
        ["fmt", "-check", "-recursive", "-diff", "-no-color", "infra"],
        cwd=REPO_ROOT,
    )
    assert result.returncode == 0, result.report()


def test_validate(tf_dir: str, initialized: Callable[[str], TerraformSandbox]):
    result = initialized(tf_dir).run(tf_dir, "validate", "-no-color")
    assert result.returncode == 0, result.report()


def test_terraform_test(tf_dir: str, initialized: Callable[[str], TerraformSandbox]):
    sandbox = initialized(tf_dir)
    if sandbox.version < MIN_TERRAFORM_FOR_TEST_COMMAND:
        needed = ".".join(map(str, MIN_TERRAFORM_FOR_TEST_COMMAND))
        found = ".".join(map(str, sandbox.version))
        pytest.skip(
            f"the tests use mock_provider override_during: Terraform >= {needed}, found {found}"
        )
    result = sandbox.run(tf_dir, "test", "-no-color")
    assert result.returncode == 0, result.report()
    # A directory whose test files hold no runs would "succeed" without checking anything.
    assert re.search(r"Success! [1-9][0-9]* passed, 0 failed", result.output), result.report()
