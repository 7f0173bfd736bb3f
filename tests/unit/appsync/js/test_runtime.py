"""JsRuntime: loading resolver files, evaluating handlers, limits and threads."""

from __future__ import annotations

import gc
import threading
from pathlib import Path
from typing import Any

import pytest

from appsync.js.runtime import Evaluation, JsCodeError, JsRuntime
from tests.unit.appsync.js.conftest import BASE_CTX

ROOT = Path(__file__).resolve().parents[4]
HANDLERS = (
    "export function request(ctx) { return { id: ctx.args.id }; }\n"
    "export function response(ctx) { return ctx.result; }\n"
)
COGNITO = "AMAZON_COGNITO_USER_POOLS"


def refused(runtime: JsRuntime, source: str) -> JsCodeError:
    with pytest.raises(JsCodeError) as caught:
        runtime.load("Query.bad", source)
    return caught.value


def request(runtime: JsRuntime, resolver_id: str, **ctx: Any) -> Evaluation:
    return runtime.evaluate(resolver_id, "request", {**BASE_CTX, **ctx}, auth_type=COGNITO)


class TestLoad:
    @pytest.mark.parametrize(
        "source",
        [
            "import { util } from '@aws-appsync/utils';\n" + HANDLERS,
            "import { util as u, runtime } from '@aws-appsync/utils';\n" + HANDLERS,
            "import * as utils from '@aws-appsync/utils';\n" + HANDLERS,
            "import { get } from '@aws-appsync/utils/dynamodb';\n"
            "import { sql } from '@aws-appsync/utils/rds';\n" + HANDLERS,
            "export const request = (ctx) => ({ id: ctx.args.id });\n"
            "export const response = (ctx) => ctx.result;\n",
            "function a(ctx) { return { id: ctx.args.id }; }\n"
            "function b(ctx) { return ctx.result; }\n"
            "export { a as request, b as response };\n",
        ],
    )
    def test_import_and_export_forms_run_unmodified(self, runtime: JsRuntime, source: str) -> None:
        runtime.load("Query.forms", source)
        assert request(runtime, "Query.forms", arguments={"id": "c-7"}).result == {"id": "c-7"}

    def test_imported_names_are_usable(self, runtime: JsRuntime) -> None:
        runtime.load(
            "Query.imports",
            "import { util as u, runtime as r } from '@aws-appsync/utils';\n"
            "import * as utils from '@aws-appsync/utils';\n"
            "export function request(ctx) {\n"
            "  return [typeof u.autoId, typeof r.earlyReturn, utils.util === u];\n"
            "}\n"
            "export function response(ctx) { return null; }\n",
        )
        assert request(runtime, "Query.imports").result == ["function", "function", True]

    def test_the_project_resolvers_load(self, runtime: JsRuntime) -> None:
        files = sorted((ROOT / "resolvers").glob("*.js"))
        assert files, "resolvers/*.js is empty"
        for path in files:
            runtime.load(path.stem, path.read_text(encoding="utf-8"))

    def test_loading_again_replaces_the_code(self, runtime: JsRuntime) -> None:
        runtime.load("Query.v", HANDLERS.replace("{ id: ctx.args.id }", "1"))
        assert request(runtime, "Query.v").result == 1
        runtime.load("Query.v", HANDLERS.replace("{ id: ctx.args.id }", "2"))
        assert request(runtime, "Query.v").result == 2

    def test_a_new_version_reaches_other_threads(self, runtime: JsRuntime) -> None:
        results: list[Any] = []

        def call() -> None:
            results.append(request(runtime, "Query.w").result)

        runtime.load("Query.w", HANDLERS.replace("{ id: ctx.args.id }", "'old'"))
        worker = threading.Thread(target=call)
        worker.start()
        worker.join()
        runtime.load("Query.w", HANDLERS.replace("{ id: ctx.args.id }", "'new'"))
        worker = threading.Thread(target=call)
        worker.start()
        worker.join()
        assert results == ["old", "new"]


