"""Requests no honest client sends, against the whole local stack (`bnpl dev`) over real HTTP.

- One document of two thousand aliases is refused past the API's resolver count limit, at once
  and in AppSync's shape, logged once; the API answers everyone as before afterwards.
- A batched array of operations (which AppSync does not take) is refused whole, before anything
  in it runs.
- An `X-Forwarded-For` the caller wrote is not taken for the caller's address: the request's
  log line records the connection's address.
- A browser's CORS preflight is answered.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bnpl.devstack import RunningStack, running_stack
from bnpl.idp.tokens import mint_token
from services.shared.settings import Settings

pytestmark = pytest.mark.e2e

FORGED = "203.0.113.66"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with running_stack(tmp_path_factory.mktemp("hostile")) as running:
        yield running


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=60) as client:
        yield client


def token(stack: RunningStack) -> str:
    sub = f"hostile-{uuid.uuid4()}"
    return mint_token(stack.settings, sub=sub, email=f"{sub}@example.test", groups=("customers",))


def test_an_alias_flood_is_refused_past_the_limit_and_the_api_stays_up(
    stack: RunningStack, http: httpx.Client
):
    limit = Settings.from_environ(stack.settings.service_environ()).resolver_count_limit
    flood = "{ " + " ".join(f"a{i}: me {{ id }}" for i in range(2000)) + " }"
    caller = token(stack)
    response = http.post(
        stack.settings.graphql_url, json={"query": flood}, headers={"authorization": caller}
    )
    assert response.status_code == 200
    body = response.json()
    # The first `limit` resolvers ran (a new shopper has no profile yet: null, no error).
    assert [body["data"][f"a{i}"] for i in range(limit)] == [None] * limit
    refused = body["errors"]
    assert len(refused) == 2000 - limit
    assert {e["errorType"] for e in refused} == {"ResolverExecutionLimitReached"}
    assert (
        refused[0]["message"] == f"The request exceeds the maximum of {limit} resolver executions."
    )
    assert set(refused[0]) == {"path", "data", "errorType", "errorInfo", "locations", "message"}

    # Everyone is answered as before: no pool left exhausted, no event loop left behind.
    after = http.post(
        stack.settings.graphql_url,
        json={"query": "{ me { id } }"},
        headers={"authorization": token(stack)},
    )
    assert after.json() == {"data": {"me": None}}
    log = stack.log()
    refusals = re.findall(r"\d+ resolvers refused past the resolver count limit of \d+", log)
    assert refusals == [
        f"{2000 - limit} resolvers refused past the resolver count limit of {limit}"
    ]
    assert "Traceback" not in log


def test_a_batched_array_of_operations_is_refused_whole_and_runs_nothing(
    stack: RunningStack, http: httpx.Client
):
    caller = token(stack)
    profile = {"givenName": "Batch", "familyName": "Ed", "dateOfBirth": "1990-01-01"}
    register = {
        "query": "mutation($input: RegisterCustomerInput!) "
        "{ registerCustomer(input: $input) { id } }",
        "variables": {"input": profile},
    }
    batch = [register, *({"query": "{ me { id } }"} for _ in range(999))]
    response = http.post(stack.settings.graphql_url, json=batch, headers={"authorization": caller})
    assert (response.status_code, response.json()) == (
        400,
        {
            "errors": [
                {
                    "errorType": "MalformedHttpRequestException",
                    "message": "Unable to parse GraphQL query.",
                }
            ]
        },
    )
    # Nothing in it ran: the caller has no profile.
    me = http.post(
        stack.settings.graphql_url,
        json={"query": "{ me { id } }"},
        headers={"authorization": caller},
    )
    assert me.json() == {"data": {"me": None}}


def test_a_forged_x_forwarded_for_is_not_the_callers_address(
    stack: RunningStack, http: httpx.Client
):
    response = http.post(
        stack.settings.graphql_url,
        json={"query": "{ me { id } }"},
        headers={"authorization": token(stack), "x-forwarded-for": FORGED},
    )
    assert response.status_code == 200
    request_id = response.headers["x-amzn-RequestId"]
    deadline = time.monotonic() + 10  # lines are written by each process's log writer thread
    while not (found := request_lines(stack, request_id)) and time.monotonic() < deadline:
        time.sleep(0.1)
    [logged] = found
    assert logged["client"].startswith("127.0.0.1:")
    assert FORGED not in json.dumps(logged)


def request_lines(stack: RunningStack, request_id: str) -> list[dict[str, Any]]:
    """The emulator's line for one request, once written."""
    return [
        record
        for line in (stack.settings.log_dir / "appsync.log").read_text().splitlines()
        if line.startswith("{")
        and (record := json.loads(line)).get("request_id") == request_id
        and record.get("hop") == "appsync"
    ]


def test_a_browsers_preflight_is_answered(stack: RunningStack, http: httpx.Client):
    response = http.options(
        stack.settings.graphql_url,
        headers={
            "origin": "https://shop.example",
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization,content-type,x-amz-user-agent",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"


def test_no_process_names_its_server_and_the_services_answer_with_security_headers(
    stack: RunningStack, http: httpx.Client
):
    settings = stack.settings
    answers = {
        "emulator": http.post(settings.graphql_url, json={"query": "{ me { id } }"}),
        "identity provider": http.get(f"{settings.url(settings.idp_port)}/.well-known/jwks.json"),
        "user service": http.get(f"{settings.url(settings.user_port)}/customers/me"),
        "credit service": http.get(f"{settings.url(settings.credit_port)}/checkouts/co_1"),
        "scoring": http.get(f"{settings.url(settings.scoring_port)}/ping"),
        "checkout page": http.get(settings.url(settings.web_port)),
        "demo shop": http.get(settings.url(settings.shop_port)),
    }
    assert {
        name: answer.headers.get("server") for name, answer in answers.items()
    } == dict.fromkeys(answers)
    for name in ("user service", "credit service", "scoring"):
        headers = answers[name].headers
        assert (headers["cache-control"], headers["x-content-type-options"]) == (
            "no-store",
            "nosniff",
        ), name
        assert headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"


def test_the_services_refuse_headers_no_honest_caller_sends(
    stack: RunningStack, http: httpx.Client
):
    settings = stack.settings
    padding = {"x-padding": "a" * 32 * 1024}
    for port in (settings.user_port, settings.credit_port, settings.scoring_port):
        answer = http.get(f"{settings.url(port)}/health", headers=padding)
        assert (answer.status_code, answer.json()["error"]) == (431, "ValidationError"), port
