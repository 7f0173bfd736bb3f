"""Execution limits (appsync.md §8; AWS-doc configuration-limits and the AppSync quotas):
query depth (`QueryDepthLimitReached`), resolver count (`ResolverExecutionLimitReached`), the
30 s request time, the 5 MB evaluated response per resolver, with AppSync's defaults."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from appsync.bindings import Binding
from appsync.config import ApiConfig
from appsync.limits import (
    MAX_QUERY_DEPTH_LIMIT,
    MAX_RESPONSE_BYTES,
    QUERY_DEPTH_LIMIT_OFF,
    REQUEST_TIMEOUT_S,
    RESOLVER_COUNT_LIMIT,
    TIMED_OUT_MESSAGE,
)
from tests.conformance.resolvers.harness import build_api, config

pytestmark = pytest.mark.anyio

NESTED_SDL = """
type Layer { value: String next: Layer strict: Layer! }
type Query { layer: Layer }
"""
# A NONE resolver returning nested layers, so depth is all in the document.
LAYER = """
export function request(ctx) {
  const deepest = { value: 'L4' };
  const l3 = { value: 'L3', next: deepest, strict: deepest };
  const l2 = { value: 'L2', next: l3, strict: l3 };
  return { payload: { value: 'L1', next: l2, strict: l2 } };
}
export function response(ctx) { return ctx.result; }
"""


class TestDefaults:
    def test_the_defaults_are_appsyncs(self):
        assert QUERY_DEPTH_LIMIT_OFF == 0
        assert MAX_QUERY_DEPTH_LIMIT == 75
        assert RESOLVER_COUNT_LIMIT == 10_000
        assert REQUEST_TIMEOUT_S == 30.0
        assert MAX_RESPONSE_BYTES == 5 * 1024 * 1024
        defaults = config()
        assert defaults.query_depth_limit == QUERY_DEPTH_LIMIT_OFF
        assert defaults.resolver_count_limit == RESOLVER_COUNT_LIMIT
        assert defaults.request_timeout_s == REQUEST_TIMEOUT_S
        assert defaults.max_response_bytes == MAX_RESPONSE_BYTES

    @pytest.mark.parametrize(
        ("setting", "value"),
        [
            ("query_depth_limit", -1),
            ("query_depth_limit", 76),
            ("resolver_count_limit", 0),
            ("resolver_count_limit", 10_001),
        ],
    )
    def test_settings_out_of_appsyncs_range_are_refused(self, setting, value):
        with pytest.raises(ValueError, match=setting):
            config(**{setting: value})

    def test_api_config_takes_them_as_keywords(self):
        assert ApiConfig.__dataclass_fields__["query_depth_limit"].kw_only


def layered(tmp_path, **limits: Any):
    return build_api(
        tmp_path,
        sdl=NESTED_SDL,
        bindings=[Binding(type_name="Query", field_name="layer", data_source="n", code="l.js")],
        data_sources={"n": None},
        code={"l.js": LAYER},
        **limits,
    )


class TestQueryDepth:
    QUERY = "{ layer { value next { value next { value next { value } } } } }"

    async def test_fields_past_the_limit_are_null_with_query_depth_limit_reached(
        self, tmp_path, serve
    ):
        """configuration-limits: with a limit of 2, the fields of levels 1 and 2 resolve; each
        field of level 3 is null with its own error, and nothing deeper runs."""
        body = await serve(layered(tmp_path, query_depth_limit=2)).query(self.QUERY)
        assert body["data"] == {"layer": {"value": "L1", "next": {"value": None, "next": None}}}
        assert [(e["errorType"], e["path"]) for e in body["errors"]] == [
            ("QueryDepthLimitReached", ["layer", "next", "value"]),
            ("QueryDepthLimitReached", ["layer", "next", "next"]),
        ]

    async def test_a_non_null_field_past_the_limit_nulls_its_nearest_nullable_parent(
        self, tmp_path, serve
    ):
        body = await serve(layered(tmp_path, query_depth_limit=2)).query(
            "{ layer { value strict { value } } }"
        )
        assert body["data"] == {"layer": {"value": "L1", "strict": {"value": None}}}
        body = await serve(layered(tmp_path, query_depth_limit=2)).query(
            "{ layer { value next { strict { value } } } }"
        )
        # `strict` (Layer!) is past the limit: its null goes up to `next`, the nullable parent.
        assert body["data"] == {"layer": {"value": "L1", "next": None}}
        assert body["errors"][0]["errorType"] == "QueryDepthLimitReached"

    async def test_fragments_count_for_depth(self, tmp_path, serve):
        query = "{ layer { ...deep } } fragment deep on Layer { next { next { value } } }"
        body = await serve(layered(tmp_path, query_depth_limit=3)).query(query)
        assert body["data"] == {"layer": {"next": {"next": {"value": None}}}}
        assert body["errors"][0]["path"] == ["layer", "next", "next", "value"]

    async def test_within_the_limit_and_without_one_the_query_runs_whole(self, tmp_path, serve):
        full = {
            "value": "L1",
            "next": {"value": "L2", "next": {"value": "L3", "next": {"value": "L4"}}},
        }
        within = await serve(layered(tmp_path, query_depth_limit=5)).query(self.QUERY)
        assert within == {"data": {"layer": full}}
        off = await serve(layered(tmp_path)).query(self.QUERY)
        assert off == {"data": {"layer": full}}


class TestResolverCount:
    async def test_resolvers_past_the_limit_do_not_run(self, tmp_path, serve, make_lambda):
        """configuration-limits: with a limit of 2, a third resolver errors and does not run."""
        source, recorder = make_lambda("fn", lambda event: event["arguments"]["n"])
        api = build_api(
            tmp_path,
            sdl="type Query { echo(n: Int!): Int }",
            bindings=[Binding(type_name="Query", field_name="echo", data_source="fn")],
            data_sources={"fn": source},
            resolver_count_limit=2,
        )
        body = await serve(api).query("{ a: echo(n: 1) b: echo(n: 2) c: echo(n: 3) }")
        assert body["data"] == {"a": 1, "b": 2, "c": None}
        (error,) = body["errors"]
        assert error["errorType"] == "ResolverExecutionLimitReached"
        assert error["path"] == ["c"]
        assert len(recorder.events) == 2

    async def test_the_count_is_per_request(self, tmp_path, serve, make_lambda):
        source, _ = make_lambda("fn", lambda event: 1)
        api = build_api(
            tmp_path,
            sdl="type Query { one: Int }",
            bindings=[Binding(type_name="Query", field_name="one", data_source="fn")],
            data_sources={"fn": source},
            resolver_count_limit=1,
        )
        client = serve(api)
        assert await client.query("{ one }") == {"data": {"one": 1}}
        assert await client.query("{ one }") == {"data": {"one": 1}}


class TestRequestTime:
    async def test_a_lambda_call_past_the_deadline_is_execution_timed_out(
        self, tmp_path, serve, make_lambda
    ):
        """AppSync's answer to a call its 30 s limit cut off: the field null, `Execution timed
        out.` with type `Lambda:ExecutionTimeoutException` (aws-appsync-community#386)."""
        release = threading.Event()
        source, _ = make_lambda("fn", lambda event: release.wait(5))
        api = build_api(
            tmp_path,
            sdl="type Query { slow: Boolean fast: String }",
            bindings=[
                Binding(type_name="Query", field_name="slow", data_source="fn"),
                Binding(type_name="Query", field_name="fast", data_source="n", code="f.js"),
            ],
            data_sources={"fn": source, "n": None},
            code={
                "f.js": "export function request(ctx) { return { payload: 'done' }; }\n"
                "export function response(ctx) { return ctx.result; }\n"
            },
            request_timeout_s=0.2,
        )
        try:
            body = await serve(api).query("{ slow fast }")
        finally:
            release.set()
        assert body["data"] == {"slow": None, "fast": "done"}
        (error,) = body["errors"]
        assert (error["errorType"], error["message"]) == (
            "Lambda:ExecutionTimeoutException",
            TIMED_OUT_MESSAGE,
        )

    async def test_a_js_resolver_sees_the_timeout_as_ctx_error(self, tmp_path, serve, make_lambda):
        release = threading.Event()
        source, _ = make_lambda("fn", lambda event: release.wait(5))
        code = (
            "export function request(ctx) { return { operation: 'Invoke', payload: {} }; }\n"
            "export function response(ctx) { return ctx.error.type + ': ' + ctx.error.message; }\n"
        )
        api = build_api(
            tmp_path,
            sdl="type Query { slow: String }",
            bindings=[Binding(type_name="Query", field_name="slow", data_source="fn", code="s.js")],
            data_sources={"fn": source},
            code={"s.js": code},
            request_timeout_s=0.2,
        )
        try:
            body = await serve(api).query("{ slow }")
        finally:
            release.set()
        assert body == {"data": {"slow": f"Lambda:ExecutionTimeoutException: {TIMED_OUT_MESSAGE}"}}


class TestResponseSize:
    async def test_a_response_over_5_mb_is_refused(self, tmp_path, serve, make_lambda):
        """§8: an evaluated resolver response is at most 5 MB; AppSync reports a larger one as
        `MappingTemplate` / `Transformation too large` (aws-mobile-appsync-sdk-js#124)."""
        source, _ = make_lambda("fn", lambda event: "x" * event["arguments"]["size"])
        api = build_api(
            tmp_path,
            sdl="type Query { blob(size: Int!): String }",
            bindings=[Binding(type_name="Query", field_name="blob", data_source="fn")],
            data_sources={"fn": source},
        )
        client = serve(api)
        ok = await client.query("{ blob(size: 1000) }")
        assert ok == {"data": {"blob": "x" * 1000}}
        body = await client.query(f"{{ blob(size: {MAX_RESPONSE_BYTES + 1}) }}")
        assert body["data"] == {"blob": None}
        (error,) = body["errors"]
        assert (error["errorType"], error["message"]) == (
            "MappingTemplate",
            "Transformation too large",
        )

    async def test_the_limit_applies_to_each_handler_of_a_js_resolver(self, tmp_path, serve):
        code = (
            "export function request(ctx) { return { payload: { items: ctx.args.items } }; }\n"
            "export function response(ctx) { return ctx.result.items; }\n"
        )
        api = build_api(
            tmp_path,
            sdl="type Query { list(items: [String]): [String] }",
            bindings=[Binding(type_name="Query", field_name="list", data_source="n", code="l.js")],
            data_sources={"n": None},
            code={"l.js": code},
            max_response_bytes=100,
        )
        body = await serve(api).query(
            "query ($i: [String]) { list(items: $i) }", {"i": ["y" * 200]}
        )
        assert body["data"] == {"list": None}
        assert body["errors"][0]["message"] == "Transformation too large"
