"""The HTTP resolvers that put an id argument into their URL check it first and escape it.

These files deploy to AppSync as they are, so the check lives in the APPSYNC_JS itself: an id no
record can have (empty, over the services' limit, not valid Unicode) is a ValidationError naming
the argument and stating the limit, and never reaches the network; any other id becomes exactly
one path segment (`.` and `..` too, which would otherwise be resolved away).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from appsync.js.outcome import JsError
from appsync.js.runtime import Evaluation, JsRuntime
from services.shared.ids import ID_MAX_CHARS

RESOLVERS = Path(__file__).resolve().parents[3] / "resolvers"
COGNITO = "AMAZON_COGNITO_USER_POOLS"
# resolver → (its id argument, its resourcePath with the escaped id in place of {})
ID_IN_PATH = {
    "Mutation.revokeBankConsent": ("id", "/customers/me/bank-consents/{}/revoke"),
    "Mutation.confirmVerification": ("challengeId", "/customers/me/verifications/{}/confirm"),
}
SMILE = "\U0001f600"  # one character, two UTF-16 code units


@pytest.fixture(scope="module")
def runtime() -> JsRuntime:
    loaded = JsRuntime(time_limit_s=1.0)
    for name in ID_IN_PATH:
        loaded.load(name, (RESOLVERS / f"{name}.js").read_text(encoding="utf-8"))
    return loaded


def request(runtime: JsRuntime, name: str, value: Any) -> Evaluation:
    argument = ID_IN_PATH[name][0]
    ctx = {
        "arguments": {argument: value, "code": "123456"},
        "identity": {"sub": "u-1"},
        "source": None,
        "request": {"headers": {"authorization": "Bearer t"}, "domainName": None},
        "info": {"fieldName": name.split(".")[1], "parentTypeName": "Mutation", "variables": {}},
        "prev": None,
        "stash": {},
    }
    return runtime.evaluate(name, "request", ctx, auth_type=COGNITO)


@pytest.mark.parametrize("name", list(ID_IN_PATH))
@pytest.mark.parametrize(
    "value",
    ["", "i" * (ID_MAX_CHARS + 1), "i" * 100_000, SMILE * (ID_MAX_CHARS + 1), 42, None],
    ids=["empty", "one-over", "100k", "astral-one-over", "number", "null"],
)
def test_an_id_no_record_can_have_is_a_validation_error(runtime, name, value):
    argument = ID_IN_PATH[name][0]
    evaluation = request(runtime, name, value)
    assert evaluation.result is None
    assert evaluation.error == JsError(
        message=f"{argument} must be 1 to {ID_MAX_CHARS} characters of valid Unicode text",
        error_type="ValidationError",
        data=None,
        error_info={"field": argument},
    )


@pytest.mark.parametrize("name", list(ID_IN_PATH))
@pytest.mark.parametrize(
    ("value", "segment"),
    [
        ("vc_0123abc", "vc_0123abc"),
        ("i" * ID_MAX_CHARS, "i" * ID_MAX_CHARS),
        ("a b/c?d+e%f#g", "a%20b%2Fc%3Fd%2Be%25f%23g"),
        (SMILE * ID_MAX_CHARS, "%F0%9F%98%80" * ID_MAX_CHARS),
        # A dot segment would be resolved away, naming another resource: its dots are encoded.
        (".", "%2E"),
        ("..", "%2E%2E"),
        ("...", "..."),
        ("v1.2", "v1.2"),
    ],
    ids=[
        "plain",
        "at-the-limit",
        "reserved",
        "astral-at-the-limit",
        "dot",
        "dot-dot",
        "dots",
        "dotted",
    ],
)
def test_a_possible_id_is_one_escaped_path_segment(runtime, name, value, segment):
    evaluation = request(runtime, name, value)
    assert evaluation.error is None
    assert evaluation.result["resourcePath"] == ID_IN_PATH[name][1].format(segment)


def id_check(name: str) -> str:
    """The id check of a resolver file, as deployed: its limit and `isPossibleId`."""
    source = (RESOLVERS / f"{name}.js").read_text(encoding="utf-8")
    limit = re.search(r"^const ID_MAX_CHARS = \d+;$", source, re.MULTILINE)
    function = re.search(r"^function isPossibleId\(value\) \{$.*?^\}$", source, re.M | re.S)
    assert limit is not None
    assert function is not None
    return f"{limit.group(0)}\n{function.group(0)}\n"


@pytest.mark.parametrize("name", list(ID_IN_PATH))
def test_a_lone_surrogate_is_no_id(name):
    """JS strings may hold a lone surrogate (AppSync hands the arguments over as parsed from the
    request's JSON); the check refuses one, and takes a surrogate pair as one character. The
    strings are made in JS here, because the emulator's runtime is given JSON text only."""
    runtime = JsRuntime(time_limit_s=1.0)
    runtime.load(
        "Query.idCheck",
        id_check(name) + "export function request(ctx) {\n"
        "  return [isPossibleId('a\\ud800b'), isPossibleId('\\udfff'), isPossibleId('\\ud83d'),\n"
        "    isPossibleId('\\ud83d\\ude00'), isPossibleId('\\ud83d\\ude00'.repeat(128)),\n"
        "    isPossibleId('\\ud83d\\ude00'.repeat(129))];\n"
        "}\n"
        "export function response(ctx) { return ctx.result; }\n",
    )
    ctx: dict[str, Any] = {
        "arguments": {},
        "identity": None,
        "source": None,
        "request": {"headers": {}},
        "info": {},
        "prev": None,
        "stash": {},
    }
    evaluation = runtime.evaluate("Query.idCheck", "request", ctx, auth_type=COGNITO)
    assert evaluation.error is None, evaluation.error
    assert evaluation.result == [False, False, False, True, True, False]


def test_every_resolver_that_builds_its_path_from_input_is_checked_here():
    built = {
        path.stem
        for path in RESOLVERS.glob("*.js")
        if re.search(r"resourcePath:\s*`[^`]*\$\{", path.read_text(encoding="utf-8"))
    }
    assert built == set(ID_IN_PATH)


@pytest.mark.parametrize("name", list(ID_IN_PATH))
def test_the_limit_is_the_services(name):
    source = (RESOLVERS / f"{name}.js").read_text(encoding="utf-8")
    assert re.findall(r"const ID_MAX_CHARS = (\d+);", source) == [str(ID_MAX_CHARS)]
