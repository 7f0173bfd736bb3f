"""The `@aws-appsync/utils` shim: every `util` function, as resolver code sees it."""

from __future__ import annotations

import base64
import json
import logging
import time
import unicodedata
import urllib.parse
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.unit.appsync.js.conftest import Run

Value = Callable[..., Any]

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def js(text: str) -> str:
    """A JS string literal for `text`."""
    return json.dumps(text)


class TestErrors:
    def test_error_aborts_with_all_four_fields(self, run: Run) -> None:
        evaluation = run("util.error('bad input', 'BadRequest', { id: 1 }, { field: 'email' })")
        assert evaluation.result is None
        assert evaluation.error is not None
        assert evaluation.error.message == "bad input"
        assert evaluation.error.error_type == "BadRequest"
        assert evaluation.error.data == {"id": 1}
        assert evaluation.error.error_info == {"field": "email"}
        assert evaluation.appended == ()

    def test_error_with_a_message_only(self, run: Run) -> None:
        error = run("util.error('plain')").error
        assert error is not None
        assert (error.message, error.error_type, error.data, error.error_info) == (
            "plain", None, None, None,
        )  # fmt: skip

    def test_append_error_keeps_going(self, run: Run) -> None:
        evaluation = run(
            "[util.appendError('first', 'Warn'),"
            " util.appendError('second', null, [1], {a: 2}), 'done'][2]"
        )
        assert evaluation.error is None
        assert evaluation.result == "done"
        assert [(e.message, e.error_type, e.data, e.error_info) for e in evaluation.appended] == [
            ("first", "Warn", None, None),
            ("second", None, [1], {"a": 2}),
        ]

    def test_appended_errors_survive_a_later_util_error(self, run: Run) -> None:
        evaluation = run("[util.appendError('soft'), util.error('hard', 'Fatal')]")
        assert evaluation.error is not None
        assert evaluation.error.message == "hard"
        assert [e.message for e in evaluation.appended] == ["soft"]

    def test_appended_errors_do_not_leak_into_the_next_call(self, run: Run) -> None:
        run("util.appendError('once')")
        assert run("1").appended == ()

    def test_unauthorized_names_the_field(self, run: Run) -> None:
        info = {"fieldName": "createCheckout", "parentTypeName": "Mutation", "variables": {}}
        error = run("util.unauthorized()", info=info).error
        assert error is not None
        assert error.message == "Not Authorized to access createCheckout on type Mutation"
        assert error.error_type == "Unauthorized"


class TestIdentifiers:
    def test_auto_id_is_a_random_uuid_v4(self, value: Value) -> None:
        ids = value("[util.autoId(), util.autoId(), util.autoId()]")
        assert len(set(ids)) == 3
        for text in ids:
            parsed = uuid.UUID(text)
            assert str(parsed) == text
            assert parsed.version == 4
            assert parsed.variant == uuid.RFC_4122

    def test_auto_ulid_encodes_the_current_time(self, value: Value) -> None:
        before = time.time_ns() // 1_000_000
        ulid = value("util.autoUlid()")
        after = time.time_ns() // 1_000_000
        assert len(ulid) == 26
        assert set(ulid) <= set(CROCKFORD)
        millis = 0
        for char in ulid[:10]:
            millis = millis * 32 + CROCKFORD.index(char)
        assert before <= millis <= after

    def test_auto_ulids_are_unique(self, value: Value) -> None:
        ulids = value("[1, 2, 3, 4, 5, 6, 7, 8].map(() => util.autoUlid())")
        assert len(set(ulids)) == 8

    def test_auto_ksuid_encodes_the_current_second(self, value: Value) -> None:
        before = int(time.time())
        ksuid = value("util.autoKsuid()")
        after = int(time.time())
        assert len(ksuid) == 27
        number = 0
        for char in ksuid:
            number = number * 62 + BASE62.index(char)
        assert before <= (number >> 128) + 1_400_000_000 <= after
        assert number & ((1 << 128) - 1) != 0

    def test_contexts_are_seeded_differently(self, value: Value) -> None:
        from appsync.js.runtime import JsRuntime

        other = JsRuntime()
        other.load(
            "Query.id",
            "import { util } from '@aws-appsync/utils';\n"
            "export function request(ctx) { return util.autoId(); }\n"
            "export function response(ctx) { return null; }\n",
        )
        theirs = other.evaluate("Query.id", "request", {}, auth_type="AWS_IAM").result
        assert theirs != value("util.autoId()")


