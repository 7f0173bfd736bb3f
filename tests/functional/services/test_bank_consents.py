"""Open-banking consents over HTTP: the user app in process, real JWTs, DynamoDB Local.

The clock is injected (one for the consents and the sandbox bank) so tests can expire consents
and let the 90-day reconfirmation fall due.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.user.app import create_app
from services.user.consents.service import ConsentService
from services.user.consents.store import DynamoConsentRepository
from services.user.sandbox_bank.bank import SandboxBank

pytestmark = [pytest.mark.ddblocal, pytest.mark.anyio]

START = datetime(2026, 5, 14, 9, 30, tzinfo=UTC)
BASE = "/customers/me/bank-consents"
AFFORDABILITY = [
    "ReadAccountsBasic",
    "ReadBalances",
    "ReadTransactionsDetail",
    "ReadTransactionsCredits",
    "ReadTransactionsDebits",
]


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(ddb_settings, clock) -> ConsentService:
    return ConsentService(
        repository=DynamoConsentRepository(ddb_settings), bank=SandboxBank(clock=clock), clock=clock
    )


@pytest.fixture
async def client(ddb_settings, service):
    app = create_app(ddb_settings, consents=service)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://user.test") as test_client:
        yield test_client


@pytest.fixture
def customer(make_token):
    """Makes a customer's authorization header: a fresh one, or the given sub's."""

    def make(sub: str | None = None) -> dict[str, str]:
        sub = sub or f"sub-{uuid.uuid4()}"
        return {"authorization": make_token(sub=sub, email=f"{sub}@example.test")}

    return make


async def grant(client, auth, permissions=AFFORDABILITY, **extra: Any) -> dict[str, Any]:
    response = await client.post(BASE, json={"permissions": permissions, **extra}, headers=auth)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


class TestGrant:
    async def test_the_sandbox_bank_authorises_at_once(self, client, customer):
        auth = customer()
        consent = await grant(client, auth)
        assert consent == {
            "id": consent["id"],
            "status": "AUTHORISED",
            "permissions": sorted(AFFORDABILITY),
            "expiresAt": "2026-08-12T09:30:00.000Z",  # 90 days by default
            "createdAt": "2026-05-14T09:30:00.000Z",
            "statusUpdatedAt": "2026-05-14T09:30:00.000Z",
            "authorisedAt": "2026-05-14T09:30:00.000Z",
            "reconfirmBy": "2026-08-12T09:30:00.000Z",
        }
        uuid.UUID(consent["id"])
        fetched = await client.get(f"{BASE}/{consent['id']}", headers=auth)
        assert (fetched.status_code, fetched.json()) == (200, consent)

    async def test_a_persona_the_bank_refuses_is_rejected(self, client, customer):
        auth = customer("sandbox-fraud")
        consent = await grant(client, auth, expiresAt="2026-06-01T00:00:00Z")
        assert consent["status"] == "REJECTED"
        assert consent["authorisedAt"] is None
        assert consent["expiresAt"] == "2026-06-01T00:00:00.000Z"
        data = await client.get(f"{BASE}/{consent['id']}/data", headers=auth)
        assert data.status_code == 409
        assert data.json()["error"] == "InvalidState"
        # OBIE: Rejected is final; there is nothing to revoke.
        revoked = await client.post(f"{BASE}/{consent['id']}/revoke", headers=auth)
        assert revoked.status_code == 409
        assert revoked.json()["details"] == {"status": "REJECTED"}

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"permissions": ["ReadPAN"]}, "permissions"),
            ({"permissions": []}, "permissions"),
            ({"permissions": ["ReadTransactionsCredits"]}, "permissions"),
            ({"permissions": ["ReadTransactionsBasic"]}, "permissions"),
            ({"permissions": ["ReadBalances"], "expiresAt": "2026-05-01T00:00:00Z"}, "expiresAt"),
            ({"permissions": ["ReadBalances"], "expiresAt": "2027-06-01T00:00:00Z"}, "expiresAt"),
            ({"permissions": ["ReadBalances"], "expiresAt": "tomorrow"}, "expiresAt"),
            ({"permissions": ["ReadBalances"], "accountIds": ["a"]}, "accountIds"),
        ],
    )
    async def test_bad_input_names_the_field_and_writes_nothing(
        self, client, customer, scan, body, field
    ):
        before = scan("bank_consents")
        response = await client.post(BASE, json=body, headers=customer())
        assert response.status_code == 400
        assert response.json()["error"] == "ValidationError"
        assert response.json()["details"]["field"] == field
        assert scan("bank_consents") == before

    async def test_list_is_the_customers_own_newest_first(self, client, customer, clock):
        auth = customer()
        first = await grant(client, auth)
        clock.now += timedelta(minutes=5)
        second = await grant(client, auth, permissions=["ReadBalances"])
        await grant(client, customer())  # someone else's
        listed = await client.get(BASE, headers=auth)
        assert listed.status_code == 200
        assert [c["id"] for c in listed.json()["items"]] == [second["id"], first["id"]]


class TestOwnership:
    """Another customer's consent is NotFound (as an unknown id is) and stays untouched."""

    async def test_cannot_read_revoke_reconfirm_or_use_anothers_consent(
        self, client, customer, scan
    ):
        owner = customer()
        consent = await grant(client, owner)
        intruder = customer()
        stored = scan("bank_consents")
        unknown = await client.get(f"{BASE}/{uuid.uuid4()}", headers=intruder)
        for method, path in [
            ("GET", f"{BASE}/{consent['id']}"),
            ("POST", f"{BASE}/{consent['id']}/revoke"),
            ("POST", f"{BASE}/{consent['id']}/reconfirm"),
            ("GET", f"{BASE}/{consent['id']}/data"),
        ]:
            response = await client.request(method, path, headers=intruder)
            assert response.status_code == 404, (method, path)
            assert (
                response.json()
                == unknown.json()
                == {
                    "error": "NotFound",
                    "message": "Bank consent not found",
                }
            )
        assert scan("bank_consents") == stored
        still = await client.get(f"{BASE}/{consent['id']}", headers=owner)
        assert still.json()["status"] == "AUTHORISED"

    async def test_a_service_token_is_not_a_customer(self, client, idp):
        response = await client.get(
            BASE, headers={"authorization": f"Bearer {idp.service_token()}"}
        )
        assert response.status_code == 403
        assert response.json()["error"] == "Unauthorized"


