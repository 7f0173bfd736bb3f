"""One request followed through the whole local stack (`bnpl dev`) by its id.

A shopper applies for credit and accepts the offer through the emulator. Each answer carries
AppSync's `x-amzn-RequestId`; that id is in the log lines of every process the request crossed
(the emulator, the credit proxy's Lambda, the credit service, the user service, the scoring
endpoint), and `bnpl trace <id>` prints each hop with its duration. What the request caused
(the checkout update the credit service publishes through the API) shares its X-Ray trace.
Nothing in the logs is a token, a card token, a card number or a verification code.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bnpl.commands import trace
from bnpl.devstack import RunningStack, running_stack
from bnpl.graphql_client import GraphQLClient
from tests.e2e.test_decisions import new_checkout
from tests.e2e.test_plans_flow import (
    ACCEPT,
    APPLY,
    checkout_updates,
    next_status,
    persona_token,
)

pytestmark = pytest.mark.e2e

REQUEST_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with running_stack(tmp_path_factory.mktemp("trace")) as running:
        yield running


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def flow(stack: RunningStack, http: httpx.Client) -> dict[str, str]:
    """applyForCredit then acceptOffer as the `approve` persona: each answer's request id."""
    token = persona_token(stack, "approve")
    shopper = GraphQLClient(stack.settings.graphql_url, token=token, http=http)
    checkout = new_checkout(stack, http)
    applied = shopper.post(
        APPLY, {"input": {"checkoutId": checkout, "idempotencyKey": str(uuid.uuid4())}}
    )
    application = applied.json()["data"]["applyForCredit"]
    assert application["decision"]["outcome"] == "APPROVED", applied.json()
    [offer] = [o["id"] for o in application["offers"] if o["product"] == "PAY_IN_4"]
    accepted = shopper.post(
        ACCEPT,
        {
            "input": {
                "applicationId": application["id"],
                "offerId": offer,
                "paymentMethodToken": "tok_visa",
                "idempotencyKey": str(uuid.uuid4()),
            }
        },
    )
    assert "errors" not in accepted.json(), accepted.json()
    settled(stack)
    return {
        "apply": applied.headers["x-amzn-RequestId"],
        "accept": accepted.headers["x-amzn-RequestId"],
        "token": token,
    }


def settled(stack: RunningStack, *, quiet_s: float = 0.5, within_s: float = 15) -> None:
    """Wait until the stack's log files stop growing: each process writes its lines in batches,
    and what a request causes (a published update) may end after its answer."""
    deadline = time.monotonic() + within_s
    size, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        now = sum(path.stat().st_size for path in trace.log_files(stack.settings.log_dir))
        if now != size:
            size, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet_s:
            return
        time.sleep(0.05)


def records(stack: RunningStack) -> list[tuple[str, dict[str, Any]]]:
    return list(trace.read(trace.log_files(stack.settings.log_dir)))


def services_of(stack: RunningStack, request_id: str, *, within_s: float = 10) -> set[str]:
    """The services whose log lines name the request, once the last of them is written."""
    deadline = time.monotonic() + within_s
    while True:
        named = {r["service"] for _, r in records(stack) if r.get("request_id") == request_id}
        if "appsync" in named or time.monotonic() > deadline:
            return named
        time.sleep(0.2)


def test_each_answer_carries_a_request_id_as_appsync_does(flow):
    assert REQUEST_ID.match(flow["apply"])
    assert REQUEST_ID.match(flow["accept"])
    assert flow["apply"] != flow["accept"]


def test_the_request_id_is_in_the_logs_of_every_service_it_crossed(stack, flow):
    assert services_of(stack, flow["apply"]) >= {
        "appsync",
        "credit-proxy",
        "credit",
        "user",
        "scoring",
    }
    assert services_of(stack, flow["accept"]) >= {"appsync", "credit-proxy", "credit"}
    accepted = [r for _, r in records(stack) if r.get("request_id") == flow["accept"]]
    assert any(r.get("hop") == "card-network" for r in accepted)
    # Every line of one request shares one trace, and names who asked: the scoring endpoint
    # alone is called by a service (the credit service's role), not by a person.
    applied = [r for _, r in records(stack) if r.get("request_id") == flow["apply"]]
    assert len({r["trace_id"] for r in applied}) == 1
    assert {r.get("sub") for r in applied if r["service"] != "scoring"} == {"sandbox-approve"}


def caused_by(stack: RunningStack, request_id: str, *, within_s: float = 10) -> list[Any]:
    """The lines of other requests in the request's trace, once the API's own line among them
    is written (the update is published after the answer, and lines are written in batches)."""
    [root] = {r["trace_id"] for _, r in records(stack) if r.get("request_id") == request_id}
    deadline = time.monotonic() + within_s
    while True:
        caused = [
            r
            for _, r in records(stack)
            if r.get("trace_id") == root and r.get("request_id") != request_id
        ]
        if any(r["service"] == "appsync" for r in caused) or time.monotonic() > deadline:
            return caused
        time.sleep(0.2)