class TestLoadRefusals:
    def test_code_over_32_kb(self, runtime: JsRuntime) -> None:
        error = refused(runtime, "// " + "x" * 32_768 + "\n" + HANDLERS)
        assert "over the maximum code size of 32768 bytes" in str(error)

    def test_export_default(self, runtime: JsRuntime) -> None:
        error = refused(runtime, "export default function request(ctx) { return {}; }\n")
        assert str(error) == (
            "Query.bad: export default is not supported: APPSYNC_JS code exports named "
            "functions `request` and `response` (line 1, column 1)"
        )

    def test_import_from_another_module(self, runtime: JsRuntime) -> None:
        error = refused(runtime, "import { get } from 'axios';\n" + HANDLERS)
        assert error.reason.startswith("Cannot find module 'axios'")
        assert (error.line, error.column) == (1, 21)

    def test_import_of_a_name_utils_does_not_provide(self, runtime: JsRuntime) -> None:
        error = refused(runtime, "import { fetch } from '@aws-appsync/utils';\n" + HANDLERS)
        assert "does not provide an export named 'fetch'" in error.reason

    @pytest.mark.parametrize("missing", ["request", "response"])
    def test_a_missing_handler(self, runtime: JsRuntime, missing: str) -> None:
        source = HANDLERS.replace(f"export function {missing}", f"function {missing}")
        assert f"must export a function named '{missing}'" in refused(runtime, source).reason

    def test_an_export_that_is_not_a_function(self, runtime: JsRuntime) -> None:
        source = "export const request = 5;\nexport function response(ctx) { return null; }\n"
        error = refused(runtime, source)
        assert error.reason == "TypeError: The exported 'request' is not a function"

    def test_a_syntax_error_is_located_in_the_file(self, runtime: JsRuntime) -> None:
        source = (
            "import { util } from '@aws-appsync/utils';\n"
            "export function request(ctx) {\n"
            "  return { a: 1 b: 2 };\n"
            "}\n"
            "export function response(ctx) { return null; }\n"
        )
        error = refused(runtime, source)
        assert error.reason.startswith("SyntaxError:")
        assert (error.line, error.column) == (3, 17)
        assert str(error).endswith("(line 3, column 17)")

    def test_a_syntax_error_on_the_first_line_keeps_its_column(self, runtime: JsRuntime) -> None:
        error = refused(runtime, "export function request(ctx) { return ) }\n" + HANDLERS)
        assert (error.line, error.column) == (1, 39)

    def test_an_exception_while_loading(self, runtime: JsRuntime) -> None:
        error = refused(runtime, "const broken = null.field;\n" + HANDLERS)
        assert error.reason.startswith("TypeError:")
        assert error.line == 1

    def test_a_refused_load_changes_nothing(self, runtime: JsRuntime) -> None:
        runtime.load("Query.keep", HANDLERS)
        with pytest.raises(JsCodeError):
            runtime.load("Query.keep", HANDLERS + "export default 1;\n")
        with pytest.raises(JsCodeError):
            runtime.load("Query.keep", "export function request(ctx) { return ( }\n" + HANDLERS)
        assert request(runtime, "Query.keep", arguments={"id": "k"}).result == {"id": "k"}