class TestIds:
    """A path id no consent can have is NotFound like an unknown one, and touches nothing."""

    @pytest.mark.parametrize("length", [129, 30_000])
    async def test_an_over_long_id_is_not_found_and_says_the_limit(
        self, client, customer, scan, length
    ):
        auth = customer()
        await grant(client, auth)
        stored = scan("bank_consents")
        path = f"{BASE}/{'c' * length}"
        for method, url in [
            ("GET", path),
            ("POST", f"{path}/revoke"),
            ("POST", f"{path}/reconfirm"),
            ("GET", f"{path}/data"),
        ]:
            response = await client.request(method, url, headers=auth)
            assert response.status_code == 404, (method, length)
            assert response.json() == {
                "error": "NotFound",
                "message": "Bank consent not found: consent ids are 1 to 128 characters",
            }
        assert scan("bank_consents") == stored

    async def test_an_empty_id_is_not_found_never_a_redirect(self, client, customer):
        auth = customer()
        for method, url in [
            ("GET", f"{BASE}/"),
            ("POST", f"{BASE}//revoke"),
            ("POST", f"{BASE}//reconfirm"),
            ("GET", f"{BASE}//data"),
        ]:
            response = await client.request(method, url, headers=auth)
            assert (response.status_code, response.json()["error"]) == (404, "NotFound"), url


