"""The credit service's bank-data client against the real user app (DynamoDB Local, real JWTs)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest

from bnpl.dynamodb_local import free_port
from services.credit.adapters.bank_data import AsyncBankDataClient, BankDataClient
from services.shared.errors import (
    DependencyFailure,
    InvalidState,
    NotFound,
    UnauthorizedException,
    ValidationError,
)
from services.user.app import create_app
from tests.functional.services.conftest import HeaderRecorder, ServedApp

pytestmark = [pytest.mark.ddblocal, pytest.mark.anyio]

USER = "http://user.test"
PERMISSIONS = [
    "ReadAccountsBasic",
    "ReadBalances",
    "ReadTransactionsDetail",
    "ReadTransactionsCredits",
    "ReadTransactionsDebits",
]


@pytest.fixture(scope="module")
def user_app(ddb_settings):
    return HeaderRecorder(create_app(ddb_settings))


@pytest.fixture
async def http(user_app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=user_app), timeout=5) as client:
        yield client


@pytest.fixture
def shopper(make_token):
    sub = f"sub-{uuid.uuid4()}"
    return f"Bearer {make_token(sub=sub, email=f'{sub}@example.test')}"


async def grant(http: httpx.AsyncClient, authorization: str, permissions=PERMISSIONS) -> str:
    response = await http.post(
        f"{USER}/customers/me/bank-consents",
        json={"permissions": permissions},
        headers={"authorization": authorization},
    )
    assert response.status_code == 201
    return str(response.json()["id"])


class TestAsyncClient:
    async def test_reads_the_bank_data_with_the_customers_token(self, http, user_app, shopper):
        consent_id = await grant(http, shopper)
        client = AsyncBankDataClient(base_url=USER, http=http)
        data = await client.bank_data(authorization=shopper, consent_id=consent_id)
        assert data.consent_id == consent_id
        assert data.accounts is not None
        assert data.accounts[0]["Currency"] == "GBP"
        assert data.balances is not None
        assert isinstance(data.balances[0]["Amount"]["Amount"], int)
        assert data.transactions is not None
        assert len(data.transactions) > 100
        # Forwarded exactly as given: the user service verifies the customer's own token.
        assert user_app.header("x-forwarded-authorization") == shopper.encode()

    async def test_a_window_and_what_the_consent_leaves_out(self, http, shopper):
        consent_id = await grant(
            http, shopper, ["ReadTransactionsBasic", "ReadTransactionsCredits"]
        )
        client = AsyncBankDataClient(base_url=f"{USER}/", http=http)
        data = await client.bank_data(
            authorization=shopper,
            consent_id=consent_id,
            from_=datetime(2020, 1, 1, tzinfo=UTC),
            to=datetime(2020, 2, 1, tzinfo=UTC),
        )
        assert (data.accounts, data.balances, data.transactions) == (None, None, [])

    async def test_errors_keep_their_codes(self, http, shopper, make_token):
        consent_id = await grant(http, shopper)
        client = AsyncBankDataClient(base_url=USER, http=http)
        someone_else = f"Bearer {make_token(sub=f'sub-{uuid.uuid4()}')}"
        with pytest.raises(NotFound):
            await client.bank_data(authorization=someone_else, consent_id=consent_id)
        with pytest.raises(UnauthorizedException):
            await client.bank_data(authorization="Bearer not-a-jwt", consent_id=consent_id)
        with pytest.raises(NotFound):
            await client.bank_data(authorization=shopper, consent_id="../../customers/me")
        revoked = await http.post(
            f"{USER}/customers/me/bank-consents/{consent_id}/revoke",
            headers={"authorization": shopper},
        )
        assert revoked.status_code == 200
        with pytest.raises(InvalidState) as caught:
            await client.bank_data(authorization=shopper, consent_id=consent_id)
        assert caught.value.details == {"status": "REVOKED"}
        with pytest.raises(ValidationError):
            await client.bank_data(
                authorization=shopper,
                consent_id=consent_id,
                from_=datetime(2026, 2, 1, tzinfo=UTC),
                to=datetime(2026, 1, 1, tzinfo=UTC),
            )


class TestSyncClient:
    def test_reads_over_real_http(self, user_app, make_token):
        sub = f"sub-{uuid.uuid4()}"
        token = f"Bearer {make_token(sub=sub, email=f'{sub}@example.test')}"
        with ServedApp(user_app) as server, httpx.Client(timeout=5) as http:
            granted = http.post(
                f"{server.url}/customers/me/bank-consents",
                json={"permissions": ["ReadBalances"]},
                headers={"authorization": token},
            )
            client = BankDataClient(base_url=server.url, http=http)
            data = client.bank_data(authorization=token, consent_id=granted.json()["id"])
        assert data.balances is not None
        assert (data.accounts, data.transactions) == (None, None)

    def test_an_unreachable_user_service_is_a_dependency_failure(self, shopper):
        with httpx.Client(timeout=1) as http:
            client = BankDataClient(base_url=f"http://127.0.0.1:{free_port()}", http=http)
            with pytest.raises(DependencyFailure, match="unavailable"):
                client.bank_data(authorization=shopper, consent_id="c")

    @pytest.mark.parametrize(
        "response",
        [
            httpx.Response(500, json={"error": "InternalError", "message": "boom"}),
            httpx.Response(502, text="<html>bad gateway</html>"),
            httpx.Response(200, json={"accounts": []}),
            httpx.Response(200, json={"consentId": "c", "transactions": {"not": "a list"}}),
        ],
        ids=["internal-error", "html-502", "no-consent-id", "malformed"],
    )
    def test_a_failing_user_service_is_a_dependency_failure(self, response, shopper):
        # A stand-in user service: these answers are what the real one must never give.
        transport = httpx.MockTransport(lambda _: response)
        with httpx.Client(transport=transport) as http:
            client = BankDataClient(base_url=USER, http=http)
            with pytest.raises(DependencyFailure):
                client.bank_data(authorization=shopper, consent_id="c")
