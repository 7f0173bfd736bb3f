"""A shared JS runtime, and a way to run one expression as a resolver's request handler."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from appsync.js.runtime import Evaluation, JsRuntime

Run = Callable[..., Evaluation]

BASE_CTX: dict[str, Any] = {
    "arguments": {},
    "identity": {"sub": "u-1"},
    "source": None,
    "request": {"headers": {"authorization": "Bearer t"}, "domainName": None},
    "info": {"fieldName": "me", "parentTypeName": "Query", "variables": {}},
    "prev": None,
    "stash": {},
}


@pytest.fixture(scope="module")
def runtime() -> JsRuntime:
    return JsRuntime(time_limit_s=0.25)


@pytest.fixture(scope="module")
def run(runtime: JsRuntime) -> Run:
    """`run("util.autoId()")`: the Evaluation of a request handler returning that expression.

    Extra keyword arguments go into ctx (`arguments=…`, `stash=…`); `auth_type` defaults to
    Cognito. Each distinct expression is loaded once.
    """
    ids = itertools.count()
    loaded: dict[str, str] = {}

    def evaluate(
        expression: str, *, auth_type: str = "AMAZON_COGNITO_USER_POOLS", **ctx: Any
    ) -> Evaluation:
        resolver_id = loaded.get(expression)
        if resolver_id is None:
            resolver_id = f"Query.expr{next(ids)}"
            runtime.load(
                resolver_id,
                "import { util, runtime, extensions } from '@aws-appsync/utils';\n"
                f"export function request(ctx) {{ return {expression}; }}\n"
                "export function response(ctx) { return ctx.result; }\n",
            )
            loaded[expression] = resolver_id
        return runtime.evaluate(resolver_id, "request", {**BASE_CTX, **ctx}, auth_type=auth_type)

    return evaluate


@pytest.fixture(scope="module")
def value(run: Run) -> Callable[..., Any]:
    """`value("util.isNull(null)")`: the expression's result, failing on any JS error."""

    def result(expression: str, **ctx: Any) -> Any:
        evaluation = run(expression, **ctx)
        assert evaluation.error is None, evaluation.error
        return evaluation.result

    return result