class TestNullChecks:
    @pytest.mark.parametrize(
        ("expression", "expected"),
        [
            ("util.isNull(null)", True),
            ("util.isNull(undefined)", True),
            ("util.isNull('')", False),
            ("util.isNull(0)", False),
            ("util.isNullOrEmpty('')", True),
            ("util.isNullOrEmpty(null)", True),
            ("util.isNullOrEmpty(' ')", False),
            ("util.isNullOrBlank(' \\t\\n')", True),
            ("util.isNullOrBlank(undefined)", True),
            ("util.isNullOrBlank(' a ')", False),
            ("util.defaultIfNull(null, 'd')", "d"),
            ("util.defaultIfNull('', 'd')", ""),
            ("util.defaultIfNullOrEmpty('', 'd')", "d"),
            ("util.defaultIfNullOrEmpty(' ', 'd')", " "),
            ("util.defaultIfNullOrBlank('  ', 'd')", "d"),
            ("util.defaultIfNullOrBlank('x', 'd')", "x"),
        ],
    )
    def test_(self, value: Value, expression: str, expected: Any) -> None:
        assert value(expression) == expected


class TestEncoding:
    @pytest.mark.parametrize("text", ["", "a", "ab", "abc", "héllo ☃ 😀", "a\nb\u0000c"])
    def test_base64_round_trip_matches_python(self, value: Value, text: str) -> None:
        encoded = value(f"util.base64Encode({js(text)})")
        assert encoded == base64.b64encode(text.encode()).decode()
        assert value(f"util.base64Decode({js(encoded)})") == text

    def test_base64_decode_replaces_invalid_utf8(self, value: Value) -> None:
        assert value("util.base64Decode('/w==')") == "\ufffd"

    @pytest.mark.parametrize("bad", ["abc", "ab$=", "a===", "=abc"])
    def test_base64_decode_refuses_what_is_not_base64(self, run: Run, bad: str) -> None:
        error = run(f"util.base64Decode({js(bad)})").error
        assert error is not None
        assert error.message == "TypeError: util.base64Decode: the input is not valid base64"
        assert error.error_type == "Code"

    @pytest.mark.parametrize("text", ["a b&c=d/é", "!'()*~-_.", "日本", "x+y%z"])
    def test_url_encode_is_form_encoding(self, value: Value, text: str) -> None:
        # Java's URLEncoder: like quote_plus, but '*' stays and '~' is encoded.
        expected = urllib.parse.quote_plus(text, safe="*").replace("~", "%7E")
        assert value(f"util.urlEncode({js(text)})") == expected
        assert value(f"util.urlDecode({js(expected)})") == text

    def test_url_decode_reads_plus_as_space(self, value: Value) -> None:
        assert value("util.urlDecode('a+b%2Bc')") == "a b+c"

    def test_escape_javascript(self, value: Value) -> None:
        text = 'it\'s "q" \\ / \b\f\n\r\t \u0001 é 😀'
        assert value(f"util.escapeJavaScript({js(text)})") == (
            'it\\\'s \\"q\\" \\\\ \\/ \\b\\f\\n\\r\\t \\u0001 \\u00E9 \\uD83D\\uDE00'
        )


class TestPatternsAndTypes:
    @pytest.mark.parametrize(
        ("pattern", "text", "expected"),
        [
            ("a*b", "aaaab", True),
            ("a", "ab", False),  # the whole input must match, as Java's String.matches
            ("[0-9]{3}", "123", True),
            ("x|y", "y", True),
            ("^x|y$", "xy", False),
        ],
    )
    def test_matches(self, value: Value, pattern: str, text: str, expected: bool) -> None:
        assert value(f"util.matches({js(pattern)}, {js(text)})") is expected

    @pytest.mark.parametrize(
        ("literal", "expected"),
        [
            ("null", "Null"),
            ("undefined", "Null"),
            ("1.5", "Number"),
            ("'s'", "String"),
            ("false", "Boolean"),
            ("[1]", "List"),
            ("({a: 1})", "Map"),
            ("util.isNull", "Object"),
        ],
    )
    def test_type_of(self, value: Value, literal: str, expected: str) -> None:
        assert value(f"util.typeOf({literal})") == expected

    def test_type_predicates(self, value: Value) -> None:
        assert value(
            "[util.isString('a'), util.isString(1), util.isNumber(1), util.isNumber('1'),"
            " util.isBoolean(true), util.isBoolean(0), util.isList([]), util.isList({}),"
            " util.isMap({}), util.isMap([]), util.isMap(null)]"
        ) == [True, False, True, False, True, False, True, False, True, False, False]


