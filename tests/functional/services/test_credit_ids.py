"""Ids and limits the credit service refuses before it reads anything: the app in process
(httpx.ASGITransport) with real tokens, its storage unreachable, so an answer that needed a
lookup would be a DependencyFailure (502), never the NotFound or ValidationError expected."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from services.credit.app import create_app
from services.credit.limits import ID_MAX_CHARS
from tests.functional.services.conftest import SHOP_ARN

pytestmark = pytest.mark.anyio

BAD_IDS = {
    "empty": "",
    "one too long": "x" * (ID_MAX_CHARS + 1),
    "not UTF-8": "%FF%FE",
    "a control character": "chk%00",
    "a space": "chk%20one",
    "not ASCII": "ch%C3%A9ckout",
}
PAY = {"instalmentNumber": 2, "paymentMethodToken": "tok_visa", "idempotencyKey": "k-1"}
ROUTES: list[tuple[str, str, str, dict[str, Any] | None]] = [
    ("GET", "/checkouts/{}", "merchant", None),
    ("GET", "/checkouts/{}", "shopper", None),
    ("POST", "/checkouts/{}/capture", "merchant", {"idempotencyKey": "k-1"}),
    ("POST", "/checkouts/{}/void", "merchant", None),
    (
        "POST",
        "/checkouts/{}/refunds",
        "merchant",
        {"amount": {"amount": 100, "currency": "GBP"}, "idempotencyKey": "k-1"},
    ),
    ("GET", "/applications/{}", "shopper", None),
    ("POST", "/applications/{}/review", "underwriter", {"outcome": "APPROVED", "note": "ok"}),
    ("GET", "/plans/{}", "shopper", None),
    ("POST", "/plans/{}/payments", "shopper", PAY),
    (
        "POST",
        "/plans/{}/payoff",
        "shopper",
        {"paymentMethodToken": "tok_visa", "idempotencyKey": "k"},
    ),
]


@pytest.fixture
def app(settings):
    """The credit app over DynamoDB that is not there (`settings` points at a closed port)."""
    return create_app(settings)


@pytest.fixture
async def client(app):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://credit.test") as c:
        yield c


@pytest.fixture
def callers(idp, make_token) -> dict[str, dict[str, str]]:
    return {
        "merchant": {
            "authorization": f"Bearer {idp.service_token()}",
            "x-bnpl-caller-arn": SHOP_ARN,
        },
        "shopper": {"authorization": f"Bearer {make_token(sub='shopper-1')}"},
        "underwriter": {
            "authorization": f"Bearer {make_token(sub='uw-1', groups=('underwriters',))}"
        },
    }


@pytest.mark.parametrize("bad", sorted(BAD_IDS))
@pytest.mark.parametrize(("method", "path", "who", "body"), ROUTES)
async def test_an_id_that_cannot_be_ours_is_not_found_without_a_lookup(
    client, callers, method, path, who, body, bad
):
    response = await client.request(
        method, path.format(BAD_IDS[bad]), json=body, headers=callers[who]
    )
    assert response.status_code == 404, response.text
    assert response.json()["error"] == "NotFound"
    assert "location" not in response.headers


@pytest.mark.parametrize("limit", ["0", "101", "1000000", "-1", "ten"])
async def test_a_page_size_out_of_range_states_the_range(client, callers, limit):
    response = await client.get(f"/plans?limit={limit}", headers=callers["shopper"])
    assert response.status_code == 400
    assert response.json() == {
        "error": "ValidationError",
        "message": "limit must be an integer from 1 to 100",
        "details": {"field": "limit"},
    }
