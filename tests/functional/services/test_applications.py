"""Credit applications through the credit service's HTTP API on DynamoDB Local: idempotency,
one workflow run per key (threads over real HTTP), outages and retries, checkouts moving with
the decision, underwriting, and the rejection outbox. The bureau is the sandbox one; the user
service and the model are fakes of their clients (their own tests cover them)."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest

from services.credit.checkouts.domain import Applicant, Checkout, CheckoutStatus
from services.credit.screening.checks.prior import VelocityKey
from tests.functional.services.application_harness import Harness, build_harness
from tests.functional.services.conftest import ServedApp

pytestmark = [pytest.mark.ddblocal]


@pytest.fixture(scope="module")
def harness(ddb_settings, merchants) -> Harness:
    return build_harness(ddb_settings)


async def call(
    harness: Harness,
    method: str,
    path: str,
    *,
    token: str,
    json: Any = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    transport = httpx.ASGITransport(app=harness.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://credit.test") as c:
        return await c.request(
            method, path, json=json, headers={"authorization": f"Bearer {token}", **(headers or {})}
        )


@pytest.fixture
def shopper(make_token):
    def token(name: str = "approve", **kwargs: Any) -> str:
        sub = kwargs.pop("sub", f"sandbox-{name}")
        return str(make_token(sub=sub, email=f"{name}@sandbox.bnpl.test", **kwargs))

    return token


def apply_body(checkout: Checkout, key: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"checkoutId": checkout.id, "idempotencyKey": key or str(uuid.uuid4()), **extra}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


pytestmark.append(pytest.mark.anyio)


async def test_an_approval_is_the_shoppers_on_the_checkout_and_is_announced_to_them(
    harness, shopper
):
    """The decision is recorded as the shopper's among the checkout's applicants (the checkout
    stays CREATED, bound to nobody) and published as the shopper's view of it."""
    checkout = harness.checkout()
    response = await call(
        harness, "POST", "/applications", token=shopper(), json=apply_body(checkout)
    )
    assert response.status_code == 200, response.text
    application = response.json()
    assert application["status"] == "DECIDED"
    assert application["decision"]["outcome"] == "APPROVED"
    assert {o["product"] for o in application["offers"]} == {"PAY_IN_4", "MONTHLY"}
    stored = harness.checkouts.get(checkout.id)
    assert stored is not None
    assert (stored.status, stored.customer_id, stored.application_id) == (
        CheckoutStatus.CREATED,
        None,
        None,
    )
    assert stored.applicants == {
        "sandbox-approve": Applicant(
            application_id=application["id"], outcome=CheckoutStatus.APPROVED
        )
    }
    announced = harness.updates.checkouts[-1]
    assert (announced["status"], announced["customerId"], announced["applicationId"]) == (
        "APPROVED",
        "sandbox-approve",
        application["id"],
    )


async def test_the_same_key_returns_the_decision_without_running_again(harness, shopper):
    checkout = harness.checkout()
    body = apply_body(checkout)
    first = await call(harness, "POST", "/applications", token=shopper("refer"), json=body)
    runs = harness.scorer.calls
    again = await call(harness, "POST", "/applications", token=shopper("refer"), json=body)
    assert again.json() == first.json()
    assert harness.scorer.calls == runs


async def test_the_same_key_for_another_request_is_refused(harness, shopper):
    body = apply_body(harness.checkout())
    await call(harness, "POST", "/applications", token=shopper("refer"), json=body)
    other = {**body, "checkoutId": harness.checkout().id}
    response = await call(harness, "POST", "/applications", token=shopper("refer"), json=other)
    assert (response.status_code, response.json()["error"]) == (422, "IdempotencyKeyReused")


async def test_keys_are_scoped_to_the_customer(harness, shopper):
    key = str(uuid.uuid4())
    a = await call(
        harness,
        "POST",
        "/applications",
        token=shopper("approve"),
        json=apply_body(harness.checkout(), key),
    )
    b = await call(
        harness,
        "POST",
        "/applications",
        token=shopper("thin"),
        json=apply_body(harness.checkout(), key),
    )
    assert a.json()["id"] != b.json()["id"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "checkoutId"),
        ({"checkoutId": "x"}, "idempotencyKey"),
        ({"checkoutId": "x", "idempotencyKey": "has space"}, "idempotencyKey"),
        ({"checkoutId": "x", "idempotencyKey": "k", "extra": 1}, "extra"),
    ],
)
async def test_bad_input_writes_nothing(harness, shopper, scan, body, field):
    before = len(scan("applications"))
    response = await call(harness, "POST", "/applications", token=shopper(), json=body)
    assert response.status_code == 400
    assert response.json()["details"]["field"] == field
    assert len(scan("applications")) == before