class TestAuthType:
    @pytest.mark.parametrize(
        ("mode", "words"),
        [
            ("AMAZON_COGNITO_USER_POOLS", "User Pool Authorization"),
            ("AWS_IAM", "IAM Authorization"),
            ("API_KEY", "API Key Authorization"),
            ("OPENID_CONNECT", "Open ID Connect Authorization"),
            ("AWS_LAMBDA", "Lambda Authorization"),
        ],
    )
    def test_auth_type_in_appsync_words(self, run: Run, mode: str, words: str) -> None:
        assert run("util.authType()", auth_type=mode).result == words


class TestTime:
    def test_now_uses_the_real_clock(self, value: Value) -> None:
        before = time.time()
        iso, seconds, millis = value(
            "[util.time.nowISO8601(), util.time.nowEpochSeconds(),"
            " util.time.nowEpochMilliSeconds()]"
        )
        after = time.time()
        assert before - 0.001 <= datetime.fromisoformat(iso).timestamp() <= after
        assert iso.endswith("Z")
        assert int(before) <= seconds <= int(after)
        assert int(before * 1000) <= millis <= int(after * 1000) + 1

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("2024-01-02T03:04:05.678Z", datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)),
            ("2024-01-02T05:04:05+02:00", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
            ("2024-01-02T03:04:05", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
            ("2024-01-02", datetime(2024, 1, 2, tzinfo=UTC)),
        ],
    )
    def test_parse_iso8601(self, value: Value, text: str, expected: datetime) -> None:
        millis = value(f"util.time.parseISO8601ToEpochMilliSeconds({js(text)})")
        assert millis == int(expected.timestamp() * 1000)

    @pytest.mark.parametrize("bad", ["yesterday", "2024-13-45T99:00:00Z", "March 7, 2021"])
    def test_parse_iso8601_refuses_other_text(self, run: Run, bad: str) -> None:
        error = run(f"util.time.parseISO8601ToEpochMilliSeconds({js(bad)})").error
        assert error is not None
        assert "not an ISO 8601 date-time" in error.message

    def test_conversions(self, value: Value) -> None:
        assert value(
            "[util.time.epochMilliSecondsToSeconds(1999), "
            "util.time.epochMilliSecondsToISO8601(1704164645678)]"
        ) == [1, "2024-01-02T03:04:05.678Z"]

    def test_now_formatted_is_the_current_utc_time(self, value: Value) -> None:
        """appsync.md §6.2: `nowFormatted(fmt)` formats now, in UTC by default."""
        before = datetime.now(UTC).strftime("%Y-%m-%d")
        text = value("util.time.nowFormatted('yyyy-MM-dd')")
        assert text in (before, datetime.now(UTC).strftime("%Y-%m-%d"))


class TestStrAndMath:
    @pytest.mark.parametrize("form", ["nfc", "nfd", "NFKC", "nfkd"])
    def test_normalize(self, value: Value, form: str) -> None:
        text = "e\u0301 \ufb01 \u1e9b\u0323"
        normalized = value(f"util.str.normalize({js(text)}, {js(form)})")
        assert normalized == unicodedata.normalize(form.upper(), text)  # type: ignore[arg-type]

    def test_math(self, value: Value) -> None:
        assert value(
            "[util.math.roundNum(2.5), util.math.roundNum(2.4), util.math.minVal(3, -1.5),"
            " util.math.maxVal(3, -1.5)]"
        ) == [3, 2, -1.5, 3]

    def test_random_double(self, value: Value) -> None:
        numbers = value("[1, 2, 3, 4, 5, 6, 7, 8].map(() => util.math.randomDouble())")
        assert all(0 <= n < 1 for n in numbers)
        assert len(set(numbers)) == 8

    def test_random_within_range_includes_both_bounds(self, value: Value) -> None:
        numbers = value("Array(300).fill(0).map(() => util.math.randomWithinRange(1, 3))")
        assert set(numbers) == {1, 2, 3}


