"""Pipeline resolvers, as AppSync runs them (appsync.md §6.4, §6.3; AWS-doc pipeline resolvers
and runtime-utils-js): before handler → functions in order → after handler, `ctx.prev.result`
chaining, one `ctx.stash`, `runtime.earlyReturn`, `util.error`/`util.appendError`, the NONE and
Lambda data sources as function data sources, and the 10-function quota."""

from __future__ import annotations

import json
from typing import Any

import pytest

from appsync.bindings import MAX_PIPELINE_FUNCTIONS, Binding, PipelineFunction
from tests.conformance.resolvers.harness import build_api

pytestmark = pytest.mark.anyio

SDL = "type Query { run(mode: String): AWSJSON }"

BEFORE_AFTER = """
import { util, runtime } from '@aws-appsync/utils';
export function request(ctx) {
  ctx.stash.trail = ['before'];
  if (ctx.args.mode === 'skip-all') { runtime.earlyReturn({ skipped: true }); }
  return { from: 'before', mode: ctx.args.mode };
}
export function response(ctx) {
  ctx.stash.trail.push('after');
  return { last: ctx.prev.result, trail: ctx.stash.trail };
}
"""
# A NONE function: its request's payload comes back as ctx.result (appsync.md §6.4).
ECHO = """
export function request(ctx) {
  ctx.stash.trail.push('echo.request');
  return { payload: { echoed: ctx.prev.result } };
}
export function response(ctx) {
  ctx.stash.trail.push('echo.response');
  return ctx.result;
}
"""
# A Lambda function; in mode "early" it returns early from its request handler.
CALL = """
import { util, runtime } from '@aws-appsync/utils';
export function request(ctx) {
  ctx.stash.trail.push('call.request');
  if (ctx.args.mode === 'early') { runtime.earlyReturn({ early: ctx.prev.result }); }
  if (ctx.args.mode === 'fail') { util.error('stop here', 'Stopped', { x: 1 }); }
  if (ctx.args.mode === 'append') { util.appendError('noted', 'Noted'); }
  return { operation: 'Invoke', payload: { prev: ctx.prev.result, mode: ctx.args.mode } };
}
export function response(ctx) {
  ctx.stash.trail.push('call.response');
  if (ctx.error && ctx.args.mode === 'rethrow') { util.error(ctx.error.message, ctx.error.type); }
  return { lambda: ctx.result, error: ctx.error ? ctx.error.type : null };
}
"""
# Runs after CALL: proves whether the pipeline went on.
LAST = """
export function request(ctx) {
  ctx.stash.trail.push('last.request');
  return { payload: { wrapped: ctx.prev.result } };
}
export function response(ctx) {
  ctx.stash.trail.push('last.response');
  return ctx.result;
}
"""
CODE = {"pipe.js": BEFORE_AFTER, "echo.js": ECHO, "call.js": CALL, "last.js": LAST}


class BoomError(Exception):
    pass


def answer(event: Any) -> Any:
    if event["mode"] in ("error", "rethrow"):
        raise BoomError("the function failed")
    return {"got": event["prev"]}


@pytest.fixture
def pipeline(tmp_path, make_lambda, serve):
    source, recorder = make_lambda("fn", answer)
    binding = Binding(
        type_name="Query",
        field_name="run",
        code="pipe.js",
        functions=(
            PipelineFunction(name="echo", data_source="none", code="echo.js"),
            PipelineFunction(name="call", data_source="fn", code="call.js"),
            PipelineFunction(name="last", data_source="none", code="last.js"),
        ),
    )
    api = build_api(
        tmp_path,
        sdl=SDL,
        bindings=[binding],
        data_sources={"none": None, "fn": source},
        code=CODE,
    )
    return serve(api), recorder


async def run(client, mode: str | None = None) -> Any:
    return await client.query("query ($m: String) { run(mode: $m) }", {"m": mode})


async def test_each_steps_result_is_the_next_steps_prev_and_the_stash_is_shared(pipeline):
    """§6.4: before's result is the first function's ctx.prev.result; each function's result
    the next one's; after gets the last; ctx.stash is one object for the whole pipeline."""

    client, recorder = pipeline
    body = await run(client, "go")
    assert "errors" not in body
    out = json.loads(body["data"]["run"])
    before = {"from": "before", "mode": "go"}
    assert recorder.events == [{"prev": {"echoed": before}, "mode": "go"}]
    assert out["last"] == {"wrapped": {"lambda": {"got": {"echoed": before}}, "error": None}}
    assert out["trail"] == [
        "before",
        "echo.request",
        "echo.response",
        "call.request",
        "call.response",
        "last.request",
        "last.response",
        "after",
    ]


async def test_early_return_in_a_function_request_skips_its_data_source_and_response(pipeline):
    """runtime-utils-js: in a function's request handler, the data source and response handler
    are skipped and the next function runs with the returned value as ctx.prev.result."""

    client, recorder = pipeline
    out = json.loads((await run(client, "early"))["data"]["run"])
    assert recorder.events == []
    assert out["last"] == {"wrapped": {"early": {"echoed": {"from": "before", "mode": "early"}}}}
    assert "call.response" not in out["trail"]
    assert out["trail"][-3:] == ["last.request", "last.response", "after"]


