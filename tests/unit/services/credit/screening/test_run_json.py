"""A run's state and step records survive JSON exactly: for every sandbox persona, at the start
of a run, after it, and carried from step to step as on Step Functions; and reading back refuses
a state that is not what was written (KeyError, ValueError), never returning a different one."""

from __future__ import annotations

import copy
import dataclasses
import itertools
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, strategies as st

from bnpl.personas import PERSONAS
from services.credit.adapters.scoring import ModelFactor, ModelScore
from services.credit.policy.decision import RuleHit
from services.credit.policy.rules import Action, Outcome, RuleCode
from services.credit.screening.checks.bureau import SandboxBureau
from services.credit.screening.checks.prior import (
    PriorApplication,
    PriorApplications,
    VelocityKey,
)
from services.credit.screening.retry import RetryPolicy
from services.credit.screening.run_json import (
    IN_PROCESS,
    prior_from_json,
    prior_to_json,
    screening_from_json,
    screening_to_json,
    step_result_from_json,
    step_result_to_json,
)
from services.credit.screening.runner import SHAPE, StepResult, Workflow, reject, run_step
from services.credit.screening.state import Screening, StepContext, StepStatus
from services.credit.screening.steps import STEPS
from services.scoring.model import TreeEnsemble
from services.scoring.predictions import predict
from services.shared.metrics import NO_METRICS
from services.shared.money import CURRENCIES, Money
from services.user.sandbox_bank.bank import statement
from tests.unit.services.credit.workflow.fakes import (
    NOW,
    POLICY,
    FakeScorer,
    Statements,
    customer,
    screening,
    sources,
)

MODEL = TreeEnsemble.load(Path(__file__).parents[5] / "models" / "credit-v1" / "model.json")
AMOUNT = 25_000  # minor units: every product is offered on it (tests/unit/.../test_personas.py)


class ModelScorer:
    """The real model, scored in process by the scoring server's evaluator."""

    def score(self, features):
        answer = predict(MODEL, {"instances": [dict(features)]})["predictions"][0]
        return ModelScore(
            probability_bad=answer["probability_bad"],
            points=answer["points"],
            model_version=answer["model_version"],
            factors=tuple(ModelFactor(**factor) for factor in answer["factors"]),
        )


@dataclass
class PersonaBank:
    """The sandbox bank's accounts of one persona, read under any consent."""

    sub: str

    def bank_data(self, *, authorization: str, consent_id: str) -> Statements:
        data = statement(self.sub, NOW.date())
        return Statements(
            transactions=[t.to_json(detail=True) for t in data.transactions],
            balances=[b.to_json() for b in data.balances],
        )


@dataclass(frozen=True)
class Case:
    persona: str
    with_bank_data: bool
    outcome: Outcome | None  # None: the run errors, undecided
    prior: bool = False  # earlier applications on file (velocity, open approvals)
    overrides: tuple[tuple[str, Any], ...] = ()

    @property
    def id(self) -> str:
        bank = "bank" if self.with_bank_data else "no-bank"
        extra = ["prior"] if self.prior else []
        return "-".join([self.persona, bank, *extra, *(name for name, _ in self.overrides)])


# Every field of the state filled: bank data, earlier applications, an approval with offers.
RICH = Case("approve", True, Outcome.APPROVED, prior=True)


# The personas and outcomes of test_personas.py, through the whole run; then state the personas
# alone do not reach: earlier applications, a decline by the model, a run a dependency stopped.
CASES = [
    Case("approve", False, Outcome.APPROVED),
    Case("approve", True, Outcome.APPROVED),
    Case("decline", False, Outcome.DECLINED),
    Case("decline", True, Outcome.DECLINED),
    Case("refer", False, Outcome.REFERRED),
    Case("refer", True, Outcome.APPROVED),
    Case("thin", False, Outcome.REFERRED),
    Case("thin", True, Outcome.REFERRED),
    Case("fraud", False, Outcome.DECLINED),
    Case("fraud", True, Outcome.DECLINED),
    RICH,
    Case("approve", False, Outcome.DECLINED, overrides=(("scorer", FakeScorer(0.95)),)),
    Case(
        "approve",
        False,
        None,
        overrides=(("bureau", SandboxBureau(today=NOW.date, outage=True)),),
    ),
]
IDS = [case.id for case in CASES]


def earlier_applications() -> PriorApplications:
    """An approval still open on another checkout, and applications from the same device."""
    approved = PriorApplication(
        id="app_0",
        created_at=NOW - timedelta(hours=3, microseconds=250),
        checkout_id="co_0",
        amount=Money(4_000, "GBP"),
        checkout_expires_at=NOW + timedelta(minutes=30),
        outcome="APPROVED",
    )
    other = PriorApplication(id="app_x", created_at=NOW - timedelta(hours=1))
    return PriorApplications(
        by_key={
            VelocityKey.CUSTOMER: (approved,),
            VelocityKey.DEVICE: (approved, other),
            VelocityKey.IP: (),
        }
    )


