"""Shoppers and a merchant calling the credit service in process (httpx.ASGITransport) over
DynamoDB Local, for the tests of several shoppers applying to one checkout: fixtures (import
them by name) and the calls they make."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.functional.services.application_harness import Harness, build_harness
from tests.functional.services.money_harness import merchant_headers


@dataclass(frozen=True)
class Person:
    sub: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}"}


@pytest.fixture(scope="module")
def harness(ddb_settings, merchants) -> Harness:
    return build_harness(ddb_settings)


@pytest.fixture
def person(harness, make_token):
    """A new verified shopper screened as `persona`; `groups` adds Cognito groups."""

    def make(persona: str, *, groups: tuple[str, ...] = ("customers",)) -> Person:
        sub = harness.register(persona)
        return Person(sub, make_token(sub=sub, email=f"{sub}@sandbox.bnpl.test", groups=groups))

    return make


@pytest.fixture
def merchant(idp) -> dict[str, str]:
    return merchant_headers(idp.service_token())


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def call(
    harness: Harness, method: str, path: str, headers: dict[str, str], body: Any = None
) -> httpx.Response:
    transport = httpx.ASGITransport(app=harness.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://credit.test") as c:
        return await c.request(method, path, json=body, headers=headers)


async def apply(
    harness: Harness, who: Person, checkout_id: str, key: str | None = None
) -> httpx.Response:
    body = {"checkoutId": checkout_id, "idempotencyKey": key or str(uuid.uuid4())}
    return await call(harness, "POST", "/applications", who.headers, body)


async def accept(
    harness: Harness,
    who: Person,
    application: dict[str, Any],
    *,
    key: str | None = None,
    offer_id: str | None = None,
) -> httpx.Response:
    offers = application["offers"]
    body = {
        "applicationId": application["id"],
        "offerId": offer_id or (offers[0]["id"] if offers else "off_none"),
        "paymentMethodToken": "tok_visa",
        "idempotencyKey": key or str(uuid.uuid4()),
    }
    return await call(harness, "POST", "/plans", who.headers, body)


async def decided(harness: Harness, who: Person, checkout_id: str, outcome: str) -> dict[str, Any]:
    """`who` applies to the checkout and is decided `outcome`; their application."""
    response = await apply(harness, who, checkout_id)
    assert response.status_code == 200, response.text
    application: dict[str, Any] = response.json()
    assert application["decision"]["outcome"] == outcome
    return application


async def view(harness: Harness, checkout_id: str, headers: dict[str, str]) -> httpx.Response:
    return await call(harness, "GET", f"/checkouts/{checkout_id}", headers)


def seen_as(response: httpx.Response) -> tuple[str, str | None, str | None]:
    """(status, customerId, applicationId) of a checkout as its caller saw it."""
    assert response.status_code == 200, response.text
    body = response.json()
    return body["status"], body["customerId"], body.get("applicationId")


def not_found(response: httpx.Response) -> bool:
    return (response.status_code, response.json()["error"]) == (404, "NotFound")


def invalid_state(response: httpx.Response) -> bool:
    return (response.status_code, response.json()["error"]) == (409, "InvalidState")