class TestEvaluate:
    def test_the_me_resolver_forwards_the_token(self, runtime: JsRuntime) -> None:
        runtime.load("Query.me", (ROOT / "resolvers" / "Query.me.js").read_text(encoding="utf-8"))
        ctx = {
            **BASE_CTX,
            "request": {"headers": {"authorization": "Bearer abc"}, "domainName": None},
        }
        before = runtime.evaluate("Query.me", "request", ctx, auth_type=COGNITO)
        assert before.error is None
        assert before.result["method"] == "GET"
        assert before.result["resourcePath"] == "/customers/me"
        assert "Bearer abc" in before.result["params"]["headers"].values()

    def test_response_reads_ctx_result(self, runtime: JsRuntime) -> None:
        runtime.load("Query.r", HANDLERS)
        ctx = {**BASE_CTX, "result": {"statusCode": 200, "body": "{}"}}
        after = runtime.evaluate("Query.r", "response", ctx, auth_type=COGNITO)
        assert after.result == {"statusCode": 200, "body": "{}"}

    def test_undefined_becomes_none(self, runtime: JsRuntime) -> None:
        runtime.load("Query.u", HANDLERS.replace("return { id: ctx.args.id };", "return;"))
        assert request(runtime, "Query.u").result is None

    def test_a_thrown_error_is_a_code_error_without_a_stack(self, runtime: JsRuntime) -> None:
        runtime.load("Query.t", HANDLERS.replace("{ id: ctx.args.id }", "ctx.nothing.deeper"))
        evaluation = request(runtime, "Query.t", stash={"before": 1})
        assert evaluation.error is not None
        assert evaluation.error.error_type == "Code"
        assert evaluation.error.message == "TypeError: cannot read property 'deeper' of undefined"
        assert evaluation.result is None
        assert evaluation.stash == {"before": 1}

    def test_throw_is_refused_at_load(self, runtime: JsRuntime) -> None:
        """appsync.md §6.1: `throw` is not supported (util.error is), refused as AppSync does."""
        error = refused(runtime, HANDLERS.replace("return { id: ctx.args.id };", "throw null;"))
        assert error.reason == "Unsupported syntax: throw is not supported: use util.error"

    def test_a_result_that_is_not_json(self, runtime: JsRuntime) -> None:
        runtime.load("Query.big", HANDLERS.replace("{ id: ctx.args.id }", "10n"))
        error = request(runtime, "Query.big").error
        assert error is not None
        assert error.error_type == "Code"

    def test_unknown_resolver(self, runtime: JsRuntime) -> None:
        with pytest.raises(KeyError, match=r"Query\.nowhere"):
            runtime.evaluate("Query.nowhere", "request", {}, auth_type=COGNITO)

    def test_unknown_handler(self, runtime: JsRuntime) -> None:
        runtime.load("Query.h", HANDLERS)
        with pytest.raises(ValueError, match="handler must be"):
            runtime.evaluate("Query.h", "invoke", {}, auth_type=COGNITO)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        "ctx",
        [{"arguments": {1j}}, {"x": 2**64}, {"x": {1: "a"}}],
        ids=["a set", "beyond 64 bits", "a key that is not a string"],
    )
    def test_a_ctx_that_is_not_json(self, runtime: JsRuntime, ctx: dict[str, Any]) -> None:
        runtime.load("Query.j", HANDLERS)
        with pytest.raises(ValueError, match="not JSON-compatible"):
            runtime.evaluate("Query.j", "request", ctx, auth_type=COGNITO)

    def test_non_finite_numbers_arrive_as_null(self, runtime: JsRuntime) -> None:
        # As JSON.stringify writes them: JSON has no NaN or infinity.
        runtime.load("Query.n", HANDLERS.replace("{ id: ctx.args.id }", "ctx.args"))
        args = {"nan": float("nan"), "inf": float("inf")}
        assert request(runtime, "Query.n", arguments=args).result == {"nan": None, "inf": None}

    def test_a_lone_surrogate_reaches_the_handler_and_comes_back(self, runtime: JsRuntime) -> None:
        # A request may carry "\ud800" in a string (AppSync's JVM strings hold it): the
        # resolver sees it, and what it returns holds it, for the data source to refuse.
        runtime.load("Query.s", HANDLERS.replace("{ id: ctx.args.id }", "ctx.args.id + '|'"))
        assert request(runtime, "Query.s", arguments={"id": "a\ud800"}).result == "a\ud800|"

    def test_half_of_a_split_emoji_in_the_output_is_kept(self, runtime: JsRuntime) -> None:
        runtime.load("Query.s", HANDLERS.replace("{ id: ctx.args.id }", "'\\uD83D\\uDE00'[0]"))
        assert request(runtime, "Query.s").result == "\ud83d"

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [({"time_limit_s": 0}, "time_limit_s"), ({"memory_limit_bytes": 1000}, "1 MiB")],
    )
    def test_bad_limits(self, kwargs: dict[str, Any], message: str) -> None:
        with pytest.raises(ValueError, match=message):
            JsRuntime(**kwargs)


RUNAWAY = (
    "export function request(ctx) {\n"
    "  if (ctx.args.spin) { const a = Array(9999).fill(0); a.forEach(() => a.forEach(() => 0)); }\n"
    "  if (ctx.args.bomb) { Array(100000).fill(0).map((_, i) => 'x'.repeat(1000) + i); }\n"
    "  if (ctx.args.deep) {\n"
    "    return ctx.args.deep > 0 ? request({ args: { deep: ctx.args.deep + 1 } }) : 0;\n"
    "  }\n"
    "  ctx.stash.ok = true;\n"
    "  return 'fine';\n"
    "}\n"
    "export function response(ctx) { return null; }\n"
)


