"""Shared set-up for the Terraform tests.

Terraform runs fully offline here: the hashicorp/aws provider comes from a local filesystem
mirror through a CLI configuration written for the test session, and every command runs in a
throw-away copy of `infra/` (plus the repository files the configurations read), with its
data directory in the same temporary tree, so the tests leave nothing in the repository (no
`.terraform/`, no lock files). Where terraform or the provider is missing, the tests that need
them are skipped with the reason.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
INFRA = REPO_ROOT / "infra"

AWS_PROVIDER_SOURCE = "registry.terraform.io/hashicorp/aws"
# The range every versions.tf pins: >= 5.100, < 6.0.
AWS_PROVIDER_RANGE = ((5, 100, 0), (6, 0, 0))
# `terraform test` files use mock_provider's `override_during`, new in Terraform 1.11.
MIN_TERRAFORM_FOR_TEST_COMMAND = (1, 11, 0)

MIRROR_ENV_VAR = "BNPL_TF_PLUGIN_MIRROR"
MIRROR_CANDIDATES = (
    Path("/opt/tf-plugins"),
    Path.home() / ".terraform.d" / "plugins",
    Path.home() / ".local" / "share" / "terraform" / "plugins",
    Path("/usr/local/share/terraform/plugins"),
    Path("/usr/share/terraform/plugins"),
)

# A terraform command should take seconds; this only stops a hung one from stalling the suite.
COMMAND_TIMEOUT_S = 600


def terraform_directories() -> list[str]:
    """Every module and environment root under `infra/`, as paths relative to it."""
    found = [
        path.relative_to(INFRA).as_posix()
        for group in ("modules", "envs")
        for path in sorted((INFRA / group).glob("*"))
        if path.is_dir() and any(path.glob("*.tf"))
    ]
    return found


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run each test that takes `tf_dir` once per module and environment root."""
    if "tf_dir" in metafunc.fixturenames:
        metafunc.parametrize("tf_dir", terraform_directories())


def _parse_version(text: str) -> tuple[int, int, int] | None:
    match = re.fullmatch(r"v?(\d+)\.(\d+)\.(\d+)", text.strip())
    if match is None:
        return None
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def _platform() -> str:
    """Terraform's name for this machine's platform, e.g. linux_amd64."""
    system = {"win32": "windows"}.get(sys.platform, sys.platform)
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(
        machine, machine
    )
    return f"{system}_{arch}"


def _mirror_provider_versions(mirror: Path, target: str) -> list[tuple[int, int, int]]:
    """Versions of hashicorp/aws the mirror holds for `target`, unpacked or packed."""
    provider_dir = mirror / AWS_PROVIDER_SOURCE
    versions: list[tuple[int, int, int]] = []
    if not provider_dir.is_dir():
        return versions
    for entry in provider_dir.iterdir():
        unpacked = _parse_version(entry.name)
        if unpacked is not None and any((entry / target).glob("terraform-provider-aws*")):
            versions.append(unpacked)
        packed = re.fullmatch(rf"terraform-provider-aws_(.+)_{re.escape(target)}\.zip", entry.name)
        if packed is not None and (version := _parse_version(packed.group(1))) is not None:
            versions.append(version)
    return versions


def _mirror_is_usable(mirror: Path, target: str) -> bool:
    low, high = AWS_PROVIDER_RANGE
    return any(low <= v < high for v in _mirror_provider_versions(mirror, target))


def find_provider_mirror() -> tuple[Path | None, str]:
    """The filesystem mirror to install hashicorp/aws from, or None and why there is none."""
    target = _platform()
    wanted = f"hashicorp/aws >= 5.100, < 6.0 for {target}"
    configured = os.environ.get(MIRROR_ENV_VAR)
    if configured:
        mirror = Path(configured)
        if _mirror_is_usable(mirror, target):
            return mirror, ""
        return None, f"{MIRROR_ENV_VAR}={configured} holds no {wanted}"
    for mirror in MIRROR_CANDIDATES:
        if _mirror_is_usable(mirror, target):
            return mirror, ""
    searched = ", ".join(str(path) for path in MIRROR_CANDIDATES)
    return None, f"no filesystem mirror with {wanted} (set {MIRROR_ENV_VAR}; searched {searched})"


