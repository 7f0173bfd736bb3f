"""hypothesis-graphql over the whole local stack (`bnpl dev`): every query and mutation of the API,
as every kind of caller, against the real emulator and services over HTTP.

The callers: each sandbox customer persona, a signed-in shopper with no profile yet, the
underwriter, the sandbox merchant's backend (SigV4) and callers with no or a bad token. Before
the fuzz the stack is given real records (checkouts, applications decided each way, a plan, a
webhook endpoint and a test event, a verification challenge), whose ids, with other people's ids
and ids no record can have, feed the generated arguments. Seeded (`derandomize`) and bounded:
`EXPLORE` documents per operation and caller, and one per hostile id in every id argument. The
faults (`graphql_harness.check`) are collected per caller and operation and reported together.
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings, strategies as st

from bnpl.devstack import RunningStack, free_port, running_stack
from bnpl.graphql_client import GraphQLClient
from bnpl.idp.tokens import mint_token
from bnpl.personas import PERSONAS
from bnpl.sandbox_consents import sandbox_consent_id
from bnpl.settings import SANDBOX_MERCHANT_ID
from tests.fuzz.graphql_harness import (
    Case,
    Faults,
    LogTail,
    api_schema,
    check,
    runs,
)

pytestmark = [pytest.mark.e2e, pytest.mark.fuzz]

# Documents per operation the caller may call, with mixed arguments, besides one per hostile id
# (`HOSTILE_IDS`); an operation the caller may not call gets 3.
EXPLORE = 20
CUSTOMERS = ("approve", "decline", "refer", "thin", "fraud")
CALLERS = (*CUSTOMERS, "newcomer", "underwriter", "merchant", "anonymous")
NEWCOMER = "fuzz-newcomer"
# What an unauthenticated caller may send as `Authorization`.
BAD_AUTHORIZATIONS = (None, "", "Bearer", "not-a-jwt", "eyJhbGciOiJub25lIn0.e30.")

Send = Callable[[Case, str | None], httpx.Response]


@dataclass(frozen=True)
class World:
    """The stack and the real ids and URLs the fuzz draws from."""

    stack: RunningStack
    ids: dict[str, list[str]]
    urls: tuple[str, ...]


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=60) as client:
        yield client


def _token(stack: RunningStack, name: str) -> str:
    if name == NEWCOMER:
        return mint_token(stack.settings, sub=NEWCOMER, email="newcomer@example.test")
    persona = PERSONAS[name]
    return mint_token(stack.settings, sub=persona.sub, email=persona.email, groups=persona.groups)


def _data(body: dict[str, Any], name: str) -> Any:
    assert "errors" not in body, body
    return body["data"][name]


def _checkout(merchant: GraphQLClient) -> str:
    money = {"amount": 10_000, "currency": "GBP"}
    created = merchant.execute(
        "mutation($i: CreateCheckoutInput!) { createCheckout(input: $i) { id } }",
        {
            "i": {
                "merchantId": SANDBOX_MERCHANT_ID,
                "merchantReference": f"fuzz-{uuid.uuid4()}",
                "amount": money,
                "items": [{"sku": "K-1", "name": "Kettle", "quantity": 1, "unitPrice": money}],
            }
        },
    )
    return str(_data(created, "createCheckout")["id"])


def _apply(shopper: GraphQLClient, checkout_id: str) -> dict[str, Any]:
    applied = shopper.execute(
        "mutation($i: ApplyForCreditInput!) { applyForCredit(input: $i) { id offers { id } } }",
        {"i": {"checkoutId": checkout_id, "idempotencyKey": str(uuid.uuid4())}},
    )
    result: dict[str, Any] = _data(applied, "applyForCredit")
    return result


def _seed(stack: RunningStack, http: httpx.Client, hook_url: str) -> dict[str, list[str]]:
    """Real records of every kind: their ids by kind (`graphql_harness.ID_KINDS`)."""
    url = stack.settings.graphql_url
    merchant = GraphQLClient(url, iam_region=stack.settings.region, http=http)
    shopper = {n: GraphQLClient(url, token=_token(stack, n), http=http) for n in CUSTOMERS}
    ids: dict[str, list[str]] = defaultdict(list)
    endpoint = merchant.execute(
        "mutation($i: CreateWebhookEndpointInput!) {"
        " createWebhookEndpoint(input: $i) { endpoint { id } } }",
        {
            "i": {
                "merchantId": SANDBOX_MERCHANT_ID,
                "url": hook_url,
                "eventTypes": ["PLAN_COMPLETED"],
            }
        },
    )
    ids["endpoint"].append(_data(endpoint, "createWebhookEndpoint")["endpoint"]["id"])
    sent = merchant.execute(
        "mutation($e: ID!) { sendTestWebhook(endpointId: $e) { eventId } }",
        {"e": ids["endpoint"][0]},
    )
    ids["event"].append(_data(sent, "sendTestWebhook")["eventId"])
    for name in ("approve", "approve", "refer", "decline", "fraud"):
        ids["checkout"].append(checkout := _checkout(merchant))
        application = _apply(shopper[name], checkout)
        ids["application"].append(application["id"])
        ids["offer"] += [o["id"] for o in application["offers"]]
    accepted = shopper["approve"].execute(
        "mutation($i: AcceptOfferInput!) { acceptOffer(input: $i) { id payments { id } } }",
        {
            "i": {
                "applicationId": ids["application"][0],
                "offerId": ids["offer"][0],
                "paymentMethodToken": "tok_visa",
                "idempotencyKey": str(uuid.uuid4()),
            }
        },
    )
    plan = _data(accepted, "acceptOffer")
    ids["plan"].append(plan["id"])
    ids["payment"] += [p["id"] for p in plan["payments"]]
    ids["checkout"].append(_checkout(merchant))  # one nobody applied to
    challenge = shopper["thin"].execute(
        "mutation { startVerification(channel: EMAIL) { challengeId } }"
    )
    ids["challenge"].append(_data(challenge, "startVerification")["challengeId"])
    ids["consent"] += [sandbox_consent_id(n) for n in CUSTOMERS]
    ids["merchant"] += [SANDBOX_MERCHANT_ID, "m_other"]
    ids["customer"] += [p.sub for p in PERSONAS.values()] + [NEWCOMER]
    return ids


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, http: httpx.Client) -> Iterator[World]:
    with running_stack(tmp_path_factory.mktemp("graphql-fuzz")) as stack:
        hook_url = f"http://127.0.0.1:{free_port()}/hooks"
        shop = stack.settings.shop_tls_port
        urls = (
            hook_url,
            f"https://127.0.0.1:{shop}/done",
            f"https://localhost:{shop}/cancel?x=1",
            f"https://127.0.0.1:{shop}/done#fragment",
            "https://example.com/hooks",
            "http://169.254.169.254/latest/meta-data",
            "https://10.0.0.1/hooks",
            "https://user:password@example.com/",
            "ftp://example.com/file",
            "https://" + "a" * 2100 + ".example/",
            "https://example.com:99999/",
            "https://[::1]:8443/hooks",
            "https://exämple.com/",
        )
        yield World(stack, _seed(stack, http, hook_url), urls)


def _sender(world: World, http: httpx.Client, caller: str) -> Send:
    """How `caller` sends a case; an unauthenticated caller sends the case's `Authorization`."""
    url = world.stack.settings.graphql_url
    if caller == "anonymous":

        def anonymous(case: Case, authorization: str | None) -> httpx.Response:
            headers = {} if authorization is None else {"authorization": authorization}
            return http.post(url, json={"query": case.query}, headers=headers)

        return anonymous
    if caller == "merchant":
        client = GraphQLClient(url, iam_region=world.stack.settings.region, http=http)
    else:
        name = NEWCOMER if caller == "newcomer" else caller
        client = GraphQLClient(url, token=_token(world.stack, name), http=http)
    return lambda case, _authorization: client.post(case.query)


@pytest.mark.parametrize("caller", CALLERS)
def test_no_operation_faults(world: World, http: httpx.Client, caller: str) -> None:
    send = _sender(world, http, caller)
    faults = Faults(caller)
    log = LogTail(world.stack.log_path)
    mode = {"merchant": "aws_iam", "anonymous": None}.get(caller, "aws_cognito_user_pools")
    started = time.perf_counter()
    fuzz_runs = runs(api_schema(), world.ids, world.urls, mode=mode, explore=EXPLORE, refused=3)
    for fuzz_run in fuzz_runs:

        @settings(
            max_examples=fuzz_run.max_examples,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=fuzz_run.strategy, authorization=st.sampled_from(BAD_AUTHORIZATIONS))
        def run(case: Case, authorization: str | None) -> None:
            log.skip()
            check(send(case, authorization), case, log.read(), faults)

        run()
    # The run's size and answers: shown with -s or -rP.
    print(f"{faults.summary()} in {time.perf_counter() - started:.1f}s")  # noqa: T201
    assert faults.cases.total() > 0
    if faults.found:
        pytest.fail(faults.report(), pytrace=False)
