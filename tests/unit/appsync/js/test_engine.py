"""One QuickJS context with the shim: module exports, loading, calls and how failures are read."""

from __future__ import annotations

import json

import pytest

from appsync.js.engine import Engine, EngineError
from appsync.js.rewrite import Script, to_script

HANDLERS = (
    "import { util } from '@aws-appsync/utils';\n"
    "export function request(ctx) {\n"
    "  ctx.stash.seen = true;\n"
    "  util.appendError('noted');\n"
    "  console.warn('careful');\n"
    "  if (ctx.args.fail) { return ctx.missing.field; }\n"
    "  if (ctx.args.spin) { const a = Array(9999).fill(0); a.forEach(() => a.forEach(() => 0)); }\n"
    "  return ctx.args;\n"
    "}\n"
    "export function response(ctx) { return ctx.result; }\n"
)


@pytest.fixture
def engine() -> Engine:
    return Engine(time_limit_s=0.2, memory_limit_bytes=16 << 20)


def script_for(engine: Engine, source: str = HANDLERS) -> Script:
    return to_script("Query.e", source, modules=engine.exports())


def call(engine: Engine, script: Script, **arguments: object) -> dict[str, object]:
    ctx = json.dumps({"arguments": arguments, "stash": {}})
    return engine.invoke(script, "request", ctx, "AWS_IAM")


def test_the_modules_and_their_exports(engine: Engine) -> None:
    exports = engine.exports()
    assert set(exports) == {
        "@aws-appsync/utils",
        "@aws-appsync/utils/dynamodb",
        "@aws-appsync/utils/rds",
    }
    assert {"util", "runtime", "extensions"} <= exports["@aws-appsync/utils"]
    assert {"get", "put", "query"} <= exports["@aws-appsync/utils/dynamodb"]


def test_an_answer_carries_everything_the_call_recorded(engine: Engine) -> None:
    script = script_for(engine)
    engine.load(script)
    answer = call(engine, script, id="a")
    # error, early and headers are at their defaults (null, false, null): left out.
    assert answer == {
        "result": {"id": "a"},
        "errors": [{"message": "noted", "errorType": None, "data": None, "errorInfo": None}],
        "logs": [{"level": "WARN", "message": "careful"}],
        "stash": {"seen": True},
    }


def test_an_answer_carries_an_error_an_early_return_and_headers(engine: Engine) -> None:
    source = (
        "import { util, runtime } from '@aws-appsync/utils';\n"
        "export function request(ctx) {\n"
        "  util.http.addResponseHeader('x-trace', 't-1');\n"
        "  if (ctx.args.stop) { runtime.earlyReturn({ stopped: true }); }\n"
        "  util.error('no', 'Bad', { a: 1 }, { b: 2 });\n"
        "}\n"
        "export function response(ctx) { return () => 1; }\n"
    )
    script = script_for(engine, source)
    engine.load(script)
    assert call(engine, script, stop=True) == {
        "result": {"stopped": True},
        "early": True,
        "stash": {},
        "headers": {"x-trace": "t-1"},
    }
    assert call(engine, script) == {
        "result": None,
        "error": {"message": "no", "errorType": "Bad", "data": {"a": 1}, "errorInfo": {"b": 2}},
        "stash": {},
        "headers": {"x-trace": "t-1"},
    }
    # What JSON.stringify leaves out (a function) is a null result.
    answer = engine.invoke(script, "response", '{"stash":{}}', "AWS_IAM")
    assert answer == {"result": None, "stash": {}}


def test_console_output_is_logged(engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    script = script_for(engine)
    engine.load(script)
    with caplog.at_level("DEBUG", logger="appsync.js"):
        call(engine, script)
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", "Query.e: careful")
    ]


def test_a_js_exception_is_a_code_failure_and_last_call_has_the_record(engine: Engine) -> None:
    script = script_for(engine)
    engine.load(script)
    with pytest.raises(EngineError) as caught:
        call(engine, script, fail=True)
    assert caught.value.failure.kind == "code"
    assert caught.value.failure.message == "TypeError: cannot read property 'field' of undefined"
    recorded = engine.last_call(script)
    assert recorded["stash"] == {"seen": True}
    assert [e["message"] for e in recorded["errors"]] == ["noted"]


def test_the_time_limit_is_a_time_failure(engine: Engine) -> None:
    script = script_for(engine)
    engine.load(script)
    with pytest.raises(EngineError) as caught:
        call(engine, script, spin=True)
    assert caught.value.failure.kind == "time"
    assert call(engine, script, id="after")["result"] == {"id": "after"}


def test_a_syntax_error_is_located_in_module_lines(engine: Engine) -> None:
    script = script_for(engine, HANDLERS.replace("return ctx.args;", "return ctx.args +;"))
    with pytest.raises(EngineError) as caught:
        engine.load(script)
    failure = caught.value.failure
    assert failure.kind == "code"
    assert failure.message.startswith("SyntaxError")
    assert failure.line == 8
    assert "Query.e" not in engine.loaded


def test_engines_are_seeded_independently() -> None:
    ids = set()
    for _ in range(3):
        engine = Engine(time_limit_s=1.0, memory_limit_bytes=16 << 20)
        script = to_script(
            "Query.id",
            "import { util } from '@aws-appsync/utils';\n"
            "export function request(ctx) { return util.autoId(); }\n"
            "export function response(ctx) { return null; }\n",
            modules=engine.exports(),
        )
        engine.load(script)
        ids.add(engine.invoke(script, "request", "{}", "AWS_IAM")["result"])
    assert len(ids) == 3
