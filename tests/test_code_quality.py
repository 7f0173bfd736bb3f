"""The checks every change must pass, run as part of the test suite.

Each runs the real tool over the repository, configured in pyproject.toml, and shows its output
when it fails.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(("ruff", "check", "."), id="ruff-check"),
        pytest.param(("ruff", "format", "--check", "."), id="ruff-format"),
        pytest.param(("lint-imports",), id="import-linter-layering"),
        pytest.param(("mypy",), id="mypy-strict"),
        pytest.param(("bnpl", "schema", "export", "--check"), id="schema-and-bindings-in-sync"),
    ],
)
def test_tool_passes(command):
    result = run(str(BIN / command[0]), *command[1:])
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"


def test_layering_contracts_catch_a_violation(tmp_path):
    """The import-linter contracts are live: a service importing the emulator is refused."""
    offender = ROOT / "services" / "shared" / "_layering_probe.py"
    offender.write_text("import appsync.api  # noqa: F401\n", encoding="utf-8")
    try:
        result = run(str(BIN / "lint-imports"), "--no-cache")
    finally:
        offender.unlink()
    assert result.returncode != 0
    assert "Services know nothing about GraphQL or the emulator" in result.stdout
