"""What the GraphQL fuzz generates and what it counts as a fault.

Operations come from hypothesis-graphql over the schema the emulator serves, one root field per
document so every field is reached. Argument values mix the stack's real ids (its own and other
people's) and realistic strings with edge cases and arbitrary text, so generated calls get past
the argument checks into the services' code paths.

A fault is any answer an honest API never gives: an HTTP 5xx, a body that is not JSON, an
errorType outside the API's contract with frontends (InternalError too: it is there, but it
means a bug), Python's words in a message, a field error with no type (an unserializable value or
a null for a non-null field), DependencyFailure while every dependency is up, or a traceback in
the stack's log.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import graphql
import httpx
from hypothesis import strategies as st
from hypothesis_graphql import from_schema, nodes

from appsync.sdl import build_executable_schema

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schema" / "schema.graphql"

# The errorType values of the contract, the verification errors the schema documents, and the
# request-level refusals AppSync itself makes. InternalError is in the contract but is always a
# bug, so the fuzz reports it.
ALLOWED_ERROR_TYPES = frozenset(
    {
        *("Unauthorized", "UnauthorizedException", "ValidationError", "NotFound", "Conflict"),
        *("IdempotencyKeyReused", "CheckoutExpired", "InvalidState", "PaymentDeclined"),
        *("VerificationRequired", "RateLimited"),
        *("ChallengeExpired", "ChallengeLocked", "ChallengeUsed"),
        *(
            "BadRequestException",
            "MalformedHttpRequestException",
            "ResolverExecutionLimitReached",
            "QueryDepthLimitReached",
        ),
    }
)
# Python's own words: a traceback, a source line, an exception class or a library's name.
PYTHON_TEXT = re.compile(
    r"Traceback|File \"|line \d+, in |object at 0x|"
    r"\b(Key|Type|Value|Attribute|Index|Runtime|Assertion|Unicode\w*|JSONDecode|Lookup|Name)Error\b|"
    r"\b(httpx|botocore|boto3|pynamodb|starlette|pydantic|strawberry|graphql\.error)\b"
)

# Ids no record has: empty, too long, and shaped to escape their place in a URL path or query
# (dot segments, separators, encodings, whitespace).
EDGE_IDS = (
    *("", " ", "a" * 128, "a" * 129, "x" * 4096, ".", "..", "./", "../..", "...", "a/b", "/"),
    *("%2e", "%2E%2E", "%2F", "?x=1", "#frag", "a b", "a+b", ";x", "\t", "\x00", "é", "🙂"),
    *("null", "-1", "0"),
)
# The ends of the calendar and of the offsets: what date arithmetic overflows on.
EXTREME_MOMENTS = (
    *("0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z", "0001-01-01T00:00:00+14:00"),
    *("9999-12-31T23:59:59-12:00", "2030-01-01T00:00:00.123456789Z"),
)
# Ids sent to every operation that takes one: what would escape or break a URL path segment.
HOSTILE_IDS = ("", ".", "..", "...", "../..", "a/b", "%2F", "%2E%2E", "?x=1", "#f", "a b", "a+b")
# Strings the API knows: card tokens, currencies, OBIE permissions, codes.
KNOWN_STRINGS = (
    *("tok_visa", "tok_mastercard", "tok_declined", "tok_insufficient_funds", "tok_unknown"),
    *("GBP", "EUR", "USD", "JPY", "XXX", "gbp", "K-1", "Kettle", "123456", "000000", "fuzz-key"),
    *("ReadAccountsBasic", "ReadBalances", "ReadTransactionsBasic", "ReadTransactionsCredits"),
    *("", " ", "a" * 2001, "\x00", "<script>", "' OR 1=1 --", "{}", "🙂"),
)
# The kinds of record whose ids each operation takes, most relevant first; other operations draw
# from every kind.
ID_KINDS: dict[str, tuple[str, ...]] = {
    "checkout": ("checkout",),
    "voidCheckout": ("checkout",),
    "captureCheckout": ("checkout",),
    "refundCheckout": ("checkout",),
    "applyForCredit": ("checkout", "consent"),
    "publishCheckoutUpdate": ("checkout", "merchant", "customer"),
    "application": ("application",),
    "reviewApplication": ("application",),
    "acceptOffer": ("application", "offer"),
    "plan": ("plan",),
    "payInstalment": ("plan",),
    "payOffPlan": ("plan",),
    "revokeBankConsent": ("consent",),
    "confirmVerification": ("challenge",),
    "createCheckout": ("merchant",),
    "createWebhookEndpoint": ("merchant",),
    "webhookEndpoints": ("merchant",),
    "rotateWebhookSecret": ("endpoint",),
    "disableWebhookEndpoint": ("endpoint",),
    "enableWebhookEndpoint": ("endpoint",),
    "sendTestWebhook": ("endpoint",),
    "webhookDeliveries": ("endpoint",),
    "replayWebhookEvent": ("event", "endpoint"),
}
INTEGERS = (0, 1, 2, 3, 4, 6, 12, 99, 100, 101, 2_500, 10_000, 10_000_000, 10_000_001, -1)


@dataclass(frozen=True)
class Case:
    """One generated document: the root field it calls and its text."""

    field: str
    query: str


@dataclass
class Faults:
    """Faults and cases of one persona, by operation (root field)."""

    persona: str
    cases: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    found: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, operation: str, problem: str, case: Case, answer: str) -> None:
        # One example per (operation, problem): the rest are the same fault again.
        seen = self.found[operation]
        if not any(entry.startswith(problem) for entry in seen):
            shown = answer[:800].replace("\n", "\n        ")
            seen.append(f"{problem}\n      query: {case.query!r}\n      answer: {shown}")

    def summary(self) -> str:
        """The cases sent and how they were answered, most common first."""
        answers = ", ".join(f"{kind} {n}" for kind, n in self.outcomes.most_common())
        return f"{self.persona}: {self.cases.total()} cases ({answers})"

    def report(self) -> str:
        lines = [f"{self.persona}: {self.cases.total()} cases, faults in {len(self.found)} ops"]
        for operation, problems in sorted(self.found.items()):
            lines += [f"  ({self.persona}, {operation}):"] + [f"    - {p}" for p in problems]
        return "\n".join(lines)


class LogTail:
    """What the stack logs from one point on."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._offset = 0

    def skip(self) -> None:
        """Forget everything logged so far."""
        self._offset = self._path.stat().st_size

    def read(self) -> str:
        """What was logged since `skip`."""
        with self._path.open("rb") as log:
            log.seek(self._offset)
            return log.read().decode(errors="replace")