class TestLimits:
    def test_a_runaway_loop_is_stopped_and_the_context_stays_usable(self) -> None:
        runtime = JsRuntime(time_limit_s=0.2)
        runtime.load("Query.loop", RUNAWAY)
        evaluation = request(runtime, "Query.loop", arguments={"spin": True})
        assert evaluation.error is not None
        assert evaluation.error.error_type == "ExecutionTimeout"
        assert evaluation.error.message == (
            "The request handler of Query.loop exceeded the time limit of 0.2 s"
        )
        again = request(runtime, "Query.loop")
        assert (again.error, again.result, again.stash) == (None, "fine", {"ok": True})

    def test_a_memory_bomb_is_stopped_and_the_context_stays_usable(self) -> None:
        runtime = JsRuntime(time_limit_s=5.0, memory_limit_bytes=32 << 20)
        runtime.load("Query.bomb", RUNAWAY)
        evaluation = request(runtime, "Query.bomb", arguments={"bomb": True})
        assert evaluation.error is not None
        assert evaluation.error.error_type == "Code"
        assert evaluation.error.message == (
            "The request handler of Query.bomb exceeded the memory limit of 33554432 bytes"
        )
        for _ in range(3):
            assert request(runtime, "Query.bomb").result == "fine"

    def test_infinite_recursion_is_a_code_error(self, runtime: JsRuntime) -> None:
        runtime.load("Query.deep", RUNAWAY)
        evaluation = request(runtime, "Query.deep", arguments={"deep": 1})
        assert evaluation.error is not None
        assert evaluation.error.message == "RangeError: Maximum call stack size exceeded"
        assert request(runtime, "Query.deep").result == "fine"

    def test_a_runaway_load_is_refused(self) -> None:
        runtime = JsRuntime(time_limit_s=0.2)
        error = refused(
            runtime,
            "const a = Array(9999).fill(0); a.forEach(() => a.forEach(() => 0));\n" + HANDLERS,
        )
        assert error.reason == "loading the code exceeded the time limit of 0.2 s"


class TestThreads:
    def test_eight_threads_at_once_without_cross_talk(self) -> None:
        runtime = JsRuntime()
        runtime.load(
            "Query.echo",
            "import { util } from '@aws-appsync/utils';\n"
            "export function request(ctx) {\n"
            "  ctx.stash.thread = ctx.args.thread;\n"
            "  util.appendError(`from ${ctx.args.thread}/${ctx.args.call}`);\n"
            "  const work = Array(200).fill(0).map((_, i) => i * ctx.args.call);\n"
            "  const sum = work.reduce((a, b) => a + b, 0);\n"
            "  return { thread: ctx.args.thread, call: ctx.args.call, sum };\n"
            "}\n"
            "export function response(ctx) { return ctx.result; }\n",
        )
        failures: list[str] = []
        barrier = threading.Barrier(8)

        def work(thread: int) -> None:
            barrier.wait()
            for call in range(300):
                evaluation = request(
                    runtime, "Query.echo", arguments={"thread": thread, "call": call}, stash={}
                )
                expected = {"thread": thread, "call": call, "sum": call * 199 * 100}
                if (
                    evaluation.result != expected
                    or evaluation.stash != {"thread": thread}
                    or [e.message for e in evaluation.appended] != [f"from {thread}/{call}"]
                ):
                    failures.append(f"{thread}/{call}: {evaluation}")

        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []

    def test_a_runaway_handler_does_not_hold_up_other_threads(self) -> None:
        runtime = JsRuntime(time_limit_s=0.5)
        runtime.load("Query.loop", RUNAWAY)
        started = threading.Event()
        outcome: list[Evaluation] = []

        def spin() -> None:
            started.set()
            outcome.append(request(runtime, "Query.loop", arguments={"spin": True}))

        spinner = threading.Thread(target=spin)
        spinner.start()
        started.wait()
        # While the other thread spins, this one still gets its answer: nothing is shared.
        assert request(runtime, "Query.loop").result == "fine"
        assert not outcome or outcome[0].error is not None
        spinner.join()
        assert outcome[0].error is not None
        assert outcome[0].error.error_type == "ExecutionTimeout"

    def test_contexts_of_finished_threads_are_freed_safely(self) -> None:
        runtime = JsRuntime()
        runtime.load("Query.t", HANDLERS)
        results: list[Any] = []

        def call(n: int) -> None:
            results.append(request(runtime, "Query.t", arguments={"id": n}).result)

        for batch in range(4):
            threads = [threading.Thread(target=call, args=(batch * 10 + n,)) for n in range(10)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            gc.collect()
        assert sorted(r["id"] for r in results) == list(range(40))
        assert request(runtime, "Query.t", arguments={"id": "main"}).result == {"id": "main"}