async def test_early_return_in_the_before_handler_skips_every_function(pipeline):
    """runtime-utils-js: in the pipeline resolver's request handler, the functions are skipped
    and its response handler runs at once, with the returned value as ctx.prev.result."""

    client, recorder = pipeline
    out = json.loads((await run(client, "skip-all"))["data"]["run"])
    assert out == {"last": {"skipped": True}, "trail": ["before", "after"]}
    assert recorder.events == []


async def test_util_error_in_a_function_aborts_the_field(pipeline):
    """§3/§6.4: util.error stops the pipeline; the field is null with AppSync's error entry
    (data filtered by the selection set: a scalar field keeps it as is)."""
    client, recorder = pipeline
    body = await run(client, "fail")
    assert body["data"] == {"run": None}
    (error,) = body["errors"]
    assert error["errorType"] == "Stopped"
    assert error["message"] == "stop here"
    assert error["path"] == ["run"]
    assert recorder.events == []


async def test_append_error_in_a_function_lets_the_pipeline_go_on(pipeline):
    """§3: util.appendError adds an entry and evaluation continues; the field keeps its value."""

    client, recorder = pipeline
    body = await run(client, "append")
    out = json.loads(body["data"]["run"])
    assert out["trail"][-1] == "after"
    assert len(recorder.events) == 1
    assert [(e["errorType"], e["message"], e["path"]) for e in body["errors"]] == [
        ("Noted", "noted", ["run"])
    ]


async def test_a_data_source_error_is_swallowed_unless_the_response_handler_raises_it(
    pipeline,
):
    """§3: a data-source error is ctx.error in the function's response handler; if the handler
    does not rethrow it, it is swallowed and the pipeline goes on."""

    client, _ = pipeline
    swallowed = await run(client, "error")
    assert "errors" not in swallowed
    out = json.loads(swallowed["data"]["run"])
    assert out["last"] == {"wrapped": {"lambda": None, "error": "BoomError"}}

    raised = await run(client, "rethrow")
    assert raised["data"] == {"run": None}
    assert [(e["errorType"], e["message"]) for e in raised["errors"]] == [
        ("BoomError", "the function failed")
    ]


class TestStartUp:
    """§6.4 and §8: at most 10 functions per pipeline; functions are shared by name."""

    def test_ten_functions_are_accepted_and_eleven_refused(self):
        def functions(n: int) -> tuple[PipelineFunction, ...]:
            return tuple(
                PipelineFunction(name=f"f{i}", data_source="none", code="echo.js") for i in range(n)
            )

        ten = Binding(type_name="Query", field_name="run", code="p.js", functions=functions(10))
        assert ten.kind == "PIPELINE"
        assert MAX_PIPELINE_FUNCTIONS == 10
        with pytest.raises(ValueError, match="at most 10 functions, not 11"):
            Binding(type_name="Query", field_name="run", code="p.js", functions=functions(11))

    def test_a_pipeline_has_code_and_no_data_source(self):
        fn = (PipelineFunction(name="f", data_source="none", code="echo.js"),)
        with pytest.raises(ValueError, match="needs code"):
            Binding(type_name="Query", field_name="run", functions=fn)
        with pytest.raises(ValueError, match="has no data source"):
            Binding(type_name="Query", field_name="run", data_source="x", code="p", functions=fn)

    async def test_a_function_shared_by_two_resolvers_runs_in_both(self, tmp_path, serve):
        sdl = "type Query { a: AWSJSON b: AWSJSON }"
        echo = PipelineFunction(name="echo", data_source="none", code="echo.js")
        before_after = (
            "import { util, runtime } from '@aws-appsync/utils';\n"
            "export function request(ctx) { ctx.stash.trail = []; return ctx.info.fieldName; }\n"
            "export function response(ctx) { return ctx.prev.result; }\n"
        )
        api = build_api(
            tmp_path,
            sdl=sdl,
            bindings=[
                Binding(type_name="Query", field_name=f, code="p.js", functions=(echo,))
                for f in "ab"
            ],
            data_sources={"none": None},
            code={"p.js": before_after, "echo.js": ECHO},
        )
        body = await serve(api).query("{ a b }")
        assert body == {"data": {"a": '{"echoed":"a"}', "b": '{"echoed":"b"}'}}

    def test_one_function_name_defined_twice_differently_is_refused(self, tmp_path):
        one = PipelineFunction(name="f", data_source="none", code="echo.js")
        other = PipelineFunction(name="f", data_source="none", code="last.js")
        with pytest.raises(ValueError, match="function f is defined twice"):
            build_api(
                tmp_path,
                sdl="type Query { a: String b: String }",
                bindings=[
                    Binding(type_name="Query", field_name="a", code="p.js", functions=(one,)),
                    Binding(type_name="Query", field_name="b", code="p.js", functions=(other,)),
                ],
                data_sources={"none": None},
                code=CODE,
            )
