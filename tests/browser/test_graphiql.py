"""GraphiQL of the whole local stack (`bnpl dev`), in headless Chromium where every request that
would leave the machine fails: the sandbox merchant runs a mutation over IAM (signed in the
page), hears a checkout update over AppSync's real-time protocol, and a persona signs in at the
stack's identity provider and reads their profile, over plain HTTP and over HTTPS (the stack's
local CA trusted through Chromium's NSS database); the panel shows each answer's request id and
copies `bnpl trace <id>`; axe-core finds nothing serious on the page."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Error as PlaywrightError, Request

from bnpl.devstack import RunningStack, running_stack
from bnpl.graphql_client import sigv4_headers
from bnpl.personas import PERSONAS
from bnpl.settings import (
    CREDIT_SERVICE_ACCESS_KEY_ID,
    CREDIT_SERVICE_SECRET_ACCESS_KEY,
    SANDBOX_MERCHANT_ID,
)
from tests.browser.conftest import ROOT, VIEWPORT, Chromium, Watch, watched
from tests.browser.graphiql_page import GraphiQLPage

pytestmark = pytest.mark.e2e

MERCHANT = f"sandbox merchant ({SANDBOX_MERCHANT_ID})"
TARGET = "AWSCognitoIdentityProviderService.InitiateAuth"
CREATE = """mutation Create($input: CreateCheckoutInput!) {
  createCheckout(input: $input) {
    id merchantId merchantReference status expiresAt createdAt
    amount { amount currency } items { sku name quantity unitPrice { amount currency } }
  }
}"""
ON_UPDATED = """subscription OnUpdated($id: ID!) {
  onCheckoutUpdated(id: $id) {
    id
    status
    amount { amount currency }
  }
}"""
# As the credit service publishes: subscribers' filters read merchantId of the mutation's result.
PUBLISH = """mutation Publish($input: CheckoutUpdateInput!) {
  publishCheckoutUpdate(input: $input) { id merchantId status amount { amount currency } }
}"""
# Set to 1 to refresh docs/graphiql.png and docs/graphiql-sign-in.png (else they go to a temp dir).
DOCS = ROOT / "docs"
UPDATE_SCREENSHOT = os.environ.get("BNPL_UPDATE_DOCS_SCREENSHOT") == "1"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with running_stack(tmp_path_factory.mktemp("graphiql")) as running:
        yield running


@pytest.fixture
def opened(context: BrowserContext, stack: RunningStack) -> Iterator[tuple[GraphiQLPage, Watch]]:
    page = context.new_page()
    watch = watched(page)
    yield GraphiQLPage(page, stack.settings.graphql_url), watch
    watch.assert_stayed_local()


def checkout_input() -> dict[str, Any]:
    price = {"amount": 4999, "currency": "GBP"}
    return {
        "merchantId": SANDBOX_MERCHANT_ID,
        "merchantReference": f"graphiql-{uuid.uuid4()}",
        "amount": price,
        "items": [{"sku": "SKU-1", "name": "Trail shoes", "quantity": 1, "unitPrice": price}],
    }


def create_checkout(graphiql: GraphiQLPage) -> dict[str, Any]:
    graphiql.choose(MERCHANT)
    graphiql.wait_for_status("IAM sandbox merchant")
    graphiql.run(CREATE, {"input": checkout_input()})
    created: dict[str, Any] = graphiql.result('"createCheckout"')["data"]["createCheckout"]
    return created


def test_the_page_loads_from_the_stack_alone_and_axe_finds_nothing_serious(opened, axe_source):
    graphiql, watch = opened
    loaded = graphiql.page.evaluate(
        "() => performance.getEntriesByType('resource').map((entry) => entry.name)"
    )
    names = {url.split("?")[0].rsplit("/", 1)[-1] for url in loaded}
    assert {"react.production.min.js", "graphiql.min.js", "graphiql.min.css"} <= names
    assert watch.refused == []
    assert graphiql.accessibility_violations(axe_source) == []


def test_the_sandbox_merchant_creates_a_checkout_signed_with_sigv4_in_the_page(opened):
    graphiql, _ = opened
    created = create_checkout(graphiql)
    assert created["status"] == "CREATED"
    assert created["merchantId"] == SANDBOX_MERCHANT_ID
    assert created["id"] in graphiql.result_text()


def test_the_merchant_hears_a_checkout_update_in_graphiql(opened, stack, tmp_path):
    graphiql, watch = opened
    sent: list[dict[str, Any]] = []
    graphiql.page.on(
        "websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(json.loads(frame)))
    )
    created = create_checkout(graphiql)
    graphiql.run(ON_UPDATED, {"id": created["id"]})
    graphiql.wait_for_realtime("OnUpdated: subscribed, waiting for events")
    # The credit service, the one publisher of checkout updates, announces a new status.
    update = {key: created[key] for key in ("id", "merchantId", "merchantReference")}
    update |= {"amount": created["amount"], "items": created["items"], "status": "APPROVED"}
    update |= {"expiresAt": created["expiresAt"], "createdAt": created["createdAt"]}
    body = json.dumps({"query": PUBLISH, "variables": {"input": update}}).encode()
    url = stack.settings.graphql_url
    headers = sigv4_headers(
        url,
        body,
        region=stack.settings.region,
        access_key_id=CREDIT_SERVICE_ACCESS_KEY_ID,
        secret_access_key=CREDIT_SERVICE_SECRET_ACCESS_KEY,
    )
    published = httpx.post(url, content=body, headers=headers, timeout=30).json()
    announced = {key: created[key] for key in ("id", "merchantId", "amount")}
    assert published == {"data": {"publishCheckoutUpdate": announced | {"status": "APPROVED"}}}
    assert graphiql.result('"APPROVED"') == {
        "data": {
            "onCheckoutUpdated": {
                "id": created["id"],
                "status": "APPROVED",
                "amount": {"amount": 4999, "currency": "GBP"},
            }
        }
    }
    screenshot = DOCS / "graphiql.png" if UPDATE_SCREENSHOT else tmp_path / "graphiql.png"
    graphiql.page.screenshot(path=str(screenshot))
    graphiql.page.click(".graphiql-execute-button")  # the run button stops a subscription
    graphiql.wait_for_realtime("OnUpdated: stopped")
    host = url.split("/")[2]
    assert watch.sockets == [f"ws://{host}/graphql/realtime"]
    start = next(frame for frame in sent if frame["type"] == "start")
    assert start["payload"]["extensions"]["authorization"]["host"] == host
    assert sent[-1] == {"type": "stop", "id": start["id"]}


def test_a_persona_signs_in_at_the_user_pool_and_reads_their_profile(opened, stack):
    """Cognito's InitiateAuth at the stack's identity provider, its CORS preflight answered by the
    provider itself (the page is on the emulator's port, the provider on its own)."""
    graphiql, watch = opened
    persona = PERSONAS["approve"]
    graphiql.choose(f"{persona.name} ({persona.summary})")
    graphiql.wait_for_status(f"signed in as {persona.email}")
    graphiql.run("{ me { id email } }")
    assert graphiql.result(persona.email)["data"]["me"] == {
        "id": persona.sub,
        "email": persona.email,
    }
    sign_ins = watch.posts_to(f"{stack.settings.url(stack.settings.idp_port)}/")
    assert sign_ins
    for sent in sign_ins:
        assert sent.all_headers()["x-amz-target"] == TARGET
        assert sent.post_data_json["ClientId"] == stack.settings.console_client_id


def is_post_of(url: str, operation: str) -> Callable[[Request], bool]:
    """Matches the page's POSTs of `operation` to `url`."""

    def matches(sent: Request) -> bool:
        if sent.method != "POST" or sent.url != url:
            return False
        body = sent.post_data_json
        return isinstance(body, dict) and body.get("operationName") == operation

    return matches


def settle_as_merchant(graphiql: GraphiQLPage, watch: Watch, url: str) -> None:
    """The sandbox merchant chosen once the first persona's sign-in is done, and every request
    sent to `url` answered, the schema fetched again for the merchant among them: no late answer
    can then replace the request id a test is about to see."""
    graphiql.wait_for_status("Active:")
    introspection = is_post_of(url, "IntrospectionQuery")
    signed = "AWS4-HMAC-SHA256 "
    with graphiql.page.expect_request(
        lambda sent: (
            introspection(sent) and sent.headers.get("authorization", "").startswith(signed)
        )
    ):
        graphiql.choose(MERCHANT)
    for sent in watch.posts_to(url):
        assert sent.response() is not None, sent.failure


def run_answered(graphiql: GraphiQLPage, url: str, operation: str) -> str:
    """Run the query `operation` (its `__typename`); the id its answer's header gives."""
    with graphiql.page.expect_response(
        lambda answer: is_post_of(url, operation)(answer.request)
    ) as answered:
        graphiql.run(f"query {operation} {{ __typename }}")
    assert graphiql.result('"__typename"') == {"data": {"__typename": "Query"}}
    request_id = answered.value.header_value("x-amzn-RequestId")
    assert request_id is not None
    assert str(uuid.UUID(request_id)) == request_id
    return request_id


def test_the_panel_shows_each_answers_request_id_and_copies_its_trace_command(
    opened, context, stack, axe_source, tmp_path
):
    """The id AppSync gives each answer (`x-amzn-RequestId`) is shown under the identity, each
    answer's in turn, with a button, reached from the keyboard, that copies `bnpl trace <id>`."""
    graphiql, watch = opened
    page, url = graphiql.page, stack.settings.graphql_url
    origin = urlsplit(page.url)
    context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=f"{origin.scheme}://{origin.netloc}"
    )
    settle_as_merchant(graphiql, watch, url)

    first = run_answered(graphiql, url, "First")
    graphiql.wait_for_request_id(first, "First")
    assert graphiql.request_id_line() == f"Request id (First): {first}"
    second = run_answered(graphiql, url, "Second")
    assert second != first
    graphiql.wait_for_request_id(second, "Second")
    assert graphiql.request_id_line() == f"Request id (Second): {second}"

    # From the identity list, Tab reaches the copy button (the hidden sign-in and token rows
    # are skipped); its focus is visible, and Enter copies.
    page.focus("#auth-identity")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        """() => {
            const element = document.activeElement;
            const style = getComputedStyle(element);
            return {
                id: element.id,
                visible: element.matches(':focus-visible'),
                outline: [style.outlineStyle, style.outlineWidth],
                name: element.textContent,
            };
        }"""
    )
    assert focused == {
        "id": "request-id-copy",
        "visible": True,
        "outline": ["solid", "2px"],
        "name": "Copy command",
    }
    page.keyboard.press("Enter")
    page.wait_for_function(
        "text => document.getElementById('request-id-copied').textContent === text",
        arg=f"Copied: bnpl trace {second}",
    )
    assert page.evaluate("navigator.clipboard.readText()") == f"bnpl trace {second}"
    assert page.get_attribute("#request-id-line", "aria-live") == "polite"

    assert graphiql.accessibility_violations(axe_source) == []
    screenshot = tmp_path / "graphiql-request-id.png"
    page.screenshot(path=str(screenshot))
    page.locator(".auth-panel").screenshot(path=str(tmp_path / "graphiql-request-id-panel.png"))


