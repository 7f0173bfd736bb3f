"""Schemathesis's engine over a service's ASGI app, as one caller, seeded and bounded.

Runs every phase the command line runs (examples, coverage, fuzzing, stateful) with every check,
and keeps what a test needs to assert on: the cases sent per operation and each failure with the
request that reproduces it.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema

SEED = 17

# Rules no JSON Schema can state, by operation: the field a 400 names when one of them refused a
# request the document allows, and why. A schema-valid request refused for any other field is
# still a failure, and so is any other status.
UNSTATEABLE: dict[str, tuple[re.Pattern[str], str]] = {
    "POST /customers": (re.compile("dateOfBirth"), "18 to 130 years before today"),
    "PATCH /customers/me": (re.compile("dateOfBirth"), "18 to 130 years before today"),
    "POST /customers/me/verifications": (
        re.compile("channel"),
        "SMS needs a phone number in the stored profile",
    ),
    "POST /customers/me/verifications/{challengeId}/confirm": (
        re.compile("code"),
        "only the code that was sent is right",
    ),
    "POST /customers/me/bank-consents": (
        re.compile("expiresAt"),
        "after now, and no further ahead than the bank allows",
    ),
    "GET /customers/me/bank-consents/{consentId}/data": (
        re.compile("fromBookingDateTime"),
        "before toBookingDateTime (or now)",
    ),
    "POST /checkouts": (
        re.compile(r"amount\.amount|items\[\d+\]\.unitPrice\.currency"),
        "the amount is the items' sum, in one currency",
    ),
    "GET /plans": (re.compile("nextToken"), "only a token an earlier page gave is valid"),
    "GET /webhook-endpoints/{endpoint_id}/deliveries": (
        re.compile("nextToken"),
        "only a token an earlier page gave is valid",
    ),
}


@dataclass
class FuzzRun:
    """What one run sent and what failed."""

    label: str
    cases: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # The answers' statuses, by operation: how far the cases got.
    statuses: defaultdict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    # Schema-valid requests refused by a rule of `UNSTATEABLE`, by operation.
    unstateable: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.cases.values())

    def summary(self) -> str:
        lines = [f"{self.label}: {self.total} cases in {self.seconds:.1f}s"]
        for label, count in sorted(self.cases.items()):
            answers = ", ".join(f"{s}x{n}" for s, n in sorted(self.statuses[label].items()))
            lines.append(f"  {count:5d}  {label}  ({answers})")
        lines += [
            f"  {count:5d}  refused by a rule no schema states: {label} ({UNSTATEABLE[label][1]})"
            for label, count in sorted(self.unstateable.items())
        ]
        return "\n".join(lines)

    def report(self) -> str:
        return "\n".join([self.summary(), *self.failures, *self.errors])


# What a persona's generated requests are steered towards: (operation, body or query) → the same,
# with values only stored data makes valid (the caller's merchant, a seeded checkout).
Steer = Callable[[str, dict[str, Any]], dict[str, Any]]


def fuzz(
    app: Any,
    *,
    label: str,
    headers: dict[str, str],
    max_examples: int,
    stateful_steps: int = 0,
    steer: Steer | None = None,
) -> FuzzRun:
    """Every phase with every check against `app`'s `/openapi.json`, as the caller `headers`
    names. `max_examples` bounds each operation in each phase; `steer` maps generated bodies
    and queries (the coverage phase's are the schema's own)."""
    config = SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "headers": headers,
            "generation": {
                "max-examples": max_examples,
                "deterministic": True,
                "database": "none",
            },
            "phases": {"stateful": {"max-steps": stateful_steps or max_examples}},
        }
    )
    # A deprecated operation is kept for callers that have not moved yet; it is not fuzzed.
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config).exclude(
        deprecated=True
    )
    if steer is not None:
        _install(schema, steer)
    run = FuzzRun(label)
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            _record(run, event.recorder)
        elif isinstance(event, events.NonFatalError):
            run.errors.append(f"error in {event.label}: {event.info.format()}")
        elif isinstance(event, events.FatalError):
            run.errors.append(f"fatal: {event.exception!r}")
        elif isinstance(event, events.EngineFinished):
            run.seconds = event.running_time
    return run


def _record(run: FuzzRun, recorder: Any) -> None:
    for case_id, node in recorder.cases.items():
        operation = node.value.operation.label
        run.cases[operation] += 1
        response = recorder.find_response(case_id=case_id)
        run.statuses[operation][response.status_code if response is not None else 0] += 1
    seen: set[tuple[str, str]] = set()
    for case_id, checks in recorder.checks.items():
        for check in checks:
            if check.status != Status.FAILURE or check.failure_info is None:
                continue
            failure = check.failure_info.failure
            operation = recorder.cases[case_id].value.operation.label
            response = recorder.find_response(case_id=case_id)
            if failure.code == "ST202" and _unstateable(operation, response):
                run.unstateable[operation] += 1
                continue
            key = (failure.code, failure.title)
            if key in seen:
                continue
            seen.add(key)
            answer = "no response"
            if response is not None:
                answer = f"{response.status_code} {response.content[:300]!r}"
            run.failures.append(
                f"{failure.code} {check.name} on {recorder.label}: {failure.title}\n"
                f"    {failure.message}\n    {check.failure_info.code_sample}\n    -> {answer}"
            )


def _unstateable(operation: str, response: Any) -> bool:
    """Whether `response` is a 400 naming the field of a rule of `operation` no schema states."""
    if operation not in UNSTATEABLE or response is None or response.status_code != 400:
        return False
    try:
        named = json.loads(response.content)["details"]["field"]
    except (ValueError, KeyError, TypeError):
        return False
    return isinstance(named, str) and UNSTATEABLE[operation][0].fullmatch(named) is not None


def _install(schema: Any, steer: Steer) -> None:
    def map_body(context: Any, body: Any) -> Any:
        if not isinstance(body, dict) or context.operation is None:
            return body
        return steer(context.operation.label, body)

    def map_query(context: Any, query: Any) -> Any:
        if not isinstance(query, dict) or context.operation is None:
            return query
        return steer(context.operation.label, query)

    schema.hook(map_body)
    schema.hook(map_query)
