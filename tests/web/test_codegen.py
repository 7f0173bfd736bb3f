"""The checkout page's typed GraphQL operations stay in step with the schema, and the page type
checks against them.

`npm run codegen` in web/ writes web/src/graphql/generated/ from schema/schema.graphql and the
page's operations; a schema change that alters those types, or an operation the schema no longer
answers, fails here until the output is regenerated and committed. Both checks use web/'s own
node_modules (`make test` installs them).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
GENERATED = WEB / "src" / "graphql" / "generated"
BIN = WEB / "node_modules" / ".bin"


def tool(name: str) -> Path:
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{path} is missing: install web/'s packages (make test, or npm ci in web/)")
    return path


def run(*command: str | Path, env: dict[str, str] | None = None) -> None:
    done = subprocess.run(
        [str(part) for part in command],
        cwd=WEB,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"


def files(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): path.read_text(encoding="utf-8")
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_the_committed_operation_types_match_the_schema(tmp_path: Path) -> None:
    out = tmp_path / "generated"
    run(tool("graphql-codegen"), "--config", "codegen.ts", env={"CODEGEN_OUT": f"{out}/"})

    fresh, committed = files(out), files(GENERATED)

    assert fresh.keys() == committed.keys(), "run `npm run codegen` in web/ and commit the result"
    drifted = [name for name in fresh if fresh[name] != committed[name]]
    assert drifted == [], f"{drifted} drifted from the schema: run `npm run codegen` in web/"


def test_the_page_type_checks() -> None:
    run(tool("tsc"), "--noEmit", "-p", "tsconfig.json")
