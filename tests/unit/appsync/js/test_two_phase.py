"""JsRuntime.begin/finish: the same outcomes as two evaluate calls, and the held ctx's lifecycle."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from appsync.js.runtime import Evaluation, JsRuntime, PendingCall
from tests.unit.appsync.js.conftest import BASE_CTX

COGNITO = "AMAZON_COGNITO_USER_POOLS"
RESULT = {"statusCode": 200, "body": '{"id":"c-1"}', "headers": {"content-type": "text/json"}}

# The response handler reports the ctx it got: every property of every object in it, in order,
# with its attributes, and each object's prototype and integrity.
SNAPSHOT = """
function describe(value) {
  if (value === null || typeof value !== 'object') return value;
  const proto = Object.getPrototypeOf(value);
  return {
    proto: proto === null ? null : proto === Array.prototype ? 'Array' : 'Object',
    extensible: Object.isExtensible(value), sealed: Object.isSealed(value),
    frozen: Object.isFrozen(value),
    props: Object.getOwnPropertyNames(value).map((key) => {
      const d = Object.getOwnPropertyDescriptor(value, key);
      return [key, d.writable, d.enumerable, d.configurable, describe(d.value)];
    }),
  };
}
export function response(ctx) {
  return { ctx: describe(ctx), alias: ctx.args === ctx.arguments, json: JSON.stringify(ctx) };
}
"""

# Over 1 KB of JSON, as a browser's ctx with its token is: the request handler gets a watched
# view, and the response handler the same ctx unless it was written. A smaller ctx is parsed
# again for the response handler.
CTX: dict[str, Any] = {
    **BASE_CTX,
    "arguments": {"input": {"name": "Ann", "tags": ["a", "b"]}},
    "identity": {"sub": "u-1", "claims": {"groups": ["customers"], "exp": 1}},
    "request": {"headers": {"authorization": "Bearer " + "t" * 1024}, "domainName": None},
}
SMALL_CTX = {**CTX, "request": {"headers": {"authorization": "Bearer t"}, "domainName": None}}


def request_handler(body: str) -> str:
    return (
        "import { util } from '@aws-appsync/utils';\n"
        f"export function request(ctx) {{\n{body}\n}}\n" + SNAPSHOT
    )


def by_evaluate(
    runtime: JsRuntime, resolver_id: str, ctx: dict[str, Any], result: Any, error: Any
) -> tuple[Evaluation, Evaluation | None]:
    """What the emulator did before: the ctx sent again, with the stash, result and error."""
    before = runtime.evaluate(resolver_id, "request", ctx, auth_type=COGNITO)
    if before.error is not None or before.early_return:
        return before, None
    again = dict(ctx)
    again["stash"] = before.stash
    again["result"], again["error"] = result, error
    return before, runtime.evaluate(resolver_id, "response", again, auth_type=COGNITO)


def by_two_phases(
    runtime: JsRuntime, resolver_id: str, ctx: dict[str, Any], result: Any, error: Any
) -> tuple[Evaluation, Evaluation | None]:
    before, pending = runtime.begin(resolver_id, ctx, auth_type=COGNITO)
    with pending:
        if not pending.active:
            return before, None
        return before, runtime.finish(pending, result=result, error=error)


REQUEST_BODIES = {
    "reads only": "return { auth: ctx.request.headers.authorization, name: ctx.args.input.name };",
    "writes the stash": (
        "ctx.stash.user = ctx.identity.sub; ctx.stash.when = new Date(0);\n"
        "ctx.stash.gone = undefined; ctx.stash.nan = NaN;\n"
        "ctx.stash.headers = ctx.request.headers; return {};"
    ),
    "changes a nested object": "ctx.args.input.name = 'B'; ctx.identity.claims.exp = 2; return 1;",
    "pushes to an array": "ctx.args.input.tags.push('c'); return ctx.args.input.tags;",
    "sorts an array": "ctx.identity.claims.groups.sort(); return 0;",
    "adds and deletes top-level keys": "ctx.extra = 1; delete ctx.identity; return 0;",
    "deletes a nested key": "delete ctx.args.input.name; return 0;",
    "replaces a top-level value": "ctx.request = { headers: {} }; return 0;",
    "defines a property": "Object.defineProperty(ctx.args, 'hidden', { value: 1 }); return 0;",
    "freezes": "Object.freeze(ctx.args.input); return Object.isFrozen(ctx.args.input);",
    "prevents extensions": "Object.preventExtensions(ctx.args.input); return 0;",
    "changes a prototype": "Object.setPrototypeOf(ctx.info, null); return 0;",
    "writes through a descriptor": (
        "Object.getOwnPropertyDescriptor(ctx, 'identity').value.sub = 'x'; return 0;"
    ),
    "copies, then changes the copy": (
        "const copy = { ...ctx.args }; copy.input.name = 'Eve'; copy.more = 1; return copy;"
    ),
    "reads everything": "return JSON.parse(JSON.stringify(ctx));",
    "reads past the guard's budget, then writes": (
        "Array(100).fill(0).forEach(() => { ctx.args.input.name; });\n"
        "ctx.args.input.name = 'Max'; return 0;"
    ),
    "checks identities and kinds": (
        "return [ctx.args === ctx.arguments, ctx.identity === ctx.identity,\n"
        "  Array.isArray(ctx.args.input.tags), typeof ctx.identity,\n"
        "  ctx.identity instanceof Object,\n"
        "  Object.keys(ctx.request.headers), Object.hasOwn(ctx.identity, 'sub'),\n"
        "  Object.getOwnPropertyDescriptor(ctx, 'identity').value === ctx.identity,\n"
        "  Object.entries(ctx.args.input).length, JSON.stringify(ctx.args),\n"
        "  ctx.args.input.tags.map((t) => t + '!'), [...ctx.identity.claims.groups]];"
    ),
    "appends errors and headers": (
        "util.appendError('careful', 'Warn', ctx.args.input);\n"
        "util.http.addResponseHeader('x-who', ctx.identity.sub);\n"
        "console.log(ctx.args); return 'ok';"
    ),
    "fails": "ctx.stash.before = 1; util.error('no', 'Bad', ctx.args.input);",
    "throws": "ctx.stash.before = 1; return ctx.nothing.deeper;",
    "returns early": "runtime.earlyReturn(ctx.args.input);",
    "assigns the stash": "ctx.stash = {}; return 0;",
    "writes a frozen object": "Object.freeze(ctx.args); ctx.args.x = 1; return 0;",
    "deletes a frozen property": "Object.freeze(ctx.args); delete ctx.args.input; return 0;",
}


class TestSameOutcomesAsEvaluate:
    @pytest.mark.parametrize("ctx", [CTX, SMALL_CTX], ids=["watched", "parsed again"])
    @pytest.mark.parametrize("body", REQUEST_BODIES.values(), ids=REQUEST_BODIES.keys())
    def test_request_handlers(self, runtime: JsRuntime, body: str, ctx: dict[str, Any]) -> None:
        source = request_handler(body).replace("import { util }", "import { util, runtime }")
        runtime.load("Query.same", source)
        expected = by_evaluate(runtime, "Query.same", ctx, RESULT, None)
        assert by_two_phases(runtime, "Query.same", ctx, RESULT, None) == expected

    @pytest.mark.parametrize(
        "ctx",
        [
            {k: v for k, v in CTX.items() if k != "stash"},
            {k: v for k, v in CTX.items() if k != "arguments"},
            {**CTX, "arguments": None},
            {**CTX, "args": {"own": True}},
            {**CTX, "result": "earlier", "error": {"message": "earlier"}},
            {"stash": {"given": 1}},
            {},
        ],
        ids=["no stash", "no arguments", "null arguments", "an args key", "result and error",
             "only a stash", "empty"],
    )  # fmt: skip
    @pytest.mark.parametrize("body", ["return 0;", "ctx.args.x = 1; return 0;"])
    def test_ctx_shapes(self, runtime: JsRuntime, ctx: dict[str, Any], body: str) -> None:
        runtime.load("Query.shape", request_handler(body))
        expected = by_evaluate(runtime, "Query.shape", ctx, RESULT, None)
        assert by_two_phases(runtime, "Query.shape", ctx, RESULT, None) == expected

    @pytest.mark.parametrize(
        ("result", "error"),
        [(None, {"message": "connection refused", "type": "HttpError"}), ([1, "two"], None)],
    )
    def test_results_and_errors(self, runtime: JsRuntime, result: Any, error: Any) -> None:
        runtime.load("Query.res", request_handler("return 0;"))
        expected = by_evaluate(runtime, "Query.res", CTX, result, error)
        assert by_two_phases(runtime, "Query.res", CTX, result, error) == expected

    def test_the_response_handler_can_change_its_ctx(self, runtime: JsRuntime) -> None:
        runtime.load(
            "Query.later",
            "export function request(ctx) { return ctx.args.input.name; }\n"
            "export function response(ctx) {\n"
            "  ctx.args.input.name += '!'; ctx.request.headers = null; return [ctx.args, ctx];\n"
            "}\n",
        )
        expected = by_evaluate(runtime, "Query.later", CTX, RESULT, None)
        for _ in range(2):  # and the next call starts afresh
            assert by_two_phases(runtime, "Query.later", CTX, RESULT, None) == expected

    def test_a_failing_response_handler(self, runtime: JsRuntime) -> None:
        runtime.load(
            "Query.late",
            "export function request(ctx) { ctx.stash.seen = 1; return 0; }\n"
            "export function response(ctx) { ctx.stash.also = 2; return ctx.result.no.such; }\n",
        )
        expected = by_evaluate(runtime, "Query.late", CTX, RESULT, None)
        assert by_two_phases(runtime, "Query.late", CTX, RESULT, None) == expected
        assert runtime.pending_calls() == 0

    def test_code_loaded_between_the_phases_runs(self, runtime: JsRuntime) -> None:
        runtime.load("Query.v", request_handler("return 0;"))
        _, pending = runtime.begin("Query.v", CTX, auth_type=COGNITO)
        runtime.load(
            "Query.v",
            "export function request(ctx) { return 0; }\n"
            "export function response(ctx) { return 'v2'; }\n",
        )
        assert runtime.finish(pending, result=None, error=None).result == "v2"


class TestHeldCtx:
    def test_held_from_begin_to_finish(self, runtime: JsRuntime) -> None:
        runtime.load("Query.held", request_handler("return 0;"))
        before = runtime.pending_calls()
        _, pending = runtime.begin("Query.held", CTX, auth_type=COGNITO)
        assert pending.active
        assert runtime.pending_calls() == before + 1
        runtime.finish(pending, result=None, error=None)
        assert (pending.active, runtime.pending_calls()) == (False, before)
        with pytest.raises(RuntimeError, match="has no response phase to run"):
            runtime.finish(pending, result=None, error=None)

    def test_released_when_the_block_fails(self, runtime: JsRuntime) -> None:
        runtime.load("Query.rel", request_handler("return 0;"))
        before = runtime.pending_calls()
        _, pending = runtime.begin("Query.rel", CTX, auth_type=COGNITO)
        with pytest.raises(ConnectionError), pending:  # noqa: PT012 - raised inside the block
            assert runtime.pending_calls() == before + 1
            raise ConnectionError("the data source failed")
        assert (pending.active, runtime.pending_calls()) == (False, before)
        pending.release()  # again: nothing to do
        with pytest.raises(RuntimeError, match="has no response phase to run"):
            runtime.finish(pending, result=None, error=None)

    @pytest.mark.parametrize(
        "body", ["util.error('no');", "return ctx.nothing.deeper;", "runtime.earlyReturn(1);"]
    )
    def test_nothing_held_without_a_response_phase(self, runtime: JsRuntime, body: str) -> None:
        source = request_handler(body).replace("import { util }", "import { util, runtime }")
        runtime.load("Query.none", source)
        before = runtime.pending_calls()
        _, pending = runtime.begin("Query.none", CTX, auth_type=COGNITO)
        assert not pending.active
        assert runtime.pending_calls() == before

    def test_an_output_holding_a_lone_surrogate_is_read_and_held(self, runtime: JsRuntime) -> None:
        # Half of a split emoji: JSON.stringify writes it as an escape, which is read back as
        # the lone surrogate it is (a request may carry one, as AppSync's JVM strings do).
        runtime.load("Query.sur", request_handler("return '\\uD83D\\uDE00'[0];"))
        before = runtime.pending_calls()
        evaluation, pending = runtime.begin("Query.sur", CTX, auth_type=COGNITO)
        assert (evaluation.error, evaluation.result) == (None, "\ud83d")
        assert pending.active
        runtime.finish(pending, result=None, error=None)
        assert runtime.pending_calls() == before

    def test_a_time_limit_in_the_response_handler(self) -> None:
        runtime = JsRuntime(time_limit_s=0.2)
        runtime.load(
            "Query.spin",
            "export function request(ctx) { return ctx.args.input; }\n"
            "export function response(ctx) { if (ctx.result) {"
            " const a = Array(9999).fill(0); a.forEach(() => a.forEach(() => 0)); }"
            " return 'ok'; }\n",
        )
        _, pending = runtime.begin("Query.spin", CTX, auth_type=COGNITO)
        after = runtime.finish(pending, result=True, error=None)
        assert after.error is not None
        assert after.error.error_type == "ExecutionTimeout"
        assert runtime.pending_calls() == 0
        assert by_two_phases(runtime, "Query.spin", CTX, None, None)[1] is not None

    def test_bad_result_leaves_the_call_pending(self, runtime: JsRuntime) -> None:
        runtime.load("Query.bad", request_handler("return 0;"))
        with runtime.begin("Query.bad", CTX, auth_type=COGNITO)[1] as pending:
            with pytest.raises(ValueError, match="not JSON-compatible"):
                runtime.finish(pending, result={1j}, error=None)
            assert pending.active
            assert runtime.finish(pending, result=None, error=None).error is None

    def test_the_number_held_is_bounded(self) -> None:
        runtime = JsRuntime(max_pending=3)
        runtime.load("Query.many", request_handler("return ctx.args.n;"))
        calls = [
            runtime.begin("Query.many", {**CTX, "arguments": {"n": n}}, auth_type=COGNITO)[1]
            for n in range(5)
        ]
        assert runtime.pending_calls() == 3
        # The two oldest were dropped to make room; their finish says so.
        for dropped in calls[:2]:
            with pytest.raises(RuntimeError, match="was dropped: 3 newer calls were waiting"):
                runtime.finish(dropped, result=None, error=None)
        for kept in calls[2:]:
            assert runtime.finish(kept, result=None, error=None).error is None
        assert runtime.pending_calls() == 0

    def test_bad_limit(self) -> None:
        with pytest.raises(ValueError, match="max_pending"):
            JsRuntime(max_pending=0)


class TestThreads:
    def test_finish_and_release_on_another_thread_are_refused(self, runtime: JsRuntime) -> None:
        runtime.load("Query.t", request_handler("return 0;"))
        _, pending = runtime.begin("Query.t", CTX, auth_type=COGNITO)
        refusals: list[str] = []

        def elsewhere() -> None:
            for attempt in (
                lambda: runtime.finish(pending, result=None, error=None),
                pending.release,
            ):
                try:
                    attempt()
                except RuntimeError as exc:
                    refusals.append(str(exc))

        worker = threading.Thread(target=elsewhere, name="worker-1")
        worker.start()
        worker.join()
        here = threading.current_thread().name
        assert refusals == [
            f"cannot {action} the call to Query.t on thread 'worker-1': it was begun on thread "
            f"{here!r}, whose JS context holds it"
            for action in ("finish", "release")
        ]
        assert pending.active  # untouched: the thread that began it can still finish it
        assert runtime.finish(pending, result=None, error=None).error is None

    def test_another_runtimes_call_is_refused(self, runtime: JsRuntime) -> None:
        runtime.load("Query.o", request_handler("return 0;"))
        other = JsRuntime()
        other.load("Query.o", request_handler("return 0;"))
        _, pending = other.begin("Query.o", CTX, auth_type=COGNITO)
        with pending, pytest.raises(RuntimeError, match="another runtime began it"):
            runtime.finish(pending, result=None, error=None)

    def test_threads_hold_their_own_calls(self) -> None:
        runtime = JsRuntime()
        runtime.load("Query.own", request_handler("ctx.stash.n = ctx.args.n; return ctx.args.n;"))
        barrier = threading.Barrier(4)
        failures: list[str] = []

        def work(n: int) -> None:
            barrier.wait()
            pendings: list[PendingCall] = []
            for call in range(20):
                ctx = {**CTX, "arguments": {"n": n * 100 + call}}
                pendings.append(runtime.begin("Query.own", ctx, auth_type=COGNITO)[1])
            if runtime.pending_calls() != 20:
                failures.append(f"{n}: {runtime.pending_calls()} held")
            for call, pending in enumerate(pendings):
                after = runtime.finish(pending, result=None, error=None)
                if after.stash != {"n": n * 100 + call}:
                    failures.append(f"{n}/{call}: {after.result}")

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []


class TestViewsKeptPastTheRequest:
    """A request handler's ctx objects kept in a module-level variable (which AppSync, running
    each handler afresh, would not keep) are not the response handler's ctx."""

    SOURCE = (
        "let kept = null;\n"
        "export function request(ctx) { kept = ctx.args.input; return 0; }\n"
        "export function response(ctx) { return ctx.args.x ? kept.name : 'fine'; }\n"
    )

    def test_refused_in_the_response_handler(self, runtime: JsRuntime) -> None:
        runtime.load("Query.kept", self.SOURCE)
        _, pending = runtime.begin("Query.kept", {**CTX, "arguments": {"x": 1, "input": {}}},
                                   auth_type=COGNITO)  # fmt: skip
        after = runtime.finish(pending, result=None, error=None)
        assert after.error is not None
        assert after.error.message == (
            "TypeError: An object of the request handler's ctx was used in the response "
            "handler; the response handler gets its own ctx"
        )

    def test_used_by_later_calls_as_if_the_ctx_were_sent_again(self, runtime: JsRuntime) -> None:
        source = (
            "let kept = null;\n"
            "export function request(ctx) {\n"
            "  const seen = kept === null ? null : kept.name;\n"
            "  if (kept !== null) { kept.name = 'changed by a later call'; }\n"
            "  kept = ctx.args.input;\n"
            "  return seen;\n"
            "}\n"
            "export function response(ctx) { return ctx.args.input.name; }\n"
        )
        # By evaluate: the first call's request, a whole second call, the first's response.
        runtime.load("Query.later", source)  # a fresh module: nothing kept
        first = runtime.evaluate("Query.later", "request", CTX, auth_type=COGNITO)
        second = by_evaluate(runtime, "Query.later", CTX, None, None)
        again = {**CTX, "stash": first.stash, "result": None, "error": None}
        last = runtime.evaluate("Query.later", "response", again, auth_type=COGNITO)
        # The same in two phases.
        runtime.load("Query.later", source)
        first_, pending = runtime.begin("Query.later", CTX, auth_type=COGNITO)
        second_ = by_two_phases(runtime, "Query.later", CTX, None, None)
        last_ = runtime.finish(pending, result=None, error=None)
        assert (first_, second_, last_) == (first, second, last)
        assert (second[0].result, last.result) == ("Ann", "Ann")
