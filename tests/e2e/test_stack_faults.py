"""Faults injected into the real processes of the whole local stack (`bnpl dev`) while shoppers
apply for credit through the emulator, the credit proxy and the services, over real HTTP.

- DynamoDB Local frozen (SIGSTOP) past every client's patience, then thawed (SIGCONT);
- DynamoDB Local killed (SIGKILL); `bnpl dev` starts it again on its data folder;
- the user service frozen (no profile, no bank data), and killed (`bnpl dev` starts it again);
- the scoring endpoint frozen, so it answers slower than the credit service waits;
- a credit service worker killed (SIGKILL) while a decision's run is under way; its parent starts
  another, as ECS replaces a task.

In every case a caller hears either a decision or a `DependencyFailure` whose message says to
retry (never an internal error, a 5xx or a stack trace); every application left PENDING is
decided by a retry with its idempotency key; the stored data agree afterwards (each application
decided once, its checkout entry, its place in its shopper's record of recent applications and
its webhook events in an unbroken sequence); and the stack serves again, nothing restarted by
hand. The stack keeps its data on disk, as `bnpl dev` does by default, so a killed DynamoDB
Local comes back with it. Money moving under a crash between charge and write is proved by
`tests/functional/services/test_payment_faults.py`.
"""

from __future__ import annotations

import json
import os
import re
import signal
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import boto3
import httpx
import pytest

from bench.processes import stack_processes
from bnpl.devstack import RunningStack, running_stack
from bnpl.graphql_client import GraphQLClient
from bnpl.idp.tokens import mint_token
from bnpl.personas import PERSONAS, Persona
from services.credit.applications.recent import subject
from services.credit.screening.checks.prior import VelocityKey
from services.shared.settings import Settings
from tests.e2e.customers import new_customer
from tests.e2e.test_decisions import APPLY, new_checkout

pytestmark = pytest.mark.e2e

# Longer than every client waits for DynamoDB (pynamodb's read timeout and retries), so calls
# made during the freeze fail rather than merely slow down.
FROZEN_S = 12.0
# How long a run whose process died holds its application (`applications.service.LEASE`).
LEASE_S = 60.0
SHOPPERS = ("approve", "refer", "thin", "decline")
RETRY_HINT = re.compile(r"\bretry\b|\btry again\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with (
        running_stack(tmp_path_factory.mktemp("faults"), in_memory=False) as running,
        pytest.MonkeyPatch.context() as env,
    ):
        # DynamoDB Local takes any keys; the tests seed customers and read tables directly.
        env.setenv("AWS_ACCESS_KEY_ID", "local")
        env.setenv("AWS_SECRET_ACCESS_KEY", "local")
        yield running


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=90) as client:
        yield client


def processes(stack: RunningStack, name: str) -> list[int]:
    """The pids of one of the stack's services (a service's workers, not their parent)."""
    found = [pid for pid, named in stack_processes(stack.process.pid).items() if named == name]
    if name == "credit":  # the uvicorn parent forwards; its workers decide
        parents = {pid for pid in found if any(_parent(other) == pid for other in found)}
        found = [pid for pid in found if pid not in parents]
    assert found, f"no {name} process in the stack"
    return found


def _parent(pid: int) -> int:
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[1])


@contextmanager
def frozen(pids: list[int]) -> Iterator[None]:
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)


class Shopper:
    """A customer applying on a checkout of their own with one idempotency key."""

    def __init__(self, stack: RunningStack, http: httpx.Client, who: Persona) -> None:
        token = mint_token(stack.settings, sub=who.sub, email=who.email, groups=who.groups)
        self.who = who
        self.sub = who.sub
        self.client = GraphQLClient(stack.settings.graphql_url, token=token, http=http)
        self.checkout = new_checkout(stack, http)
        self.key = str(uuid.uuid4())

    def apply(self) -> dict[str, Any]:
        payload = {"checkoutId": self.checkout, "idempotencyKey": self.key}
        return self.client.execute(APPLY, {"input": payload})

    def again(self, stack: RunningStack, http: httpx.Client) -> Shopper:
        """The same customer, on a new checkout with a new key."""
        return Shopper(stack, http, self.who)


def scored_shopper(stack: RunningStack, http: httpx.Client) -> Shopper:
    """A new verified customer whose decisions reach the model (their bureau file, derived from
    their id, declines nobody outright): one decision shows it. The sandbox personas would run
    out of open approvals (three at a time) over a module's tests."""
    for _ in range(20):
        who = new_customer(stack, "faults")
        probe = Shopper(stack, http, who)
        steps = probe.apply()["data"]["applyForCredit"]["decision"]["steps"]
        if steps[-1]["name"] == "FinalDecision":
            return probe.again(stack, http)
    raise AssertionError("no derived bureau file reached the model in 20 customers")


