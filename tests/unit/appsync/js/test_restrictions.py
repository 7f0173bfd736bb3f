"""Load-time refusals of what APPSYNC_JS does not support, and the 1,000-iteration loop limit
(appsync.md §6.1, §8)."""

from __future__ import annotations

import pytest

from appsync.js.runtime import JsCodeError, JsRuntime
from tests.unit.appsync.js.conftest import BASE_CTX

COGNITO = "AMAZON_COGNITO_USER_POOLS"


def module(body: str, top: str = "") -> str:
    return (
        "import { util } from '@aws-appsync/utils';\n"
        f"{top}export function request(ctx) {{\n{body}\n}}\n"
        "export function response(ctx) { return ctx.result; }\n"
    )


@pytest.fixture(scope="module")
def runtime() -> JsRuntime:
    return JsRuntime(time_limit_s=1.0)


REFUSED = [
    ("try { return 1; } catch (e) { return 2; }", "try/catch/finally is not supported"),
    ("throw new Error('x');", "throw is not supported: use util.error"),
    ("for (const x of [1]) { continue; }", "continue is not supported"),
    ("let i = 0; while (i < 3) { i += 1; } return i;", "while and do-while loops are not"),
    ("let i = 0; do { i += 1; } while (i < 3); return i;", "while and do-while loops are not"),
    ("let n = 0; for (let i = 0; i < 3; i += 1) { n += i; } return n;", "classic for(;;) loops"),
    ("outer: for (const x of [1]) { break outer; } return 1;", "labels are not supported"),
    ("let i = 0; i++; return i;", "the unary operator ++ is not supported"),
    ("let i = 0; --i; return i;", "the unary operator -- is not supported"),
    ("return ~1;", "the unary operator ~ is not supported"),
    ("return 'a' in ctx.args;", "the in operator is not supported: use Object.hasOwn"),
    ("return /a+/.test('aa');", "regular expression literals are not supported"),
    ("return this;", "this is not supported"),
    ("return Promise.resolve(1);", "promises are not supported"),
    ("return new Function('return 1')();", "the Function constructor is not supported"),
    ("class A {} return 1;", "classes are not supported"),
    ("function* g() { yield 1; } return 1;", "generators are not supported"),
    ("const f = async () => 1; return 1;", "async functions are not supported"),
]  # fmt: skip


class TestRefusals:
    @pytest.mark.parametrize(("body", "reason"), REFUSED)
    def test_unsupported_syntax_is_refused_at_load(
        self, runtime: JsRuntime, body: str, reason: str
    ) -> None:
        """appsync.md §6.1 "Not supported": AppSync refuses the code when it is saved."""
        with pytest.raises(JsCodeError) as caught:
            runtime.load("Query.bad", module(body))
        assert caught.value.reason.startswith(f"Unsupported syntax: {reason}")
        assert caught.value.line is not None
        assert caught.value.line >= 3

    @pytest.mark.parametrize(
        "body",
        [
            "const out = []; for (const x of ctx.args.items || []) { out.push(x); } return out;",
            "const keys = []; for (const k in { a: 1 }) { keys.push(k); } return keys;",
            "switch (ctx.args.k) { case 1: return 'one'; default: return 'other'; }",
            "return { try: 1, in: [2], this: 3, class: 4, default: 5 }.in;",
            "return ctx.args.catch ?? ctx.throw ?? Object.hasOwn(ctx.args, 'x');",
            "const n = 1; return n > 0 ? { a: 1 } : { b: 2 };",
            "if (ctx.args.x) { return 1; } return util.matches('a+', 'aa');",
        ],
    )
    def test_supported_syntax_loads(self, runtime: JsRuntime, body: str) -> None:
        """appsync.md §6.1 "Supported": for-of, for-in, switch, object keys named like keywords."""
        runtime.load("Query.ok", module(body))
        evaluation = runtime.evaluate("Query.ok", "request", BASE_CTX, auth_type=COGNITO)
        assert evaluation.error is None, evaluation.error


class TestLoopLimit:
    def evaluate(self, runtime: JsRuntime, body: str, **args: object) -> object:
        runtime.load("Query.loop", module(body))
        return runtime.evaluate(
            "Query.loop", "request", {**BASE_CTX, "arguments": args}, auth_type=COGNITO
        )

    def test_a_thousand_iterations_are_allowed(self, runtime: JsRuntime) -> None:
        """appsync.md §8: 1,000 loop iterations per handler."""
        body = "let n = 0; for (const x of ctx.args.items) { n += x; } return n;"
        evaluation = self.evaluate(runtime, body, items=[1] * 1000)
        assert evaluation.error is None  # type: ignore[attr-defined]
        assert evaluation.result == 1000  # type: ignore[attr-defined]

    @pytest.mark.parametrize(
        "body",
        [
            "let n = 0; for (const x of ctx.args.items) { n += x; } return n;",
            "let n = 0; for (const x of ctx.args.items) n += x; return n;",
            "let n = 0; for (const k in ctx.args.items) if (k) n += 1; else n -= 1; return n;",
            # Nested loops count together.
            "let n = 0; for (const a of ctx.args.items.slice(0, 40)) {"
            " for (const b of ctx.args.items.slice(0, 40)) { n += b; } } return n;",
        ],
    )
    def test_the_1001st_iteration_aborts_the_handler(self, runtime: JsRuntime, body: str) -> None:
        evaluation = self.evaluate(runtime, body, items=[1] * 1001)
        error = evaluation.error  # type: ignore[attr-defined]
        assert error is not None
        assert error.error_type == "LoopLimitExceeded"
        assert error.message.startswith("Loop iteration limit exceeded")

    def test_the_count_starts_afresh_for_each_call(self, runtime: JsRuntime) -> None:
        body = "let n = 0; for (const x of ctx.args.items) { n += x; } return n;"
        for _ in range(3):
            assert self.evaluate(runtime, body, items=[1] * 900).result == 900  # type: ignore[attr-defined]

    def test_a_brace_less_loop_body_keeps_its_meaning(self, runtime: JsRuntime) -> None:
        body = (
            "const out = [];\n"
            "for (const x of ctx.args.items)\n"
            "  if (x > 1) out.push(x)\n"
            "  else out.push(-x)\n"
            "return out;"
        )
        assert self.evaluate(runtime, body, items=[1, 2, 3]).result == [-1, 2, 3]  # type: ignore[attr-defined]


class TestCodeSize:
    def test_code_over_32_kb_is_refused(self, runtime: JsRuntime) -> None:
        """appsync.md §8: APPSYNC_JS code is at most 32 KB."""
        padding = "// " + "x" * 32_768 + "\n"
        with pytest.raises(JsCodeError) as caught:
            runtime.load("Query.big", module("return 1;", top=padding))
        assert "over the maximum code size of 32768 bytes" in caught.value.reason