def _clean_environment(extra: dict[str, str]) -> dict[str, str]:
    """The process environment without Terraform or AWS settings of the caller, plus `extra`.

    Stray TF_* variables (CLI args, logging, a plugin cache) or AWS credentials and profiles
    would make the run depend on the machine; CHECKPOINT_DISABLE stops the version check that
    would otherwise call HashiCorp's servers.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TF_", "AWS_", "CHECKPOINT_"))
    }
    env.update({"TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1"})
    env.update(extra)
    return env


@dataclass(frozen=True, kw_only=True)
class TerraformRun:
    """One finished terraform command."""

    command: str
    cwd: Path
    returncode: int
    stdout: str
    output: str

    def report(self) -> str:
        """The command, where it ran and everything it printed, for an assertion message."""
        return f"`{self.command}` in {self.cwd} exited {self.returncode}:\n{self.output}"


def run_terraform(
    binary: Path, args: list[str], *, cwd: Path, env: dict[str, str] | None = None
) -> TerraformRun:
    """Run terraform once and capture its exit code and combined output."""
    command = [str(binary), *args]
    try:
        completed = subprocess.run(
            command,
            cwd=cwd,
            env=_clean_environment(env or {}),
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"`terraform {' '.join(args)}` in {cwd} did not finish in {exc.timeout} s")
    return TerraformRun(
        command=f"terraform {' '.join(args)}",
        cwd=cwd,
        returncode=completed.returncode,
        stdout=completed.stdout,
        output=f"{completed.stdout}{completed.stderr}",
    )


@dataclass(frozen=True, kw_only=True)
class TerraformSandbox:
    """A temporary copy of what Terraform reads, and a CLI config that stays offline."""

    binary: Path
    version: tuple[int, int, int]
    root: Path
    cli_config: Path

    def run(self, tf_dir: str, *args: str) -> TerraformRun:
        """Run terraform in the copy of `infra/<tf_dir>`, with its own data directory."""
        data_dir = self.root / "tf-data" / tf_dir.replace("/", "__")
        return run_terraform(
            self.binary,
            list(args),
            cwd=self.root / "infra" / tf_dir,
            env={"TF_CLI_CONFIG_FILE": str(self.cli_config), "TF_DATA_DIR": str(data_dir)},
        )


# Repository files the configurations read besides infra/, schema/ and resolvers/: the
# pre-screening workflow's definition (modules/screening_workflow).
READ_BY_TERRAFORM = (Path("services/credit/screening/prescreening.asl.json"),)


def _copy_inputs(destination: Path) -> None:
    """Copy `infra/` and the files the configurations read, keeping the repository layout."""
    shutil.copytree(
        INFRA,
        destination / "infra",
        ignore=shutil.ignore_patterns(".terraform", "*.tfstate", "*.tfstate.*", "*.tfplan"),
    )
    for path in READ_BY_TERRAFORM:
        (destination / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / path, destination / path)
    (destination / "schema").mkdir()
    shutil.copy2(REPO_ROOT / "schema" / "schema.graphql", destination / "schema")
    (destination / "resolvers").mkdir()
    for pattern in ("*.js", "*.json"):
        for source in (REPO_ROOT / "resolvers").glob(pattern):
            shutil.copy2(source, destination / "resolvers")


def _write_cli_config(path: Path, mirror: Path) -> None:
    # Everything from hashicorp comes from the mirror; anything else may still come from its
    # registry, which these configurations do not use.
    path.write_text(
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f"    path    = {json.dumps(str(mirror))}\n"
        '    include = ["registry.terraform.io/hashicorp/*"]\n'
        "  }\n"
        "  direct {\n"
        '    exclude = ["registry.terraform.io/hashicorp/*"]\n'
        "  }\n"
        "}\n",
        encoding="utf-8",
    )


@pytest.fixture(scope="session")
def terraform_binary() -> Path:
    """The terraform executable on PATH; skips the test when there is none."""
    found = shutil.which("terraform")
    if found is None:
        pytest.skip("terraform is not on PATH (install Terraform >= 1.5)")
    return Path(found)


@pytest.fixture(scope="session")
def terraform_version(
    terraform_binary: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[int, int, int]:
    """The version of the terraform executable."""
    result = run_terraform(
        terraform_binary, ["version", "-json"], cwd=tmp_path_factory.mktemp("tf-version")
    )
    assert result.returncode == 0, result.report()
    version = _parse_version(json.loads(result.stdout)["terraform_version"])
    assert version is not None, result.report()
    return version


@pytest.fixture(scope="session")
def provider_mirror() -> Path:
    """The filesystem mirror holding hashicorp/aws; skips the test when none is found."""
    mirror, reason = find_provider_mirror()
    if mirror is None:
        pytest.skip(reason)
    return mirror


def make_sandbox(
    root: Path, *, binary: Path, version: tuple[int, int, int], mirror: Path
) -> TerraformSandbox:
    """Copy the Terraform inputs into `root` and write an offline CLI config beside them.

    The copy is the caller's: a test may change it (say, `resolvers/bindings.json`) without
    touching the repository or another test's copy.
    """
    _copy_inputs(root)
    cli_config = root / "terraformrc"
    _write_cli_config(cli_config, mirror)
    return TerraformSandbox(binary=binary, version=version, root=root, cli_config=cli_config)


@pytest.fixture(scope="session")
def tf_sandbox(
    tmp_path_factory: pytest.TempPathFactory,
    terraform_binary: Path,
    terraform_version: tuple[int, int, int],
    provider_mirror: Path,
) -> TerraformSandbox:
    """A temporary copy of the Terraform inputs with an offline CLI config."""
    return make_sandbox(
        tmp_path_factory.mktemp("terraform"),
        binary=terraform_binary,
        version=terraform_version,
        mirror=provider_mirror,
    )


@pytest.fixture(scope="session")
def initialized(tf_sandbox: TerraformSandbox) -> Callable[[str], TerraformSandbox]:
    """Initialise a directory once per session (offline, from the mirror) before using it."""
    done: set[str] = set()

    def initialize(tf_dir: str) -> TerraformSandbox:
        if tf_dir not in done:
            result = tf_sandbox.run(tf_dir, "init", "-backend=false", "-input=false", "-no-color")
            if result.returncode != 0:
                pytest.fail(result.report())
            done.add(tf_dir)
        return tf_sandbox

    return initialize
