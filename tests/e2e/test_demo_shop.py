"""`bnpl dev`'s demo shop and checkout page host, over HTTPS with the local CA: "Pay later"
creates the checkout as the sandbox merchant and sends the browser to the `web` process."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from bnpl.commands.amplify_config import resources_config
from bnpl.devstack import RunningStack, running_stack
from bnpl.graphql_client import GraphQLClient
from bnpl.settings import PROJECT_ROOT
from bnpl.tls import LocalTls, trusting

pytestmark = pytest.mark.e2e

READ = "query Read($id: ID!) { checkout(id: $id) { status confirmationUrl cancelUrl redirectUrl } }"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with running_stack(tmp_path_factory.mktemp("stack")) as running:
        yield running


@pytest.fixture(scope="module")
def browser(stack: RunningStack) -> Iterator[httpx.Client]:
    """A client that trusts the stack's CA only, and keeps cookies as a browser would."""
    ca = trusting(LocalTls(stack.settings.tls_dir).ca_path)
    with httpx.Client(timeout=30, verify=ca) as client:
        yield client


def test_pay_later_sends_the_browser_to_the_checkout_page_and_back_to_a_status_page(
    stack: RunningStack, browser: httpx.Client
) -> None:
    shop = stack.settings.shop_url
    basket = browser.get(f"{shop}/")
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', basket.text)
    assert token is not None
    sent = browser.post(
        f"{shop}/pay-later",
        data={"csrf_token": token.group(1)},
        headers={"origin": shop},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    location = sent.headers["location"]
    page = f"{stack.settings.checkout_page_url}/checkout/"
    assert location.startswith(page)
    checkout_id = location.removeprefix(page)

    with GraphQLClient(stack.settings.graphql_url, iam_region=stack.settings.region) as merchant:
        read = merchant.execute(READ, {"id": checkout_id})
    assert read["data"]["checkout"] == {
        "status": "CREATED",
        "confirmationUrl": f"{shop}/orders/confirmed",
        "cancelUrl": f"{shop}/orders/cancelled",
        "redirectUrl": location,
    }

    hosted = browser.get(location)
    built = (PROJECT_ROOT / "web" / "dist" / "index.html").is_file()
    assert hosted.status_code == (200 if built else 503)
    assert "connect-src 'self'" in hosted.headers["content-security-policy"]

    back = browser.get(f"{shop}/orders/confirmed", params={"checkoutId": checkout_id})
    assert "Order not confirmed" in back.text


def test_the_web_process_serves_the_stacks_amplify_configuration(
    stack: RunningStack, browser: httpx.Client
) -> None:
    answer = browser.get(f"{stack.settings.checkout_page_url}/config.json")
    assert answer.json() == resources_config(stack.settings)
