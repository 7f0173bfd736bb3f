"""A credit decision and an underwriter's review each leave exactly one audit entry in their
application's stream, with who, the request, the outcome before and after and the evidence by
reference; underwriters read the trail (`GET /applications/{id}/audit`), nobody else. Through
the credit service's HTTP API on DynamoDB Local, the workflow with the sandbox bureau."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from services.credit.models import ApplicationModel
from services.shared.audit.chain import Entry, digest
from services.shared.audit.store import AuditLog
from services.shared.dynamodb import bind
from tests.conftest import IdentityProvider
from tests.functional.services.application_harness import Harness, build_harness
from tests.functional.services.conftest import SHOP_ARN

pytestmark = [pytest.mark.ddblocal, pytest.mark.anyio]

UNDERWRITER = "underwriter-7"


@pytest.fixture(scope="module")
def harness(ddb_settings, merchants) -> Harness:
    return build_harness(ddb_settings)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def call(
    harness: Harness,
    method: str,
    path: str,
    *,
    headers: dict[str, str],
    json: Any = None,
) -> httpx.Response:
    transport = httpx.ASGITransport(app=harness.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://credit.test") as c:
        return await c.request(method, path, json=json, headers=headers)


def bearer(token: str, rid: str | None = None) -> dict[str, str]:
    return {"authorization": f"Bearer {token}", "x-amzn-requestid": rid or str(uuid.uuid4())}


@pytest.fixture
def entries(ddb_settings):
    def read(application_id: str) -> list[Entry]:
        return AuditLog(ddb_settings).trail(f"application#{application_id}")

    return read


@pytest.fixture
def referred(harness, make_token) -> Any:
    """A new shopper of the `thin` persona (too little history) applies in the request `rid`:
    their REFERRED application."""

    async def apply(rid: str) -> tuple[str, dict[str, Any]]:
        sub = harness.register("thin")
        checkout = harness.checkout()
        body = {"checkoutId": checkout.id, "idempotencyKey": str(uuid.uuid4())}
        token = make_token(sub=sub)
        response = await call(
            harness, "POST", "/applications", headers=bearer(token, rid), json=body
        )
        assert response.status_code == 200, response.text
        application = response.json()
        assert application["decision"]["outcome"] == "REFERRED"
        return sub, application

    return apply


class TestDecision:
    async def test_a_decision_is_its_applications_first_entry(
        self, harness, referred, entries, ddb_settings
    ):
        rid = str(uuid.uuid4())
        sub, application = await referred(rid)
        [entry] = entries(application["id"])
        assert (entry.sequence, entry.action, entry.actor, entry.request_id) == (
            1,
            "application.decided",
            sub,
            rid,
        )
        assert entry.before == {"status": "PENDING", "outcome": None}
        assert entry.after == {"status": "DECIDED", "outcome": "REFERRED"}
        decision = application["decision"]
        assert entry.evidence["policyVersion"] == decision["policyVersion"]
        assert entry.evidence["modelVersion"] == decision["modelVersion"]
        assert entry.evidence["reasons"] == [r["code"] for r in decision["reasons"]]
        assert entry.evidence["checkoutId"] == application["checkoutId"]
        assert entry.evidence["customerId"] == sub
        stored = harness.store.get(application["id"])
        assert stored is not None
        assert entry.evidence["decisionSha256"] == digest(stored.decision)
        model = bind(ApplicationModel, ddb_settings)
        assert AuditLog(ddb_settings).head(model, application["id"]) == entry.head

    async def test_a_retry_with_the_same_key_writes_no_second_entry(
        self, harness, make_token, entries
    ):
        sub = harness.register("approve")
        checkout = harness.checkout()
        body = {"checkoutId": checkout.id, "idempotencyKey": str(uuid.uuid4())}
        headers = bearer(make_token(sub=sub))
        first = await call(harness, "POST", "/applications", headers=headers, json=body)
        again = await call(harness, "POST", "/applications", headers=headers, json=body)
        assert again.json() == first.json()
        [entry] = entries(first.json()["id"])
        assert entry.after == {"status": "DECIDED", "outcome": "APPROVED"}


class TestReview:
    async def test_an_underwriters_review_is_the_next_entry(
        self, harness, referred, entries, make_token
    ):
        _, application = await referred(str(uuid.uuid4()))
        rid, note = str(uuid.uuid4()), "Payslips seen: income confirmed."
        token = make_token(sub=UNDERWRITER, groups=("underwriters",))
        response = await call(
            harness,
            "POST",
            f"/applications/{application['id']}/review",
            headers=bearer(token, rid),
            json={"outcome": "APPROVED", "note": note},
        )
        assert response.status_code == 200, response.text
        decided, reviewed = entries(application["id"])
        assert (reviewed.sequence, reviewed.prev_hash) == (2, decided.hash)
        assert (reviewed.action, reviewed.actor, reviewed.request_id) == (
            "application.reviewed",
            UNDERWRITER,
            rid,
        )
        assert reviewed.before == {"status": "DECIDED", "outcome": "REFERRED"}
        assert reviewed.after == {"status": "DECIDED", "outcome": "APPROVED"}
        assert reviewed.evidence["noteSha256"] == digest(note)
        assert reviewed.evidence["offerIds"] == [o["id"] for o in response.json()["offers"]]


class TestReadingTheTrail:
    async def test_underwriters_read_the_trail_in_order(
        self, harness, referred, entries, make_token
    ):
        _, application = await referred(str(uuid.uuid4()))
        token = make_token(sub=UNDERWRITER, groups=("underwriters",))
        path = f"/applications/{application['id']}/audit"
        response = await call(harness, "GET", path, headers=bearer(token))
        assert response.status_code == 200, response.text
        assert response.json() == {"items": [e.to_json() for e in entries(application["id"])]}
        [item] = response.json()["items"]
        assert (item["sequence"], item["action"], item["previousHash"]) == (
            1,
            "application.decided",
            "",
        )

    async def test_the_applicant_and_other_customers_find_nothing(
        self, harness, referred, make_token
    ):
        sub, application = await referred(str(uuid.uuid4()))
        path = f"/applications/{application['id']}/audit"
        for token in (make_token(sub=sub), make_token(sub="someone-else")):
            response = await call(harness, "GET", path, headers=bearer(token))
            assert (response.status_code, response.json()["error"]) == (404, "NotFound")

    async def test_merchants_are_refused_and_unknown_ids_are_not_found(
        self, harness, referred, make_token, idp: IdentityProvider
    ):
        _, application = await referred(str(uuid.uuid4()))
        merchant = {
            "authorization": f"Bearer {idp.service_token()}",
            "x-bnpl-caller-arn": SHOP_ARN,
        }
        path = f"/applications/{application['id']}/audit"
        response = await call(harness, "GET", path, headers=merchant)
        assert (response.status_code, response.json()["error"]) == (403, "Unauthorized")
        underwriter = make_token(sub=UNDERWRITER, groups=("underwriters",))
        response = await call(
            harness, "GET", "/applications/app_none/audit", headers=bearer(underwriter)
        )
        assert (response.status_code, response.json()["error"]) == (404, "NotFound")