def outcome(body: dict[str, Any]) -> str:
    """DECIDED, or the one error's type after checking it is a clear, retryable one."""
    if body.get("data") and body["data"].get("applyForCredit"):
        assert "errors" not in body, body
        return str(body["data"]["applyForCredit"]["status"])
    [error] = body["errors"]
    assert error["errorType"] == "DependencyFailure", error
    assert RETRY_HINT.search(error["message"]), error
    assert "Traceback" not in json.dumps(body)
    return "DependencyFailure"


def apply_all(shoppers: list[Shopper]) -> list[str]:
    with ThreadPoolExecutor(len(shoppers)) as pool:
        return [outcome(body) for body in pool.map(Shopper.apply, shoppers)]


def retried_until_decided(shoppers: list[Shopper], *, within_s: float) -> None:
    """Every shopper's application decided by retries with its own key."""
    deadline = time.monotonic() + within_s
    pending = list(shoppers)
    while pending:
        assert time.monotonic() < deadline, [s.apply() for s in pending]
        answers = [s.apply() for s in pending]
        pending = [s for s, body in zip(pending, answers, strict=True) if _undecided(body)]
        if pending:
            time.sleep(1.0)


def _undecided(body: dict[str, Any]) -> bool:
    if body.get("data") and body["data"].get("applyForCredit"):
        return bool(body["data"]["applyForCredit"]["status"] != "DECIDED")
    [error] = body["errors"]
    # A retry while the dead run's lease still holds is told the application is being decided.
    assert error["errorType"] in {"DependencyFailure", "Conflict"}, error
    return True