def api_schema() -> graphql.GraphQLSchema:
    """The schema the emulator serves: schema.graphql with AppSync's scalars and directives."""
    return build_executable_schema(SCHEMA_PATH.read_text(encoding="utf-8"))


def _string_node(values: st.SearchStrategy[str]) -> st.SearchStrategy[graphql.ValueNode]:
    return values.map(nodes.String)


def _text(max_size: int = 40) -> st.SearchStrategy[str]:
    return st.text(max_size=max_size)


def scalar_strategies(
    ids: st.SearchStrategy[str], urls: Iterable[str]
) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    """Value strategies for ID (`ids`), String, Int and every AWS scalar: mostly known values."""
    dates = st.dates(min_value=date(1890, 1, 1), max_value=date(2100, 12, 31))
    moments = st.datetimes(
        min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    )
    return {
        "ID": _string_node(ids),
        # Fresh uuids as well: a key used before for another request is IdempotencyKeyReused.
        "String": _string_node(
            st.one_of(*[st.sampled_from(KNOWN_STRINGS)] * 2, st.uuids().map(str), _text())
        ),
        "Int": st.one_of(
            *[st.sampled_from(INTEGERS)] * 3, st.integers(min_value=-(2**31), max_value=2**31 - 1)
        ).map(nodes.Int),
        "AWSDate": _string_node(
            st.sampled_from(("1988-04-12", "2008-02-29", "0001-01-01", "9999-12-31", "2100-12-31"))
            | dates.map(date.isoformat)
        ),
        "AWSDateTime": _string_node(
            st.sampled_from(EXTREME_MOMENTS) | moments.map(lambda moment: moment.isoformat())
        ),
        "AWSTime": _string_node(st.sampled_from(("12:30:00", "23:59:59.999Z", "00:00"))),
        "AWSTimestamp": st.integers(min_value=0, max_value=4_102_444_800).map(nodes.Int),
        "AWSEmail": _string_node(st.sampled_from(("a@example.test", "approve@sandbox.bnpl.test"))),
        "AWSPhone": _string_node(
            st.sampled_from(("+447700900001", "+447700900123", "+12025550123", "+999"))
            | st.from_regex(r"\+[1-9][0-9]{6,14}", fullmatch=True)
        ),
        "AWSURL": _string_node(st.sampled_from(sorted(set(urls)))),
        "AWSJSON": _string_node(st.sampled_from(("{}", "[]", '{"a": 1}', "null", '"x"'))),
        "AWSIPAddress": _string_node(st.sampled_from(("127.0.0.1", "::1", "203.0.113.7"))),
    }


@dataclass(frozen=True)
class Run:
    """Documents for one root field, and how many of them to send."""

    field: str
    strategy: st.SearchStrategy[Case]
    max_examples: int


