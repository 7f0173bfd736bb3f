"""`bnpl gql` against a real `bnpl dev` stack: the exit code says whether the answer carries
errors, whatever kind of error it is (validation, parse, resolver, authorization)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bnpl.devstack import RunningStack, running_stack

pytestmark = pytest.mark.e2e

BNPL = Path(sys.executable).parent / "bnpl"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with running_stack(tmp_path_factory.mktemp("stack")) as running:
        yield running


def gql(stack: RunningStack, *args: str) -> tuple[int, dict[str, object]]:
    done = subprocess.run(
        [str(BNPL), "gql", *args],
        env=stack.environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done.returncode, json.loads(done.stdout)


def test_data_without_errors_exits_0(stack: RunningStack) -> None:
    code, body = gql(stack, "--as", "approve", "{ me { verificationStatus } }")
    assert (code, body) == (0, {"data": {"me": {"verificationStatus": "VERIFIED"}}})


@pytest.mark.parametrize(
    ("args", "error_type"),
    [
        pytest.param(["--as", "approve", "{ me { idx } }"], None, id="validation-error"),
        pytest.param(
            ["--as", "approve", "query($id: ID!) { checkout(id: $id) { id } }"],
            None,
            id="missing-variable",
        ),
        pytest.param(
            ["--as", "approve", "{ me { id "], "MalformedHttpRequestException", id="parse-error"
        ),
        pytest.param(
            [
                "--as",
                "approve",
                'mutation { applyForCredit(input: {checkoutId: "nope", idempotencyKey: "k"}) '
                "{ id } }",
            ],
            "NotFound",
            id="resolver-error",
        ),
        pytest.param(["--iam", "{ me { id } }"], "Unauthorized", id="not-authorized"),
    ],
)
def test_any_error_in_the_answer_exits_1(
    stack: RunningStack, args: list[str], error_type: str | None
) -> None:
    code, body = gql(stack, *args)
    errors = body["errors"]
    assert isinstance(errors, list)
    assert errors
    assert errors[0].get("errorType") == error_type
    assert code == 1