class TestHttp:
    def test_copy_headers_drops_hop_by_hop_headers(self, value: Value) -> None:
        headers = {
            "Authorization": "Bearer t",
            "Host": "x",
            "CONNECTION": "keep-alive",
            "content-length": "3",
            "Transfer-Encoding": "chunked",
            "expect": "100-continue",
            "keep-alive": "5",
            "upgrade": "h2c",
            "proxy-authenticate": "a",
            "proxy-authorization": "b",
            "te": "trailers",
            "x-custom": "1",
        }
        assert value(f"util.http.copyHeaders({json.dumps(headers)})") == {
            "Authorization": "Bearer t",
            "x-custom": "1",
        }

    def test_response_headers_are_recorded(self, run: Run) -> None:
        evaluation = run(
            "[util.http.addResponseHeader('itemsCount', 7),"
            " util.http.addResponseHeaders({ render: 'fast', flags: { a: 1 } })][0]"
        )
        assert evaluation.error is None
        assert evaluation.response_headers == {
            "itemsCount": "7",
            "render": "fast",
            "flags": '{"a":1}',
        }
        assert evaluation.appended == ()

    @pytest.mark.parametrize(
        ("name", "header_value", "problem"),
        [
            ("x-amz-trace", "'1'", "may not start with x-amz- or x-amzn-"),
            ("X-Amzn-Id", "'1'", "may not start with x-amz- or x-amzn-"),
            ("Content-Type", "'text/plain'", "is reserved"),
            ("Access-Control-Allow-Origin", "'*'", "is reserved"),
            ("host", "'h'", "is reserved"),
            ("", "'v'", "non-empty name"),
            ("x-null", "null", "null value"),
        ],
    )
    def test_refused_response_headers_become_response_header_errors(
        self, run: Run, name: str, header_value: str, problem: str
    ) -> None:
        evaluation = run(f"util.http.addResponseHeader({js(name)}, {header_value})")
        assert evaluation.error is None
        assert evaluation.response_headers == {}
        assert len(evaluation.appended) == 1
        assert evaluation.appended[0].error_type == "ResponseHeaderError"
        assert problem in evaluation.appended[0].message

    def test_response_headers_are_limited_to_4_kb(self, run: Run) -> None:
        evaluation = run(
            "[util.http.addResponseHeader('a', 'x'.repeat(4000)),"
            " util.http.addResponseHeader('b', 'y'.repeat(200))][0]"
        )
        assert list(evaluation.response_headers) == ["a"]
        assert [e.error_type for e in evaluation.appended] == ["ResponseHeaderError"]


class TestRuntimeAndContext:
    def test_early_return(self, run: Run) -> None:
        evaluation = run("runtime.earlyReturn({ cached: true })")
        assert evaluation.early_return is True
        assert evaluation.result == {"cached": True}
        assert evaluation.error is None

    def test_early_return_without_a_value(self, run: Run) -> None:
        evaluation = run("runtime.earlyReturn()")
        assert (evaluation.early_return, evaluation.result) == (True, None)

    def test_a_normal_return_is_not_early(self, run: Run) -> None:
        assert run("1").early_return is False

    def test_args_is_the_same_object_as_arguments(self, value: Value) -> None:
        assert value("[ctx.args === ctx.arguments, ctx.args.id]", arguments={"id": "c-1"}) == [
            True,
            "c-1",
        ]

    def test_stash_mutations_are_returned(self, run: Run) -> None:
        evaluation = run(
            "[ctx.stash.count = ctx.stash.count + 1, ctx.stash.seen = ['x']][0]",
            stash={"count": 1, "kept": True},
        )
        assert evaluation.stash == {"count": 2, "kept": True, "seen": ["x"]}

    def test_the_stash_cannot_be_replaced(self, run: Run) -> None:
        evaluation = run("(ctx.stash = {})")
        assert evaluation.error is not None
        assert evaluation.error.error_type == "Code"
        assert evaluation.error.message.startswith("TypeError")

    def test_console_output_goes_to_the_appsync_js_logger(
        self, run: Run, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.DEBUG, logger="appsync.js"):
            run("[console.log('hello', { a: 1 }), console.error('oops')][0]")
        messages = [(r.levelno, r.getMessage()) for r in caplog.records]
        assert (logging.INFO, 'hello {"a":1}') in [
            (lvl, m.split(": ", 1)[1]) for lvl, m in messages
        ]
        assert any(lvl == logging.ERROR and m.endswith(": oops") for lvl, m in messages)

    @pytest.mark.parametrize(
        "call",
        [
            "util.xml.toMap('<a/>')",
            "util.rds.toJsonObject('')",
        ],
    )
    def test_unimplemented_helpers_say_so(self, run: Run, call: str) -> None:
        error = run(call).error
        assert error is not None
        assert error.message.endswith("is not supported by the local APPSYNC_JS runtime")