async def test_an_unverified_customer_must_verify_first(harness, shopper, scan):
    before = len(scan("applications"))
    token = shopper(sub="unverified")
    response = await call(
        harness, "POST", "/applications", token=token, json=apply_body(harness.checkout())
    )
    assert (response.status_code, response.json()["error"]) == (403, "VerificationRequired")
    assert len(scan("applications")) == before


async def test_a_missing_profile_must_register_and_verify(harness, shopper):
    token = shopper(sub="nobody")
    response = await call(
        harness, "POST", "/applications", token=token, json=apply_body(harness.checkout())
    )
    assert response.json()["error"] == "VerificationRequired"


async def test_an_expired_checkout_takes_no_application(harness, shopper):
    checkout = harness.checkout(expires_in=timedelta(seconds=-1))
    response = await call(
        harness, "POST", "/applications", token=shopper(), json=apply_body(checkout)
    )
    assert (response.status_code, response.json()["error"]) == (410, "CheckoutExpired")


async def test_a_checkout_with_an_accepted_offer_takes_no_other_application(harness, shopper):
    checkout = harness.checkout()
    approved = (
        await call(harness, "POST", "/applications", token=shopper(), json=apply_body(checkout))
    ).json()
    accept = {
        "applicationId": approved["id"],
        "offerId": approved["offers"][0]["id"],
        "paymentMethodToken": "tok_visa",
        "idempotencyKey": str(uuid.uuid4()),
    }
    assert (await call(harness, "POST", "/plans", token=shopper(), json=accept)).status_code == 200
    response = await call(
        harness, "POST", "/applications", token=shopper("thin"), json=apply_body(checkout)
    )
    assert (response.status_code, response.json()["error"]) == (409, "InvalidState")
    assert response.json()["details"]["status"] == "CONFIRMED"


async def test_an_unknown_checkout_is_not_found(harness, shopper):
    body = {"checkoutId": "nope", "idempotencyKey": "k-unknown"}
    response = await call(harness, "POST", "/applications", token=shopper(), json=body)
    assert response.status_code == 404


async def test_an_outage_answers_dependency_failure_and_the_same_key_retries_later(
    harness, shopper, scan
):
    checkout = harness.checkout()
    body = apply_body(checkout)
    harness.bureau_down.down = True
    try:
        down = await call(harness, "POST", "/applications", token=shopper("refer"), json=body)
    finally:
        harness.bureau_down.down = False
    assert (down.status_code, down.json()["error"]) == (502, "DependencyFailure")
    [pending] = [item for item in scan("applications") if item["checkout_id"]["S"] == checkout.id]
    assert pending["status"]["S"] == "PENDING"
    token = shopper("refer")
    seen = await call(harness, "GET", f"/applications/{pending['id']['S']}", token=token)
    assert seen.json()["status"] == "PENDING"
    assert [s["status"] for s in seen.json()["steps"]][-1] == "ERROR"
    assert harness.checkouts.get(checkout.id).status is CheckoutStatus.CREATED

    retried = await call(harness, "POST", "/applications", token=token, json=body)
    assert retried.status_code == 200
    assert retried.json()["id"] == pending["id"]["S"]
    assert retried.json()["status"] == "DECIDED"
    [item] = [i for i in scan("applications") if i["id"]["S"] == pending["id"]["S"]]
    assert item["attempts"]["N"] == "2"
    # Recorded once among the shopper's recent applications when written, its outcome when
    # the retry decided it.
    records = harness.store.records({VelocityKey.CUSTOMER: "sandbox-refer"})
    [held] = [a for a in records.prior.by_key[VelocityKey.CUSTOMER] if a.id == item["id"]["S"]]
    assert held.outcome == retried.json()["decision"]["outcome"]


async def test_a_decline_publishes_a_rejection_event(harness, shopper, scan):
    response = await call(
        harness,
        "POST",
        "/applications",
        token=shopper("decline"),
        json=apply_body(harness.checkout()),
    )
    application = response.json()
    assert application["decision"]["outcome"] == "DECLINED"
    events = [e for e in scan("credit_event_outbox") if application["id"] in e["detail"]["S"]]
    assert [e["detail_type"]["S"] for e in events] == ["CreditApplicationRejected"]
    stored = harness.checkouts.get(application["checkoutId"])
    assert stored is not None
    assert stored.status is CheckoutStatus.CREATED  # still open to other shoppers
    assert stored.applicants["sandbox-decline"].outcome is CheckoutStatus.DECLINED


