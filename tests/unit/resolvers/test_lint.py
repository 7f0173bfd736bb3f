"""The APPSYNC_JS resolver files pass `@aws-appsync/eslint-plugin`'s recommended rules.

AppSync lints resolver code when it is saved and refuses what its runtime lacks; ESLint with
the same rules (eslint.config.mjs) catches that before a deploy does.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
ESLINT = ROOT / "node_modules" / ".bin" / "eslint"


def eslint(cwd: Path, *targets: str) -> tuple[int, list[dict[str, Any]], str]:
    """Run the project's ESLint in `cwd`: exit code, JSON report, stderr."""
    if shutil.which("npx") is None:
        pytest.fail("npx is not on PATH: install Node.js and npm, then run `make install`")
    if not ESLINT.exists():
        pytest.fail(f"{ESLINT.relative_to(ROOT)} is missing: run `make install` (it runs `npm ci`)")
    completed = subprocess.run(
        [
            "npx",
            "--no-install",
            "eslint",
            "--format",
            "json",
            "--no-error-on-unmatched-pattern",
            *targets,
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
    try:
        report = json.loads(completed.stdout or "[]")
    except json.JSONDecodeError:
        pytest.fail(f"eslint printed no JSON report:\n{completed.stdout}\n{completed.stderr}")
    return completed.returncode, report, completed.stderr


def problems(report: list[dict[str, Any]]) -> list[str]:
    return [
        f"{Path(result['filePath']).name}:{message['line']}:{message['column']} "
        f"{message.get('ruleId')}: {message['message']}"
        for result in report
        for message in result["messages"]
    ]


Lint = tuple[int, list[dict[str, Any]], str]

BAD = (
    "import { util } from '@aws-appsync/utils';\n"
    "\n"
    "export async function request(ctx) {\n"
    "  let total = 0;\n"
    "  for (let i = 0; i < 3; i += 1) {\n"
    "    total++;\n"
    "  }\n"
    "  try {\n"
    "    return { total };\n"
    "  } catch (e) {\n"
    "    util.error('failed');\n"
    "  }\n"
    "}\n"
    "\n"
    "export function response(ctx) {\n"
    "  return ctx.result;\n"
    "}\n"
)
# no-recursion and no-function-passing need the TypeScript checker, so they prove the
# tsconfig gives the rules type information.
TYPED = (
    "function countdown(n) {\n"
    "  return n <= 0 ? 0 : countdown(n - 1);\n"
    "}\n"
    "function twice(fn, v) {\n"
    "  return fn(fn(v));\n"
    "}\n"
    "function inc(v) {\n"
    "  return v + 1;\n"
    "}\n"
    "export function request(ctx) {\n"
    "  return { n: countdown(3), m: twice(inc, 1) };\n"
    "}\n"
    "export function response(ctx) {\n"
    "  return ctx.result;\n"
    "}\n"
)


@pytest.fixture(scope="module")
def project_lint() -> Lint:
    return eslint(ROOT, "resolvers")


@pytest.fixture(scope="module")
def sample_lint(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str | None]]:
    """Rule ids per file, for bad files linted with the project's config and TypeScript project."""
    root = tmp_path_factory.mktemp("lint")
    (root / "resolvers").mkdir()
    shutil.copy(ROOT / "eslint.config.mjs", root / "eslint.config.mjs")
    shutil.copy(ROOT / "resolvers" / "tsconfig.json", root / "resolvers" / "tsconfig.json")
    (root / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    (root / "resolvers" / "Query.bad.js").write_text(BAD, encoding="utf-8")
    (root / "resolvers" / "Query.typed.js").write_text(TYPED, encoding="utf-8")
    code, report, stderr = eslint(root, "resolvers")
    assert code == 1, stderr
    return {
        Path(result["filePath"]).name: {message.get("ruleId") for message in result["messages"]}
        for result in report
    }


def test_the_resolver_files_are_clean(project_lint: Lint) -> None:
    code, report, stderr = project_lint
    assert problems(report) == []
    assert code == 0, stderr


def test_every_resolver_file_is_linted(project_lint: Lint) -> None:
    linted = {Path(result["filePath"]).name for result in project_lint[1]}
    assert linted == {path.name for path in (ROOT / "resolvers").glob("*.js")}


def test_code_appsync_refuses_is_flagged(sample_lint: dict[str, set[str | None]]) -> None:
    assert {
        "@aws-appsync/no-async",
        "@aws-appsync/no-for",
        "@aws-appsync/no-try",
        "@aws-appsync/no-disallowed-unary-operators",
    } <= sample_lint["Query.bad.js"]


def test_rules_that_need_type_information_run(sample_lint: dict[str, set[str | None]]) -> None:
    assert {"@aws-appsync/no-recursion", "@aws-appsync/no-function-passing"} <= sample_lint[
        "Query.typed.js"
    ]