def _takes_id(type_: graphql.GraphQLInputType, seen: frozenset[str] = frozenset()) -> bool:
    named = graphql.get_named_type(type_)
    if isinstance(named, graphql.GraphQLScalarType):
        return named.name == "ID"
    if isinstance(named, graphql.GraphQLInputObjectType) and named.name not in seen:
        return any(_takes_id(f.type, seen | {named.name}) for f in named.fields.values())
    return False


def auth_modes(root_field: graphql.GraphQLField) -> frozenset[str]:
    """The auth directives that admit callers to a root field; none names the default mode."""
    node = root_field.ast_node
    names = {d.name.value for d in ((node.directives or ()) if node else ())}
    return frozenset(names & {"aws_iam", "aws_cognito_user_pools"} or {"aws_cognito_user_pools"})


def runs(
    schema: graphql.GraphQLSchema,
    ids: Mapping[str, Sequence[str]],
    urls: Iterable[str],
    *,
    mode: str | None,
    explore: int,
    refused: int,
) -> list[Run]:
    """For every query and mutation, documents whose ids are mostly of the kinds the field takes
    (`ID_KINDS`), else of any kind (other people's too), an edge case or text: `explore` of them
    where the caller's auth `mode` is admitted, `refused` where it is not (the emulator refuses
    those before any resolver runs). And where it is admitted and the field takes ids, one
    document for each of `HOSTILE_IDS` in every id argument, so that each of them reaches each
    operation whatever the draw."""
    every = st.sampled_from(sorted({value for values in ids.values() for value in values}))
    edges = st.sampled_from(EDGE_IDS)
    found = []
    for root in (schema.query_type, schema.mutation_type):
        for name, root_field in sorted((root.fields if root else {}).items()):
            relevant = sorted({v for kind in ID_KINDS.get(name, ()) for v in ids.get(kind, ())})
            known = st.sampled_from(relevant) | every if relevant else every
            mixed = st.one_of(known, known, edges, _text())
            admitted = mode in auth_modes(root_field)
            documents = _documents(schema, name, scalar_strategies(mixed, urls))
            found.append(Run(name, documents, explore if admitted else refused))
            if admitted and any(_takes_id(arg.type) for arg in root_field.args.values()):
                found += [
                    Run(name, _documents(schema, name, scalar_strategies(st.just(i), urls)), 1)
                    for i in HOSTILE_IDS
                ]
    return found


def _documents(
    schema: graphql.GraphQLSchema,
    name: str,
    scalars: dict[str, st.SearchStrategy[graphql.ValueNode]],
) -> st.SearchStrategy[Case]:
    return from_schema(schema, fields=[name], custom_scalars=scalars).map(
        lambda query: Case(name, query)
    )


def _error_problems(error: Any, operation: str) -> Iterable[tuple[str, str]]:
    if not isinstance(error, dict):
        yield operation, "an error entry that is not an object"
        return
    path = error.get("path")
    where = str(path[0]) if isinstance(path, list) and path else operation
    kind = error.get("errorType")
    message = str(error.get("message", ""))
    if PYTHON_TEXT.search(message):
        yield where, f"Python text in the message ({kind})"
    if kind == "DependencyFailure":
        yield where, "DependencyFailure with every dependency healthy"
    elif kind is None:
        if path is not None:
            yield where, "a field error without errorType"
    elif kind not in ALLOWED_ERROR_TYPES:
        yield where, f"errorType {kind} is not in the contract"


def check(response: httpx.Response, case: Case, new_log: str, faults: Faults) -> None:
    """Record every fault of one answer (and of what the stack logged meanwhile)."""
    text = response.text
    faults.cases[case.field] += 1
    if "Traceback" in new_log:
        faults.add(case.field, "a traceback in the stack's log", case, new_log[-1500:])
    if response.status_code >= 500:
        faults.add(case.field, f"HTTP {response.status_code}", case, text)
        return
    try:
        body = json.loads(text)
    except ValueError:
        faults.add(case.field, f"a body that is not JSON (HTTP {response.status_code})", case, text)
        return
    errors = body.get("errors") if isinstance(body, dict) else None
    kinds = {str(e.get("errorType")) for e in errors or [] if isinstance(e, dict)}
    faults.outcomes[",".join(sorted(kinds)) or "data"] += 1
    for operation, problem in _error_problems_all(errors, case.field):
        faults.add(operation, problem, case, text)


def _error_problems_all(errors: Any, operation: str) -> Iterable[tuple[str, str]]:
    if errors is None:
        return
    if not isinstance(errors, list):
        yield operation, "errors that are not a list"
        return
    for error in errors:
        yield from _error_problems(error, operation)