# ---------------------------------------------------------------- over HTTPS


@pytest.fixture(scope="module")
def trusting_chromium(chromium: Chromium, stack: RunningStack) -> Iterator[Browser]:
    """A Chromium whose NSS database trusts the stack's local CA, as `bnpl dev` tells users to
    make one."""
    with chromium.trusting(stack.ca_path) as launched:
        yield launched


def secure_graphql_url(stack: RunningStack) -> str:
    return f"{stack.settings.https_url(stack.settings.appsync_tls_port)}/graphql"


def test_over_https_a_persona_signs_in_over_https_and_runs_a_query(
    trusting_chromium, stack, axe_source, tmp_path
):
    settings = stack.settings
    persona = PERSONAS["approve"]
    context = trusting_chromium.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        watch = watched(page)
        graphiql = GraphiQLPage(page, secure_graphql_url(stack))
        graphiql.choose(f"{persona.name} ({persona.summary})")
        graphiql.wait_for_status(f"signed in as {persona.email}")
        # The operation the page opens with, run as it stands.
        graphiql.clear_result()
        page.click(".graphiql-execute-button")
        me = graphiql.result(persona.email)["data"]["me"]
        assert (me["id"], me["email"]) == (persona.sub, persona.email)
        # The page signed in at the provider's HTTPS listener, never at its plain one.
        assert watch.posts_to(f"{settings.https_url(settings.idp_tls_port)}/")
        assert watch.posts_to(f"{settings.url(settings.idp_port)}/") == []
        assert {urlsplit(r.url).scheme for r in watch.requests} == {"https"}
        assert all(url.startswith("wss://") for url in watch.sockets), watch.sockets
        assert graphiql.accessibility_violations(axe_source) == []
        screenshot = DOCS / "graphiql-sign-in.png" if UPDATE_SCREENSHOT else tmp_path / "in.png"
        page.screenshot(path=str(screenshot))
        watch.assert_stayed_local()
    finally:
        context.close()


def test_a_chromium_without_the_stacks_ca_cannot_open_graphiql_over_https(chromium, stack):
    """The control of the test above: the same Chromium but for the CA in its NSS database."""
    with chromium.trusting() as untrusting:
        page = untrusting.new_page()
        with pytest.raises(PlaywrightError, match="net::ERR_CERT_AUTHORITY_INVALID"):
            page.goto(secure_graphql_url(stack))