async def test_an_application_is_its_customers_and_the_underwriters(harness, shopper, make_token):
    response = await call(
        harness, "POST", "/applications", token=shopper("thin"), json=apply_body(harness.checkout())
    )
    path = f"/applications/{response.json()['id']}"
    owner = await call(harness, "GET", path, token=shopper("thin"))
    other = await call(harness, "GET", path, token=shopper("approve"))
    underwriter = await call(
        harness, "GET", path, token=make_token(sub="uw", groups=("underwriters",))
    )
    assert (owner.status_code, other.status_code, underwriter.status_code) == (200, 404, 200)


@pytest.mark.parametrize("outcome", ["APPROVED", "DECLINED"])
async def test_an_underwriter_settles_a_referral(harness, shopper, make_token, outcome):
    checkout = harness.checkout()
    referred = (
        await call(
            harness, "POST", "/applications", token=shopper("thin"), json=apply_body(checkout)
        )
    ).json()
    assert referred["decision"]["outcome"] == "REFERRED"
    path = f"/applications/{referred['id']}/review"
    underwriter = make_token(sub="uw-1", groups=("underwriters",))
    body = {"outcome": outcome, "note": "Payslips checked by phone"}

    refused = await call(harness, "POST", path, token=shopper("thin"), json=body)
    assert (refused.status_code, refused.json()["error"]) == (403, "Unauthorized")

    settled = (await call(harness, "POST", path, token=underwriter, json=body)).json()
    assert settled["decision"]["outcome"] == outcome
    assert settled["decision"]["review"]["note"] == "Payslips checked by phone"
    assert settled["steps"][-1]["name"] == "UnderwriterReview"
    assert bool(settled["offers"]) == (outcome == "APPROVED")
    if outcome == "DECLINED":
        assert settled["decision"]["reasons"]
    stored = harness.checkouts.get(checkout.id)
    assert stored is not None
    assert stored.applicants["sandbox-thin"] == Applicant(
        application_id=referred["id"], outcome=CheckoutStatus(outcome)
    )
    assert harness.updates.checkouts[-1]["status"] == outcome
    records = harness.store.records({VelocityKey.CUSTOMER: "sandbox-thin"})
    [held] = [a for a in records.prior.by_key[VelocityKey.CUSTOMER] if a.id == referred["id"]]
    assert held.outcome == outcome  # the exposure of the shopper's next application sees it

    twice = await call(harness, "POST", path, token=underwriter, json=body)
    assert (twice.status_code, twice.json()["error"]) == (409, "InvalidState")


async def test_only_a_referral_can_be_reviewed(harness, shopper, make_token):
    approved = (
        await call(
            harness, "POST", "/applications", token=shopper(), json=apply_body(harness.checkout())
        )
    ).json()
    response = await call(
        harness,
        "POST",
        f"/applications/{approved['id']}/review",
        token=make_token(sub="uw-1", groups=("underwriters",)),
        json={"outcome": "DECLINED", "note": "no"},
    )
    assert response.json()["error"] == "InvalidState"


def test_concurrent_applications_with_one_key_make_one_application_and_one_run(
    harness, shopper, scan
):
    checkout = harness.checkout()
    body = apply_body(checkout)
    token = shopper(sub="racer")
    runs_before = harness.bureau.calls
    answers: list[httpx.Response] = []
    lock = threading.Lock()
    with ServedApp(harness.app) as server:
        start = threading.Barrier(8)

        def apply() -> None:
            with httpx.Client(base_url=server.url, timeout=30) as http:
                start.wait()
                response = http.post(
                    "/applications", json=body, headers={"authorization": f"Bearer {token}"}
                )
            with lock:
                answers.append(response)

        threads = [threading.Thread(target=apply) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert [r.status_code for r in answers] == [200] * 8, [r.text for r in answers]
    assert len({r.json()["id"] for r in answers}) == 1
    assert {r.json()["status"] for r in answers} == {"DECIDED"}
    assert harness.bureau.calls == runs_before + 1  # every run asks the bureau once
    [item] = [i for i in scan("applications") if i["checkout_id"]["S"] == checkout.id]
    assert item["attempts"]["N"] == "1"
