"""Every change of a bank consent's status leaves exactly one audit entry in the consent's
stream, written with it: the customer's grant (requested, then the bank's answer), revocation and
reconfirmation, the bank's signed notification, an expiry noticed on reading. The user app in
process on DynamoDB Local, real JWTs, the sandbox bank, an injected clock."""

from __future__ import annotations

import base64
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.shared.audit.chain import SYSTEM, Entry
from services.shared.audit.store import AuditLog
from services.shared.timestamps import utc_now
from services.user.app import create_app
from services.user.consents.audit import BANK
from services.user.consents.notifications import NotificationType
from services.user.consents.service import ConsentService
from services.user.consents.store import DynamoConsentRepository
from services.user.sandbox_bank.bank import SandboxBank
from services.user.sandbox_bank.notifications import consent_notification_body, sign_notification

pytestmark = [pytest.mark.ddblocal, pytest.mark.anyio]

START = datetime(2026, 5, 14, 9, 30, tzinfo=UTC)
BASE = "/customers/me/bank-consents"
SECRET = "whsec_" + base64.b64encode(b"the sandbox bank's secret, 32 b.").decode()
PERMISSIONS = ["ReadAccountsBasic", "ReadBalances"]


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def client(ddb_settings, clock):
    service = ConsentService(
        repository=DynamoConsentRepository(ddb_settings), bank=SandboxBank(clock=clock), clock=clock
    )
    app = create_app(replace(ddb_settings, bank_webhook_secret=SECRET), consents=service)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://user.test"
    ) as test_client:
        yield test_client


@pytest.fixture
def customer(make_token):
    """A new customer (or the given sub): their sub and a header maker carrying request `rid`."""

    def make(sub: str | None = None) -> tuple[str, Any]:
        sub = sub or f"sub-{uuid.uuid4()}"
        token = make_token(sub=sub, email=f"{sub}@example.test")
        return sub, lambda rid: {"authorization": token, "x-amzn-requestid": rid}

    return make


@pytest.fixture
def entries(ddb_settings):
    def read(sub: str, consent_id: str) -> list[Entry]:
        return AuditLog(ddb_settings).trail(f"consent#{sub}#{consent_id}")

    return read


def rid() -> str:
    return str(uuid.uuid4())


async def grant(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    response = await client.post(BASE, json={"permissions": PERMISSIONS}, headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


class TestTheCustomersChanges:
    async def test_a_grant_is_requested_then_authorised_by_the_bank(
        self, client, customer, entries
    ):
        sub, headers = customer()
        request = rid()
        consent = await grant(client, headers(request))
        requested, authorised = entries(sub, consent["id"])
        assert [(e.sequence, e.action, e.actor, e.request_id) for e in (requested, authorised)] == [
            (1, "consent.requested", sub, request),
            (2, "consent.authorised", sub, request),
        ]
        assert requested.before is None
        assert requested.after == {
            "status": "AWAITING_AUTHORISATION",
            "permissions": PERMISSIONS,
            "expiresAt": consent["expiresAt"],
        }
        assert authorised.before == {"status": "AWAITING_AUTHORISATION"}
        assert authorised.after["status"] == "AUTHORISED"
        assert authorised.prev_hash == requested.hash

    async def test_the_bank_refusing_is_recorded_as_a_rejection(self, client, customer, entries):
        sub, headers = customer("sandbox-fraud")
        consent = await grant(client, headers(rid()))
        assert consent["status"] == "REJECTED"
        assert [e.action for e in entries(sub, consent["id"])] == [
            "consent.requested",
            "consent.rejected",
        ]

    async def test_revoking_and_reconfirming_are_the_customers_entries(
        self, client, customer, entries
    ):
        sub, headers = customer()
        consent = await grant(client, headers(rid()))
        path = f"{BASE}/{consent['id']}"
        reconfirm, revoke = rid(), rid()
        assert (
            await client.post(f"{path}/reconfirm", headers=headers(reconfirm))
        ).status_code == 200
        assert (await client.post(f"{path}/revoke", headers=headers(revoke))).status_code == 200
        *_, reconfirmed, revoked = entries(sub, consent["id"])
        assert (reconfirmed.sequence, reconfirmed.action, reconfirmed.request_id) == (
            3,
            "consent.reconfirmed",
            reconfirm,
        )
        assert reconfirmed.before == {"status": "AUTHORISED"}
        assert (revoked.sequence, revoked.action, revoked.actor, revoked.request_id) == (
            4,
            "consent.revoked",
            sub,
            revoke,
        )
        assert revoked.after["status"] == "REVOKED"

    async def test_an_expiry_noticed_on_reading_is_the_systems(
        self, client, customer, entries, clock
    ):
        sub, headers = customer()
        consent = await grant(client, headers(rid()))
        clock.now = START + timedelta(days=91)
        read = await client.get(f"{BASE}/{consent['id']}", headers=headers(rid()))
        assert read.json()["status"] == "EXPIRED"
        expired = entries(sub, consent["id"])[-1]
        assert (expired.sequence, expired.action, expired.actor) == (3, "consent.expired", SYSTEM)


class TestTheBanksNotification:
    async def test_a_revocation_at_the_bank_is_the_banks_entry_once(
        self, client, customer, entries
    ):
        sub, headers = customer()
        consent = await grant(client, headers(rid()))
        body = consent_notification_body(
            NotificationType.CONSENT_REVOKED,
            consent_id=consent["id"],
            customer_id=sub,
            occurred_at=utc_now(),
        )
        notification = sign_notification(SECRET, body, signed_at=utc_now())
        request = rid()
        for _ in range(2):  # delivered twice: applied once
            response = await client.post(
                "/bank/notifications",
                content=notification.body,
                headers={**notification.headers, "x-amzn-requestid": request},
            )
            assert response.status_code == 204
        *_, revoked = entries(sub, consent["id"])
        assert (revoked.sequence, revoked.action, revoked.actor, revoked.request_id) == (
            3,
            "consent.revoked",
            BANK,
            request,
        )
        assert revoked.evidence == {"notificationId": notification.message_id}