def start(case: Case) -> Screening:
    persona = PERSONAS[case.persona]
    profile = customer(
        case.persona,
        email=persona.email,
        phone=persona.phone,
        givenName=persona.given_name,
        familyName=persona.family_name,
        dateOfBirth=persona.date_of_birth,
        address={"line1": "1 High Street", "postcode": "EC1A 1BB", "country": "GB"},
    )
    return screening(
        case.persona,
        amount=AMOUNT,
        customer=profile,
        bank_consent_id="consent-1" if case.with_bank_data else None,
        device_id="device-1" if case.prior else None,
        prior=earlier_applications() if case.prior else PriorApplications(),
    )


def case_sources(case: Case):
    values = {"bank": PersonaBank(f"sandbox-{case.persona}"), "scorer": ModelScorer()}
    values.update(dict(case.overrides))
    return sources(**values)


def workflow(case: Case) -> Workflow:
    ticks = itertools.count(step=0.002)
    return Workflow(
        sources=case_sources(case),
        policy=POLICY,
        retry=RetryPolicy(attempts=1),
        sleep=lambda _: None,
        jitter=lambda: 1.0,
        timer=lambda: next(ticks),
    )


def through_json(value: Any) -> Any:
    """What another process reads: strict JSON text (no NaN), decoded."""
    return json.loads(json.dumps(value, allow_nan=False))


def assert_same(rebuilt: Any, original: Any, path: str = "") -> None:
    """Equal, and of the same types all the way down: `==` alone takes a StrEnum member for its
    bare value, and two datetimes at one instant in different offsets for each other."""
    assert type(rebuilt) is type(original), f"{path}: {type(rebuilt)} != {type(original)}"
    if dataclasses.is_dataclass(original):
        for f in dataclasses.fields(original):
            assert_same(getattr(rebuilt, f.name), getattr(original, f.name), f"{path}.{f.name}")
    elif isinstance(original, dict):
        assert set(rebuilt) == set(original), path
        for key in original:
            assert_same(rebuilt[key], original[key], f"{path}.{key}")
    elif isinstance(original, list | tuple):
        assert len(rebuilt) == len(original), path
        for index, (a, b) in enumerate(zip(rebuilt, original, strict=True)):
            assert_same(a, b, f"{path}[{index}]")
    elif isinstance(original, datetime):
        assert (rebuilt, rebuilt.utcoffset()) == (original, original.utcoffset()), path
    else:
        assert rebuilt == original, path


def assert_round_trips(s: Screening) -> None:
    rebuilt = screening_from_json(through_json(screening_to_json(s)))
    for f in dataclasses.fields(Screening):
        if f.name not in IN_PROCESS:
            assert_same(getattr(rebuilt, f.name), getattr(s, f.name), f.name)
    assert rebuilt.ahead == {}


@pytest.mark.parametrize("case", CASES, ids=IDS)
class TestRoundTrip:
    def test_at_the_start_of_a_run(self, case):
        assert_round_trips(start(case))

    def test_after_the_run(self, case):
        s = start(case)
        run = workflow(case).run(s)
        assert (run.outcome and run.outcome.outcome) == case.outcome
        assert s.ahead  # the run read ahead: not carried, and not compared
        assert_round_trips(s)

    def test_every_step_record(self, case):
        run = workflow(case).run(start(case))
        for step in run.steps:
            assert_same(step_result_from_json(through_json(step_result_to_json(step))), step)
            assert_same(StepResult.from_json(through_json(step.to_json())), step)


def filled_fields(value: Any, path: str = "") -> Iterator[tuple[str, bool]]:
    """Each field of `value` and those inside it, by path (items of a list share one), and
    whether it holds something: neither None nor empty."""
    if dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            if f.name not in IN_PROCESS:
                found = getattr(value, f.name)
                yield f"{path}.{f.name}", found is not None and found not in ((), [], {})
                yield from filled_fields(found, f"{path}.{f.name}")
    elif isinstance(value, list | tuple):
        for item in value:
            yield from filled_fields(item, path)
    elif isinstance(value, dict) and path.endswith(".by_key"):
        for item in value.values():
            yield from filled_fields(item, path)