def test_what_the_request_caused_shares_its_trace(stack, flow):
    caused = caused_by(stack, flow["accept"])
    # The credit service published the checkout's update through the API: a request of its own.
    assert any(r["service"] == "appsync" and r.get("hop") == "appsync" for r in caused), caused


def applied(stack: RunningStack, http: httpx.Client, token: str) -> tuple[str, str, str]:
    """A new checkout the shopper was approved on: (checkout, application, PAY_IN_4 offer)."""
    shopper = GraphQLClient(stack.settings.graphql_url, token=token, http=http)
    checkout = new_checkout(stack, http)
    body = shopper.execute(
        APPLY, {"input": {"checkoutId": checkout, "idempotencyKey": str(uuid.uuid4())}}
    )
    application = body["data"]["applyForCredit"]
    [offer] = [o["id"] for o in application["offers"] if o["product"] == "PAY_IN_4"]
    return checkout, application["id"], offer


@pytest.mark.anyio
async def test_a_real_time_update_is_published_in_the_trace_of_the_request_that_caused_it(
    stack, http
):
    token = persona_token(stack, "approve")
    checkout, application, offer = await asyncio.to_thread(applied, stack, http, token)
    shopper = GraphQLClient(stack.settings.graphql_url, token=token, http=http)
    accept = {
        "applicationId": application,
        "offerId": offer,
        "paymentMethodToken": "tok_visa",
        "idempotencyKey": str(uuid.uuid4()),
    }
    async with checkout_updates(stack, token, checkout) as updates:
        await asyncio.sleep(1.0)  # the subscription is started (gql shows no start_ack)
        answer = await asyncio.to_thread(shopper.post, ACCEPT, {"input": accept})
        heard = await next_status(updates)
    assert heard["status"] == "CONFIRMED"
    settled(stack)
    [root] = {
        r["trace_id"]
        for _, r in records(stack)
        if r.get("request_id") == answer.headers["x-amzn-RequestId"]
    }
    published = [
        r
        for _, r in records(stack)
        if r.get("trace_id") == root and "onCheckoutUpdated published to" in r["message"]
    ]
    assert len(published) == 1, published
    assert published[0]["service"] == "appsync"


def test_bnpl_trace_shows_every_hop_in_time_order_with_durations(stack, flow):
    shown = subprocess.run(
        [str(Path(sys.executable).parent / "bnpl"), "trace", flow["apply"]],
        env={**os.environ, "BNPL_DATA_DIR": str(stack.settings.data_dir)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = shown.splitlines()
    assert lines[0].startswith(f"request {flow['apply']}, trace 1-")
    hops = [line for line in lines[1:] if " ms  " in line]
    for service, message in [
        ("appsync", "POST /graphql 200"),
        ("credit-proxy", "Mutation.applyForCredit ok"),
        ("credit", "POST /applications 200"),
        ("user", "GET /customers/me 200"),
        ("scoring", "POST /endpoints/bnpl-credit-model/invocations 200"),
        ("credit", "decided APPROVED"),
    ]:
        assert any(f" {service} " in line and message in line for line in hops), (service, shown)
    # The decision's screening steps, beneath its line, in the order they ran.
    steps = [line.split("step ", 1)[1].split(" (")[0] for line in lines if "  step " in line]
    assert steps[0] == "ValidateCustomerInformation PASSED"
    assert steps[-1] == "FinalDecision PASSED"
    timed = [line for line in lines[1:] if "  step " not in line]
    offsets = [float(line.split("+", 1)[1].split(" ms", 1)[0]) for line in timed]
    assert offsets == sorted(offsets)
    # The emulator's hop began first and holds every other.
    assert " appsync " in lines[1]
    assert "POST /graphql" in lines[1]


def test_bnpl_trace_of_an_unknown_request_says_so(stack):
    unknown = str(uuid.uuid4())
    done = subprocess.run(
        [str(Path(sys.executable).parent / "bnpl"), "trace", unknown],
        env={**os.environ, "BNPL_DATA_DIR": str(stack.settings.data_dir)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert f"names request {unknown}" in done.stderr


def test_no_log_line_holds_a_token_card_data_or_a_code(stack, flow):
    text = "\n".join(
        path.read_text(encoding="utf-8") for path in trace.log_files(stack.settings.log_dir)
    )
    assert flow["token"] not in text
    assert flow["token"].split(".")[2] not in text  # nor its signature alone
    assert not re.search(r"eyJ[\w-]{10,}\.", text)  # nor any other JWT
    assert "tok_visa" not in text
    for line in text.splitlines():
        record = json.loads(line) if line.startswith("{") else {"text": line}
        record.pop("_aws", None)  # a metrics document's epoch-millisecond timestamp
        written = json.dumps(record)
        assert "authorization" not in written.lower(), line
        # A card number: 12-19 digits standing alone; an ARN's 12-digit account id is not one.
        without_arns = re.sub(r"arn:aws:[\w\-]*:[\w\-]*:\d{12}:", "arn:", written)
        assert not re.search(r"(?<![\w.\-])\d{12,19}(?![\w.\-])", without_arns), line