class TestRevocation:
    async def test_revoke_then_no_bank_data_and_no_second_revoke(self, client, customer, clock):
        auth = customer("sandbox-approve-" + uuid.uuid4().hex[:6])
        consent = await grant(client, auth)
        path = f"{BASE}/{consent['id']}"
        assert (await client.get(f"{path}/data", headers=auth)).status_code == 200
        clock.now += timedelta(hours=1)
        revoked = await client.post(f"{path}/revoke", headers=auth)
        assert revoked.status_code == 200
        assert revoked.json()["status"] == "REVOKED"
        assert revoked.json()["statusUpdatedAt"] == "2026-05-14T10:30:00.000Z"
        assert revoked.json()["reconfirmBy"] is None

        data = await client.get(f"{path}/data", headers=auth)
        assert data.status_code == 409
        assert data.json() == {
            "error": "InvalidState",
            "message": "Consent is REVOKED: it gives no access to bank data",
            "details": {"status": "REVOKED"},
        }
        again = await client.post(f"{path}/revoke", headers=auth)
        assert again.status_code == 409
        assert again.json()["error"] == "InvalidState"
        assert again.json()["details"] == {"status": "REVOKED"}

    async def test_revoke_by_post_keeps_the_consent_readable_as_revoked(self, client, customer):
        # Found by fuzzing (use after DELETE): revoking is a change of state, so it has its own
        # POST route, and the consent has no DELETE (it is not deleted).
        auth = customer("sandbox-approve-" + uuid.uuid4().hex[:6])
        consent = await grant(client, auth)
        path = f"{BASE}/{consent['id']}"
        revoked = await client.post(f"{path}/revoke", headers=auth)
        assert (revoked.status_code, revoked.json()["status"]) == (200, "REVOKED")
        read = await client.get(path, headers=auth)
        assert (read.status_code, read.json()) == (200, revoked.json())
        again = await client.post(f"{path}/revoke", headers=auth)
        assert (again.status_code, again.json()["details"]) == (409, {"status": "REVOKED"})
        assert (await client.delete(path, headers=auth)).status_code == 405
        document = (await client.get("/openapi.json")).json()
        assert "delete" not in document["paths"][f"{BASE}/{{consentId}}"]

    async def test_racing_revocations_succeed_once(self, service, customer):
        sub = f"sub-{uuid.uuid4()}"
        consent = service.grant(customer_id=sub, payload={"permissions": ["ReadBalances"]})
        outcomes: list[str] = []
        barrier = threading.Barrier(8)

        def revoke() -> None:
            barrier.wait()
            try:
                service.revoke(customer_id=sub, consent_id=consent.id)
                outcomes.append("revoked")
            except Exception as exc:
                outcomes.append(type(exc).__name__)

        threads = [threading.Thread(target=revoke) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["InvalidState"] * 7 + ["revoked"]


class TestExpiry:
    async def test_an_expired_consent_yields_no_bank_data(self, client, customer, clock, scan):
        auth = customer()
        consent = await grant(client, auth, expiresAt="2026-05-15T09:30:00Z")
        path = f"{BASE}/{consent['id']}"
        clock.now = datetime(2026, 5, 15, 9, 29, 59, tzinfo=UTC)
        assert (await client.get(f"{path}/data", headers=auth)).status_code == 200

        clock.now = datetime(2026, 5, 15, 9, 30, tzinfo=UTC)
        data = await client.get(f"{path}/data", headers=auth)
        assert data.status_code == 409
        assert data.json()["details"] == {"status": "EXPIRED"}
        assert "accounts" not in data.text
        read = await client.get(path, headers=auth)
        assert read.json()["status"] == "EXPIRED"
        assert read.json()["statusUpdatedAt"] == "2026-05-15T09:30:00.000Z"
        # Written back on that read, so the table tells the truth too.
        stored = next(i for i in scan("bank_consents") if i["id"]["S"] == consent["id"])
        assert stored["status"]["S"] == "EXPIRED"
        revoke = await client.post(f"{path}/revoke", headers=auth)
        assert revoke.status_code == 409
        assert revoke.json()["details"] == {"status": "EXPIRED"}

    async def test_no_bank_data_while_reconfirmation_is_overdue(self, client, customer, clock):
        auth = customer()
        consent = await grant(client, auth, expiresAt="2027-05-01T00:00:00Z")
        path = f"{BASE}/{consent['id']}"
        clock.now = START + timedelta(days=90)
        data = await client.get(f"{path}/data", headers=auth)
        assert data.status_code == 409
        assert data.json()["details"] == {
            "status": "AUTHORISED",
            "reconfirmBy": "2026-08-12T09:30:00.000Z",
        }
        reconfirmed = await client.post(f"{path}/reconfirm", headers=auth)
        assert reconfirmed.status_code == 200
        assert reconfirmed.json()["reconfirmBy"] == "2026-11-10T09:30:00.000Z"
        assert (await client.get(f"{path}/data", headers=auth)).status_code == 200


class TestBankData:
    async def test_affordability_permissions_read_everything(self, client, customer):
        auth = customer("sandbox-decline")
        consent = await grant(client, auth)
        response = await client.get(f"{BASE}/{consent['id']}/data", headers=auth)
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"consentId", "accounts", "balances", "transactions"}
        assert body["consentId"] == consent["id"]
        assert "Account" not in body["accounts"][0]  # Basic, not Detail
        assert body["balances"][0]["CreditDebitIndicator"] == "Debit"
        directions = {t["CreditDebitIndicator"] for t in body["transactions"]}
        assert directions == {"Credit", "Debit"}
        categories = {t["SupplementaryData"]["Category"] for t in body["transactions"]}
        assert {"GAMBLING", "RETURNED_DIRECT_DEBIT", "SALARY"} <= categories
        booked = [t["BookingDateTime"] for t in body["transactions"]]
        assert booked[0] >= "2025-05-13"
        assert booked[-1] < "2026-05-14"

    async def test_credits_only_basic_gives_no_debits_and_no_detail(self, client, customer):
        auth = customer("sandbox-approve")
        consent = await grant(
            client, auth, permissions=["ReadTransactionsBasic", "ReadTransactionsCredits"]
        )
        body = (await client.get(f"{BASE}/{consent['id']}/data", headers=auth)).json()
        assert set(body) == {"consentId", "transactions"}  # no accounts, no balances
        assert body["transactions"]
        assert {t["CreditDebitIndicator"] for t in body["transactions"]} == {"Credit"}
        for transaction in body["transactions"]:
            assert not {"TransactionInformation", "MerchantDetails", "SupplementaryData"} & set(
                transaction
            )

    async def test_debits_detail_and_accounts_detail(self, client, customer):
        auth = customer("sandbox-approve")
        consent = await grant(
            client,
            auth,
            permissions=["ReadAccountsDetail", "ReadTransactionsDetail", "ReadTransactionsDebits"],
        )
        body = (await client.get(f"{BASE}/{consent['id']}/data", headers=auth)).json()
        assert set(body) == {"consentId", "accounts", "transactions"}
        assert body["accounts"][0]["Account"][0]["SchemeName"] == "UK.OBIE.SortCodeAccountNumber"
        assert {t["CreditDebitIndicator"] for t in body["transactions"]} == {"Debit"}
        assert all("TransactionInformation" in t for t in body["transactions"])

    async def test_balances_only(self, client, customer):
        auth = customer("sandbox-approve")
        consent = await grant(client, auth, permissions=["ReadBalances"])
        body = (await client.get(f"{BASE}/{consent['id']}/data", headers=auth)).json()
        assert set(body) == {"consentId", "balances"}
        assert body["balances"][0]["Amount"] == {"Amount": 234_055, "Currency": "GBP"}

    async def test_a_window_bounds_the_transactions(self, client, customer):
        auth = customer("sandbox-approve")
        consent = await grant(client, auth)
        path = f"{BASE}/{consent['id']}/data"
        window = {
            "fromBookingDateTime": "2026-03-01T00:00:00Z",
            "toBookingDateTime": "2026-04-01T00:00:00Z",
        }
        body = (await client.get(path, params=window, headers=auth)).json()
        booked = [t["BookingDateTime"] for t in body["transactions"]]
        assert booked
        assert all(b.startswith("2026-03-") for b in booked)
        salaries = [
            t for t in body["transactions"] if t["SupplementaryData"]["Category"] == "SALARY"
        ]
        assert len(salaries) == 1

        backwards = {
            "fromBookingDateTime": "2026-04-01T00:00:00Z",
            "toBookingDateTime": "2026-03-01T00:00:00Z",
        }
        for params, field in [
            (backwards, "fromBookingDateTime"),
            ({"toBookingDateTime": "yesterday"}, "toBookingDateTime"),
            ({"accountId": "x"}, "accountId"),
        ]:
            refused = await client.get(path, params=params, headers=auth)
            assert refused.status_code == 400
            assert refused.json()["details"]["field"] == field