def test_the_runs_fill_every_field_of_the_state():
    # Otherwise a round trip could pass on states that never held what it would lose.
    seen: dict[str, bool] = {}
    for case in CASES:
        s = start(case)
        workflow(case).run(s)
        for path, filled in filled_fields(s):
            seen[path] = seen.get(path, False) or filled
    assert [path for path, filled in seen.items() if not filled] == []
    assert len(seen) > 100
    assert {case.outcome for case in CASES} == {*Outcome, None}


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_run_carried_from_state_to_state_as_json_ends_as_the_in_process_run(case):
    # As on Step Functions: each state starts from the JSON the previous one wrote, in a fresh
    # process (fresh sources and context, nothing read ahead); a failed check goes to Reject.
    expected = start(case)
    run = Workflow(
        sources=case_sources(case),
        policy=POLICY,
        retry=RetryPolicy(attempts=1),
        timer=lambda: 0.0,
    ).run(expected)

    state: dict[str, Any] = {"screening": screening_to_json(start(case)), "steps": []}

    def resume() -> tuple[Screening, list[StepResult]]:
        carried = through_json(state)
        steps = [step_result_from_json(step) for step in carried["steps"]]
        return screening_from_json(carried["screening"]), steps

    def save(s: Screening, steps: list[StepResult]) -> None:
        state.update(
            screening=screening_to_json(s), steps=[step_result_to_json(step) for step in steps]
        )

    for stage in SHAPE.stages:
        for name in stage:
            s, steps = resume()
            ctx = StepContext(
                sources=case_sources(case),
                policy=POLICY,
                retry=RetryPolicy(attempts=1),
                sleep=lambda _: None,
                jitter=lambda: 1.0,
            )
            record, _ = run_step(name, STEPS[name], s, ctx, timer=lambda: 0.0, metrics=NO_METRICS)
            save(s, [*steps, record])
        statuses = {step["status"] for step in state["steps"]}
        if StepStatus.ERROR.value in statuses:
            break
        if StepStatus.FAILED.value in statuses:
            s, steps = resume()
            reject(steps, s, POLICY, timer=lambda: 0.0, state=SHAPE.reject)
            save(s, steps)
            break

    carried, steps = resume()
    assert_same(tuple(steps), run.steps)
    for f in dataclasses.fields(Screening):
        if f.name not in IN_PROCESS:
            assert_same(getattr(carried, f.name), getattr(expected, f.name), f.name)


# --- Reading back refuses anything but what was written ---------------------------------------

# Payloads the state carries whole: their insides are not the state's own records.
OPAQUE = {"customer", "checkout", "detail"}


def rich_state() -> dict[str, Any]:
    s = start(RICH)
    workflow(RICH).run(s)
    # An approval has no rule hits: one more, with a nested detail.
    s.hits.append(RuleHit(code=RuleCode.GAMBLING_SPEND, action=Action.REFER, detail={"x": [1]}))
    state: dict[str, Any] = through_json(screening_to_json(s))
    return state


# Where a value sits in a JSON document: its keys and list indices from the top.
JsonPath = tuple[Any, ...]


def records(node: Any, path: JsonPath = ()) -> Iterator[tuple[JsonPath, dict[str, Any]]]:
    """Every object of the state's own records, by its path."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            if key not in OPAQUE:
                yield from records(value, (*path, key))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from records(item, (*path, index))


def leaves(node: Any, path: JsonPath = ()) -> Iterator[tuple[JsonPath, Any]]:
    """Every scalar of the state's own records, by its path."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key not in OPAQUE:
                yield from leaves(value, (*path, key))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from leaves(item, (*path, index))
    else:
        yield path, node


def at(document: Any, path: JsonPath) -> Any:
    for step in path:
        document = document[step]
    return document


STATE = rich_state()


def test_the_rich_state_reads_back():
    assert screening_to_json(screening_from_json(STATE)) == STATE
    assert len(list(records(STATE))) > 40
    assert len(list(leaves(STATE))) > 150


@pytest.mark.parametrize(
    ("path", "key"),
    [(path, key) for path, record in records(STATE) for key in record],
    ids=lambda value: "/".join(map(str, value)) if isinstance(value, tuple) else str(value),
)
def test_a_missing_key_is_a_key_error(path, key):
    document = copy.deepcopy(STATE)
    del at(document, path)[key]
    with pytest.raises(KeyError):
        screening_from_json(document)


@pytest.mark.parametrize("path", [path for path, _ in records(STATE)], ids=str)
def test_an_unknown_key_is_a_value_error(path):
    document = copy.deepcopy(STATE)
    at(document, path)["unexpected"] = None
    with pytest.raises(ValueError, match="unknown key 'unexpected'"):
        screening_from_json(document)


def _other_type(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, bool | str):
        return 0
    return "0"