def items(stack: RunningStack, short_name: str) -> list[dict[str, Any]]:
    settings = Settings.from_environ(stack.environ)
    client = boto3.client(
        "dynamodb",
        endpoint_url=settings.dynamodb_endpoint,
        region_name=settings.region,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    pages = client.get_paginator("scan").paginate(TableName=settings.table_name(short_name))
    return [item for page in pages for item in page["Items"]]


def assert_consistent(stack: RunningStack, shoppers: list[Shopper]) -> None:
    """Each shopper's checkout holds one application, DECIDED, which is their entry on it, is in
    their record of recent applications once with its outcome, and whose checkout's webhook
    events are numbered without a gap."""
    mine = {s.checkout: s for s in shoppers}
    applications = [a for a in items(stack, "applications") if a["checkout_id"]["S"] in mine]
    assert Counter(a["checkout_id"]["S"] for a in applications) == Counter(list(mine))
    records = {r["subject"]["S"]: r for r in items(stack, "recent_applications")}
    checkouts = {c["id"]["S"]: c for c in items(stack, "checkouts") if c["id"]["S"] in mine}
    events = [e for e in items(stack, "webhook_events") if e["stream"]["S"] in mine]
    for application in applications:
        shopper = mine[application["checkout_id"]["S"]]
        assert application["status"]["S"] == "DECIDED", application
        result = application["outcome"]["S"]
        [entry] = checkouts[shopper.checkout]["applicants"]["M"].values()
        assert entry["M"]["applicationId"]["S"] == application["id"]["S"]
        assert entry["M"]["outcome"]["S"] == result
        record = records[subject(VelocityKey.CUSTOMER, shopper.sub)]
        held = record["applications"]["M"][application["id"]["S"]]["M"]
        assert held["outcome"]["S"] == result
    for checkout in mine:
        numbers = sorted(int(e["sequence"]["N"]) for e in events if e["stream"]["S"] == checkout)
        assert numbers == list(range(1, len(numbers) + 1)), (checkout, numbers)


def serves_again(stack: RunningStack, http: httpx.Client) -> None:
    assert outcome(scored_shopper(stack, http).apply()) == "DECIDED"


def test_dynamodb_local_frozen_under_load_then_thawed(stack, http):
    shoppers = [Shopper(stack, http, PERSONAS[SHOPPERS[i % len(SHOPPERS)]]) for i in range(6)]
    [store] = processes(stack, "dynamodb")
    with ThreadPoolExecutor(1) as pool:
        answers = pool.submit(apply_all, shoppers)
        time.sleep(0.3)  # the requests are in flight
        with frozen([store]):
            time.sleep(FROZEN_S)
        seen = answers.result()
    assert set(seen) <= {"DECIDED", "DependencyFailure"}
    retried_until_decided(shoppers, within_s=60)
    assert_consistent(stack, shoppers)
    serves_again(stack, http)


def test_dynamodb_local_killed_under_load_is_started_again_with_its_data(stack, http):
    earlier = scored_shopper(stack, http)
    assert outcome(earlier.apply()) == "DECIDED"
    shoppers = [Shopper(stack, http, PERSONAS[SHOPPERS[i % len(SHOPPERS)]]) for i in range(6)]
    [store] = processes(stack, "dynamodb")
    before = len(stack.log())
    with ThreadPoolExecutor(1) as pool:
        answers = pool.submit(apply_all, shoppers)
        time.sleep(0.3)  # the requests are in flight
        os.killpg(store, signal.SIGKILL)  # Java and anything it started
        seen = answers.result()
    assert set(seen) <= {"DECIDED", "DependencyFailure"}
    wait_for_log(stack, "dynamodb | ready again after ")
    retried_until_decided(shoppers, within_s=60)
    # Only DynamoDB Local was started again: every other part rode out its absence.
    since = stack.log()[before:].splitlines()
    restarted = [line for line in since if "starting it again" in line]
    assert all(line.startswith("dynamodb |") for line in restarted), restarted
    # What was decided before the kill is still there, beside what was decided after it.
    assert_consistent(stack, [earlier, *shoppers])
    assert processes(stack, "dynamodb") != [store]
    serves_again(stack, http)


def test_the_user_service_killed_under_load_is_started_again_and_retries_decide(stack, http):
    shoppers = [scored_shopper(stack, http) for _ in range(3)]
    [user] = processes(stack, "user")
    with ThreadPoolExecutor(1) as pool:
        answers = pool.submit(apply_all, shoppers)
        time.sleep(0.3)
        os.killpg(user, signal.SIGKILL)
        seen = answers.result()
    assert set(seen) <= {"DECIDED", "DependencyFailure"}
    wait_for_log(stack, "user     | ready again after ")
    retried_until_decided(shoppers, within_s=30)
    assert_consistent(stack, shoppers)
    assert processes(stack, "user") != [user]


def wait_for_log(stack: RunningStack, line: str, *, within_s: float = 60) -> None:
    deadline = time.monotonic() + within_s
    while line not in stack.log():
        assert time.monotonic() < deadline, stack.log()[-3000:]
        time.sleep(0.2)


def test_the_user_service_frozen_answers_dependency_failure_and_a_retry_decides(stack, http):
    shoppers = [scored_shopper(stack, http) for _ in range(3)]
    with frozen(processes(stack, "user")):
        assert apply_all(shoppers) == ["DependencyFailure"] * len(shoppers)
    retried_until_decided(shoppers, within_s=30)
    assert_consistent(stack, shoppers)


def test_the_scoring_endpoint_slower_than_its_timeout_leaves_pending_then_decides(stack, http):
    shoppers = [scored_shopper(stack, http) for _ in range(3)]
    with frozen(processes(stack, "scoring")):
        assert apply_all(shoppers) == ["DependencyFailure"] * len(shoppers)
        # Each run ends at FinalDecision, its retries spent: PENDING with the steps so far.
        ended = _runs_ended(stack, shoppers)
    for application in ended:
        steps = json.loads(application["steps"]["S"])
        assert (steps[-1]["name"], steps[-1]["status"]) == ("FinalDecision", "ERROR")
    retried_until_decided(shoppers, within_s=30)
    assert_consistent(stack, shoppers)


def test_a_credit_worker_killed_mid_run_is_replaced_and_the_retry_decides(stack, http):
    shopper = scored_shopper(stack, http)
    workers = processes(stack, "credit")
    scoring = processes(stack, "scoring")
    with ThreadPoolExecutor(1) as pool:
        with frozen(scoring):  # the run waits for its score: mid-run, its lease held
            answer = pool.submit(shopper.apply)
            _wait_for_pending(stack, shopper)
            for worker in workers:
                os.kill(worker, signal.SIGKILL)
        assert outcome(answer.result()) == "DependencyFailure"
    [application] = [
        a for a in items(stack, "applications") if a["checkout_id"]["S"] == shopper.checkout
    ]
    assert application["status"]["S"] == "PENDING"
    # Once the dead run's lease lapses, a retry with the same key runs it again and decides.
    retried_until_decided([shopper], within_s=LEASE_S + 30)
    assert_consistent(stack, [shopper])
    replaced = processes(stack, "credit")
    assert not set(replaced) & set(workers)
    serves_again(stack, http)


def _runs_ended(stack: RunningStack, shoppers: list[Shopper]) -> list[dict[str, Any]]:
    """The shoppers' applications once no run holds any of them (each still PENDING)."""
    mine = {s.checkout for s in shoppers}
    deadline = time.monotonic() + 30
    while True:
        stored = [a for a in items(stack, "applications") if a["checkout_id"]["S"] in mine]
        assert all(a["status"]["S"] == "PENDING" for a in stored), stored
        if len(stored) == len(mine) and not any("lease_owner" in a for a in stored):
            return stored
        assert time.monotonic() < deadline, stored
        time.sleep(0.2)


def _wait_for_pending(stack: RunningStack, shopper: Shopper) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if any(a["checkout_id"]["S"] == shopper.checkout for a in items(stack, "applications")):
            time.sleep(0.5)  # its run is under way, waiting for the score
            return
        time.sleep(0.1)
    raise AssertionError("the application was never written")