@pytest.mark.parametrize("path", [path for path, _ in leaves(STATE)], ids=str)
def test_a_value_of_another_type_is_a_value_error(path):
    document = copy.deepcopy(STATE)
    at(document, path[:-1])[path[-1]] = _other_type(at(document, path))
    with pytest.raises(ValueError):  # noqa: PT011 - each field words its own message
        screening_from_json(document)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("hits", 0, "code"), "NOT_A_RULE", "is not a RuleCode"),
        (("amount", "currency"), "XXX", "unsupported currency"),
        (("amount", "amount"), 1.5, "must be int"),
        (("now",), "yesterday", "is not ISO 8601"),
        (("bureau", "homeStatus"), "CASTLE", "is not a HomeStatus"),
        (("outcome", "affordability", "instalmentToDisposableIncome"), math.nan, "finite"),
        (("prior", 1, "key"), "CUSTOMER", "CUSTOMER is given twice"),
        (("prior",), {}, "must be a list"),
        (("customer",), [], "must be a JSON object"),
    ],
)
def test_an_invalid_value_is_a_value_error(path, value, message):
    document = copy.deepcopy(STATE)
    at(document, path[:-1])[path[-1]] = value
    with pytest.raises(ValueError, match=message):
        screening_from_json(document)


def test_an_error_names_where_it_was_found():
    document = copy.deepcopy(STATE)
    document["offers"][1]["schedule"][2]["amount"]["currency"] = 5
    with pytest.raises(ValueError, match=r"Money\.currency") as raised:
        screening_from_json(document)
    assert raised.value.__notes__ == [
        "in ScheduledPayment.amount",
        "in Offer.schedule[2]",
        "in Screening.offers[1]",
    ]


@pytest.mark.parametrize(
    "detail",
    [
        {"window": (1, 2)},  # a tuple would come back a list
        {"on": date(2026, 11, 30)},
        {"code": RuleCode.GAMBLING_SPEND},  # an enum would come back its bare value
        {"share": math.inf},
        {1: "a non-string key"},
        {"nested": [{"at": NOW}]},
    ],
    ids=["tuple", "date", "enum", "infinity", "int-key", "nested-datetime"],
)
def test_writing_refuses_what_json_would_not_give_back(detail):
    s = screening()
    s.hits.append(RuleHit(code=RuleCode.GAMBLING_SPEND, action=Action.REFER, detail=detail))
    refused = r"is not (plain JSON|a string|a JSON number)"
    with pytest.raises(ValueError, match=refused):
        screening_to_json(s)
    step = StepResult(name="FraudDetection", status=StepStatus.PASSED, duration_ms=1, detail=detail)
    with pytest.raises(ValueError, match=refused):
        step_result_to_json(step)


# --- Properties --------------------------------------------------------------------------------

money = st.builds(Money, st.integers(), st.sampled_from(sorted(CURRENCIES)))
offsets = st.builds(
    timezone,
    st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59).map(
        lambda minutes: timedelta(minutes=minutes)
    ),
)
moments = st.datetimes(timezones=st.one_of(st.none(), st.just(UTC), offsets))
text = st.text(max_size=12)
prior_application = st.builds(
    PriorApplication,
    id=text,
    created_at=moments,
    checkout_id=st.none() | text,
    amount=st.none() | money,
    checkout_expires_at=st.none() | moments,
    outcome=st.none() | st.sampled_from([o.value for o in Outcome]),
)
priors = st.builds(
    PriorApplications,
    by_key=st.dictionaries(
        st.sampled_from(VelocityKey), st.lists(prior_application, max_size=3).map(tuple)
    ),
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=10,
)
rule_hits = st.builds(
    RuleHit,
    code=st.sampled_from(RuleCode),
    action=st.sampled_from(Action),
    detail=st.dictionaries(text, json_values, max_size=4),
)


@given(money)
def test_money_round_trips(value):
    assert_same(Money.from_json(through_json(value.to_json())), value)


@given(priors)
def test_prior_applications_round_trip(value):
    assert_same(prior_from_json(through_json(prior_to_json(value))), value)


@given(rule_hits)
def test_rule_hits_round_trip(value):
    assert_same(RuleHit.from_json(through_json(value.to_json())), value)


@given(st.lists(rule_hits, max_size=3), priors)
def test_a_screening_with_any_hits_and_prior_applications_round_trips(hits, prior):
    assert_round_trips(screening(prior=prior, hits=hits))


def test_the_comparison_can_fail():
    # A StrEnum equals its value, so `==` alone would pass a rebuilt state that lost the enum.
    hit = RuleHit(code=RuleCode.GAMBLING_SPEND, action=Action.REFER)
    lost = dataclasses.replace(hit, code="GAMBLING_SPEND")  # type: ignore[arg-type]
    assert lost == hit
    with pytest.raises(AssertionError):
        assert_same(lost, hit)
