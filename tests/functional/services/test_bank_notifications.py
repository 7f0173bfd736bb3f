"""The bank's consent notifications over HTTP: the user app in process, DynamoDB Local, real
Standard Webhooks signatures.

The consents' clock is injected (it decides `statusUpdatedAt` and expiry); the signatures'
five-minute tolerance is the library's, against the real clock, so notifications are signed at
the real time, give or take the minutes a test wants.
"""

from __future__ import annotations

import asyncio
import base64
import json
import stat
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import httpx
import pytest
from mangum.types import LambdaContext

from bnpl.bank_notifications import (
    SECRET_FILE,
    bank_webhook_secret,
    consent_customer,
    dev_webhook_secret,
    send_consent_notification,
)
from services.credit.adapters.bank_data import AsyncBankDataClient
from services.shared.errors import InvalidState
from services.shared.timestamps import utc_now
from services.user.app import create_app
from services.user.consents.domain import BankConsent, ConsentStatus, parse_grant
from services.user.consents.notifications import NotificationType, Recorded
from services.user.consents.service import ConsentService
from services.user.consents.store import DynamoConsentRepository
from services.user.lambda_handler import asgi_handler
from services.user.sandbox_bank.bank import SandboxBank
from services.user.sandbox_bank.notifications import (
    SignedNotification,
    consent_notification_body,
    sign_notification,
)
from tests.functional.services.conftest import ServedApp

pytestmark = [pytest.mark.ddblocal, pytest.mark.anyio]

USER = "http://user.test"
SECRET = "whsec_" + base64.b64encode(b"the sandbox bank's secret, 32 b.").decode()
OTHER_SECRET = "whsec_" + base64.b64encode(b"somebody else's secret, 32 bytes").decode()
START = datetime(2026, 5, 14, 9, 30, tzinfo=UTC)
LATER = START + timedelta(days=3)
YEAR = timedelta(days=365)
BASE = "/customers/me/bank-consents"
NOTIFICATIONS = "/bank/notifications"
REVOKED = NotificationType.CONSENT_REVOKED
EXPIRED = NotificationType.CONSENT_EXPIRED
PERMISSIONS = [
    "ReadAccountsBasic",
    "ReadBalances",
    "ReadTransactionsDetail",
    "ReadTransactionsCredits",
    "ReadTransactionsDebits",
]


class Clock:
    """The consents' clock, moved by hand."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def repository(ddb_settings) -> DynamoConsentRepository:
    return DynamoConsentRepository(ddb_settings)


@pytest.fixture
def service(repository, clock) -> ConsentService:
    return ConsentService(repository=repository, bank=SandboxBank(clock=clock), clock=clock)


@pytest.fixture
def user_app(ddb_settings, service):
    return create_app(replace(ddb_settings, bank_webhook_secret=SECRET), consents=service)


@pytest.fixture
async def client(user_app):
    transport = httpx.ASGITransport(app=user_app)
    async with httpx.AsyncClient(transport=transport, base_url=USER) as test_client:
        yield test_client


@pytest.fixture
def customer(make_token):
    """A new customer: their sub and authorization header."""

    def make() -> tuple[str, dict[str, str]]:
        sub = f"sub-{uuid.uuid4()}"
        return sub, {"authorization": make_token(sub=sub, email=f"{sub}@example.test")}

    return make


async def grant(client: httpx.AsyncClient, auth: dict[str, str], **extra: Any) -> dict[str, Any]:
    response = await client.post(BASE, json={"permissions": PERMISSIONS, **extra}, headers=auth)
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "AUTHORISED"
    body: dict[str, Any] = response.json()
    return body


def signed(
    kind: NotificationType,
    consent_id: str,
    customer_id: str,
    *,
    secret: str = SECRET,
    signed_at: datetime | None = None,
    message_id: str | None = None,
) -> SignedNotification:
    body = consent_notification_body(
        kind, consent_id=consent_id, customer_id=customer_id, occurred_at=utc_now()
    )
    return sign_notification(secret, body, signed_at=signed_at or utc_now(), message_id=message_id)


async def deliver(client: httpx.AsyncClient, notification: SignedNotification) -> httpx.Response:
    return await client.post(NOTIFICATIONS, content=notification.body, headers=notification.headers)


async def consent_of(client, auth, consent_id: str) -> dict[str, Any]:
    response = await client.get(f"{BASE}/{consent_id}", headers=auth)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


class TestApplied:
    async def test_a_revocation_at_the_bank_revokes_the_consent_and_stops_its_data(
        self, client, customer, clock, scan
    ):
        sub, auth = customer()
        consent = await grant(client, auth)
        assert (await client.get(f"{BASE}/{consent['id']}/data", headers=auth)).status_code == 200

        clock.now = LATER
        notification = signed(REVOKED, consent["id"], sub)
        response = await deliver(client, notification)

        assert (response.status_code, response.content) == (204, b"")
        after = await consent_of(client, auth, consent["id"])
        assert after == {
            **consent,
            "status": "REVOKED",
            "statusUpdatedAt": "2026-05-17T09:30:00.000Z",
            "reconfirmBy": None,
        }
        data = await client.get(f"{BASE}/{consent['id']}/data", headers=auth)
        assert data.status_code == 409
        assert data.json() == {
            "error": "InvalidState",
            "message": "Consent is REVOKED: it gives no access to bank data",
            "details": {"status": "REVOKED"},
        }
        # The id is remembered for a week, then DynamoDB drops it (TTL in epoch seconds).
        record = next(
            i for i in scan("bank_notifications") if i["id"]["S"] == notification.message_id
        )
        assert record["consent_id"]["S"] == consent["id"]
        assert record["received_at"]["S"].startswith("2026-05-17T09:30:00.000000")
        assert int(record["expires_at"]["N"]) == int((LATER + timedelta(days=7)).timestamp())

    async def test_the_credit_services_bank_data_client_is_refused_after_it(
        self, client, user_app, customer, clock
    ):
        # How a credit decision reads bank data: the user service, with the shopper's token.
        sub, auth = customer()
        consent = await grant(client, auth)
        bank_data = AsyncBankDataClient(base_url=USER, http=client)
        before = await bank_data.bank_data(
            authorization=auth["authorization"], consent_id=consent["id"]
        )
        assert before.transactions

        clock.now = LATER
        assert (await deliver(client, signed(REVOKED, consent["id"], sub))).status_code == 204

        with pytest.raises(InvalidState) as refused:
            await bank_data.bank_data(authorization=auth["authorization"], consent_id=consent["id"])
        assert refused.value.details == {"status": "REVOKED"}

    async def test_an_expiry_at_the_bank_expires_the_consent(self, client, customer, clock):
        sub, auth = customer()
        consent = await grant(client, auth, expiresAt="2027-01-01T00:00:00Z")
        clock.now = LATER

        response = await deliver(client, signed(EXPIRED, consent["id"], sub))

        assert response.status_code == 204
        after = await consent_of(client, auth, consent["id"])
        assert (after["status"], after["statusUpdatedAt"]) == (
            "EXPIRED",
            "2026-05-17T09:30:00.000Z",
        )
        # The term granted stays on record; the status says the bank ended it first.
        assert after["expiresAt"] == "2027-01-01T00:00:00.000Z"
        data = await client.get(f"{BASE}/{consent['id']}/data", headers=auth)
        assert (data.status_code, data.json()["details"]) == (409, {"status": "EXPIRED"})

    async def test_a_consent_awaiting_authorisation_is_ended_too(self, client, repository, clock):
        sub = f"sub-{uuid.uuid4()}"
        request = parse_grant({"permissions": ["ReadBalances"]}, now=START, max_duration=YEAR)
        pending = BankConsent.request(
            consent_id=str(uuid.uuid4()), customer_id=sub, request=request, now=START
        )
        repository.add(pending)
        clock.now = LATER

        assert (await deliver(client, signed(REVOKED, pending.id, sub))).status_code == 204

        stored = repository.get(sub, pending.id)
        assert stored is not None
        assert (stored.status, stored.status_updated_at) == (ConsentStatus.REVOKED, LATER)

    async def test_no_customer_token_is_needed_or_enough(self, client, customer):
        sub, auth = customer()
        consent = await grant(client, auth)
        # The customer's own token does not stand in for the bank's signature.
        response = await client.post(
            NOTIFICATIONS,
            json={
                "type": "consent.revoked",
                "timestamp": "2026-05-14T09:30:00Z",
                "data": {"consentId": consent["id"], "customerId": sub},
            },
            headers=auth,
        )
        assert (response.status_code, response.json()["error"]) == (401, "UnauthorizedException")
        assert (await consent_of(client, auth, consent["id"]))["status"] == "AUTHORISED"
        # Every other route still asks for a token.
        assert (await client.get("/customers/me")).status_code == 401
        assert (await client.get(f"{BASE}/{consent['id']}")).status_code == 401


class TestNothingChanges:
    async def test_the_same_notification_again_answers_204_and_changes_nothing(
        self, client, customer, clock, scan
    ):
        sub, auth = customer()
        consent = await grant(client, auth)
        clock.now = LATER
        notification = signed(REVOKED, consent["id"], sub)
        assert (await deliver(client, notification)).status_code == 204
        tables = (scan("bank_consents"), scan("bank_notifications"))

        clock.now = LATER + timedelta(hours=1)
        again = await deliver(client, notification)

        assert (again.status_code, again.content) == (204, b"")
        assert (scan("bank_consents"), scan("bank_notifications")) == tables
        after = await consent_of(client, auth, consent["id"])
        assert after["statusUpdatedAt"] == "2026-05-17T09:30:00.000Z"

    async def test_an_id_once_applied_is_never_applied_again_whatever_it_carries(
        self, client, customer, clock, scan
    ):
        # A bank re-signs a retry with a fresh timestamp and the same id: the id decides.
        sub, auth = customer()
        first = await grant(client, auth)
        second = await grant(client, auth)
        message_id = f"msg_{uuid.uuid4().hex}"
        applied = signed(REVOKED, first["id"], sub, message_id=message_id)
        assert (await deliver(client, applied)).status_code == 204
        notifications = scan("bank_notifications")

        reused = signed(REVOKED, second["id"], sub, message_id=message_id)
        response = await deliver(client, reused)

        assert response.status_code == 204
        assert (await consent_of(client, auth, second["id"]))["status"] == "AUTHORISED"
        assert scan("bank_notifications") == notifications

    async def test_concurrent_deliveries_apply_once(self, client, customer, clock, scan):
        sub, auth = customer()
        consent = await grant(client, auth)
        clock.now = LATER
        notification = signed(REVOKED, consent["id"], sub)

        answers = await asyncio.gather(*(deliver(client, notification) for _ in range(6)))

        assert [a.status_code for a in answers] == [204] * 6
        records = [i for i in scan("bank_notifications") if i["id"]["S"] == notification.message_id]
        assert len(records) == 1
        assert (await consent_of(client, auth, consent["id"]))["status"] == "REVOKED"

    async def test_a_consent_the_customer_revoked_stays_as_they_left_it(
        self, client, customer, clock, scan
    ):
        sub, auth = customer()
        consent = await grant(client, auth)
        clock.now = START + timedelta(hours=1)
        assert (
            await client.post(f"{BASE}/{consent['id']}/revoke", headers=auth)
        ).status_code == 200
        tables = (scan("bank_consents"), scan("bank_notifications"))
        clock.now = LATER

        for kind in (REVOKED, EXPIRED):
            response = await deliver(client, signed(kind, consent["id"], sub))
            assert response.status_code == 204

        assert (scan("bank_consents"), scan("bank_notifications")) == tables
        after = await consent_of(client, auth, consent["id"])
        assert (after["status"], after["statusUpdatedAt"]) == (
            "REVOKED",
            "2026-05-14T10:30:00.000Z",
        )

    async def test_a_consent_past_its_expiry_is_not_revoked(self, client, customer, clock):
        sub, auth = customer()
        consent = await grant(client, auth, expiresAt="2026-05-15T09:30:00Z")
        clock.now = LATER

        assert (await deliver(client, signed(REVOKED, consent["id"], sub))).status_code == 204

        after = await consent_of(client, auth, consent["id"])
        assert (after["status"], after["statusUpdatedAt"]) == (
            "EXPIRED",
            "2026-05-15T09:30:00.000Z",
        )

    @pytest.mark.parametrize("whose", ["unknown consent", "another customer's consent"])
    async def test_a_consent_the_customer_does_not_have_is_acknowledged(
        self, client, customer, scan, whose
    ):
        sub, auth = customer()
        consent = await grant(client, auth)
        tables = (scan("bank_consents"), scan("bank_notifications"))
        if whose == "unknown consent":
            notification = signed(REVOKED, str(uuid.uuid4()), sub)
        else:
            notification = signed(REVOKED, consent["id"], f"sub-{uuid.uuid4()}")

        response = await deliver(client, notification)

        # It will never become known: a retry would not help, so the bank need not make one.
        assert response.status_code == 204
        assert (scan("bank_consents"), scan("bank_notifications")) == tables


class TestRefused:
    @pytest.mark.parametrize(
        "forge",
        [
            pytest.param(
                lambda c, s: signed(REVOKED, c, s, secret=OTHER_SECRET), id="another secret"
            ),
            pytest.param(
                lambda c, s: signed(REVOKED, c, s, signed_at=utc_now() - timedelta(minutes=10)),
                id="stale",
            ),
            pytest.param(
                lambda c, s: signed(REVOKED, c, s, signed_at=utc_now() + timedelta(minutes=10)),
                id="from the future",
            ),
            pytest.param(
                lambda c, s: replace(
                    signed(EXPIRED, c, s),
                    body=consent_notification_body(
                        REVOKED, consent_id=c, customer_id=s, occurred_at=utc_now()
                    ),
                ),
                id="tampered body",
            ),
            pytest.param(
                lambda c, s: replace(
                    (n := signed(REVOKED, c, s)),
                    headers={**n.headers, "webhook-id": f"msg_{uuid.uuid4().hex}"},
                ),
                id="another id",
            ),
            pytest.param(
                lambda c, s: replace(
                    (n := signed(REVOKED, c, s)),
                    headers={k: v for k, v in n.headers.items() if k != "webhook-signature"},
                ),
                id="unsigned",
            ),
        ],
    )
    async def test_an_unauthentic_notification_is_401_and_changes_nothing(
        self, client, customer, scan, forge
    ):
        sub, auth = customer()
        consent = await grant(client, auth)
        tables = (scan("bank_consents"), scan("bank_notifications"))

        response = await deliver(client, forge(consent["id"], sub))

        assert response.status_code == 401
        assert response.json()["error"] == "UnauthorizedException"
        assert response.json()["message"].startswith("Bank notification refused")
        assert (scan("bank_consents"), scan("bank_notifications")) == tables
        data = await client.get(f"{BASE}/{consent['id']}/data", headers=auth)
        assert data.status_code == 200

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"type": "consent.authorised"}, "type"),
            ({"timestamp": "yesterday"}, "timestamp"),
            ({"timestamp": "2026-05-14T09:30:00"}, "timestamp"),
            ({"data": ["c-1"]}, "data"),
            ({"data": {"customerId": "sub-1"}}, "data.consentId"),
            ({"data": {"consentId": "c" * 129, "customerId": "sub-1"}}, "data.consentId"),
            ({"data": {"consentId": "c-1", "customerId": ""}}, "data.customerId"),
        ],
    )
    async def test_a_signed_body_that_is_no_notification_is_400(self, client, scan, payload, field):
        body = {
            "type": "consent.revoked",
            "timestamp": "2026-05-14T09:30:00Z",
            "data": {"consentId": "c-1", "customerId": "sub-1"},
            **payload,
        }
        notification = sign_notification(SECRET, json.dumps(body).encode(), signed_at=utc_now())
        tables = (scan("bank_consents"), scan("bank_notifications"))

        response = await deliver(client, notification)

        assert response.status_code == 400
        assert response.json()["error"] == "ValidationError"
        assert response.json()["details"] == {"field": field}
        assert (scan("bank_consents"), scan("bank_notifications")) == tables

    async def test_a_signed_body_that_is_not_json_is_400(self, client):
        notification = sign_notification(SECRET, b"consent revoked", signed_at=utc_now())
        response = await deliver(client, notification)
        assert (response.status_code, response.json()["error"]) == (400, "ValidationError")

    async def test_an_over_long_webhook_id_is_400(self, client):
        notification = signed(REVOKED, "c-1", "sub-1", message_id="m" * 129)
        response = await deliver(client, notification)
        assert response.status_code == 400
        assert response.json()["details"] == {"field": "webhook-id"}

    async def test_a_body_far_larger_than_a_notification_is_413(self, client):
        notification = sign_notification(
            SECRET, b'{"pad": "' + b"x" * 20_000 + b'"}', signed_at=utc_now()
        )
        response = await deliver(client, notification)
        assert (response.status_code, response.json()["error"]) == (413, "ValidationError")

    async def test_without_a_secret_the_service_refuses_with_503(
        self, ddb_settings, service, customer, scan
    ):
        app = create_app(ddb_settings, consents=service)
        assert ddb_settings.bank_webhook_secret is None
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=USER) as bare:
            sub, auth = customer()
            consent = await grant(bare, auth)
            tables = (scan("bank_consents"), scan("bank_notifications"))
            response = await deliver(bare, signed(REVOKED, consent["id"], sub))

        assert response.status_code == 503
        assert response.json() == {
            "error": "ServiceUnavailable",
            "message": "Bank notifications are not accepted: the user service has no bank "
            "webhook secret (BNPL_BANK_WEBHOOK_SECRET, or in AWS BNPL_BANK_WEBHOOK_SECRET_ARN)",
        }
        assert (scan("bank_consents"), scan("bank_notifications")) == tables

    def test_a_secret_that_is_no_whsec_value_stops_the_app(self, ddb_settings):
        for secret in ("hunter2", "whsec_", "whsec_!!!!"):
            with pytest.raises(ValueError, match="whsec_"):
                create_app(replace(ddb_settings, bank_webhook_secret=secret))


class TestRecord:
    """The write itself: the notification's id and the consent's new status, both or neither."""

    def test_an_id_is_recorded_once(self, repository, service):
        sub = f"sub-{uuid.uuid4()}"
        consent = service.grant(customer_id=sub, payload={"permissions": ["ReadBalances"]})
        revoked = consent.revoke(LATER)
        message_id = f"msg_{uuid.uuid4().hex}"

        first = repository.record_notification(
            message_id, revoked, expected=ConsentStatus.AUTHORISED, received_at=LATER
        )
        second = repository.record_notification(
            message_id, revoked, expected=ConsentStatus.AUTHORISED, received_at=LATER
        )

        assert (first, second) == (Recorded.APPLIED, Recorded.REPLAYED)

    def test_a_consent_changed_meanwhile_records_no_id(self, repository, service, scan):
        sub = f"sub-{uuid.uuid4()}"
        consent = service.grant(customer_id=sub, payload={"permissions": ["ReadBalances"]})
        service.revoke(customer_id=sub, consent_id=consent.id)
        message_id = f"msg_{uuid.uuid4().hex}"

        recorded = repository.record_notification(
            message_id,
            consent.expire(LATER),
            expected=ConsentStatus.AUTHORISED,
            received_at=LATER,
        )

        assert recorded is Recorded.CONSENT_CHANGED
        assert message_id not in {i["id"]["S"] for i in scan("bank_notifications")}
        stored = repository.get(sub, consent.id)
        assert stored is not None
        assert stored.status is ConsentStatus.REVOKED


class TestSandboxBank:
    """`bnpl bank`'s pieces: the dev secret and the signed POST, against a served user app."""

    def test_the_dev_secret_is_made_once_and_private(self, tmp_path):
        secret = dev_webhook_secret(tmp_path / "data")
        path = tmp_path / "data" / SECRET_FILE
        assert secret.startswith("whsec_")
        assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert dev_webhook_secret(tmp_path / "data") == secret
        assert bank_webhook_secret(tmp_path / "data", {}) == secret
        assert bank_webhook_secret(tmp_path / "data", {"BNPL_BANK_WEBHOOK_SECRET": SECRET}) == (
            SECRET
        )
        assert sorted(p.name for p in path.parent.iterdir()) == [SECRET_FILE]

    def test_a_damaged_secret_file_says_how_to_recover(self, tmp_path):
        (tmp_path / SECRET_FILE).write_text("not a secret\n")
        with pytest.raises(ValueError, match="delete it"):
            dev_webhook_secret(tmp_path)

    def test_the_sandbox_bank_revokes_a_consent_over_http(
        self, ddb_settings, user_app, service, repository
    ):
        sub = f"sub-{uuid.uuid4()}"
        consent = service.grant(customer_id=sub, payload={"permissions": ["ReadBalances"]})
        assert consent_customer(ddb_settings, consent.id) == sub
        assert consent_customer(ddb_settings, str(uuid.uuid4())) is None

        with ServedApp(user_app) as served:
            response = send_consent_notification(served.url, SECRET, consent.id, sub, REVOKED)
            forged = send_consent_notification(
                served.url, OTHER_SECRET, str(uuid.uuid4()), sub, REVOKED
            )

        assert response.status_code == 204
        stored = repository.get(sub, consent.id)
        assert stored is not None
        assert stored.status is ConsentStatus.REVOKED
        assert forged.status_code == 401


class TestLambda:
    """In AWS the bank reaches the same app through API Gateway, on the one route without IAM."""

    def test_a_notification_through_api_gateway(self, ddb_settings, repository):
        # The Lambda's app reads the real clock: so must the consent's grant.
        live = ConsentService(repository=repository, bank=SandboxBank())
        sub = f"sub-{uuid.uuid4()}"
        consent = live.grant(customer_id=sub, payload={"permissions": ["ReadBalances"]})
        notification = signed(REVOKED, consent.id, sub)
        host = "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"
        event = {
            "version": "2.0",
            "routeKey": "POST /bank/notifications",
            "rawPath": NOTIFICATIONS,
            "rawQueryString": "",
            "headers": {
                **notification.headers,
                "host": host,
                "content-length": str(len(notification.body)),
            },
            "requestContext": {
                "accountId": "123456789012",
                "apiId": "a1b2c3d4e5",
                "domainName": host,
                "domainPrefix": "a1b2c3d4e5",
                "http": {
                    "method": "POST",
                    "path": NOTIFICATIONS,
                    "protocol": "HTTP/1.1",
                    "sourceIp": "203.0.113.7",
                    "userAgent": "sandbox-bank",
                },
                "requestId": "JKJaXmPLvHcESHA=",
                "routeKey": "POST /bank/notifications",
                "stage": "$default",
                "time": "14/May/2026:09:30:00 +0000",
                "timeEpoch": 1_778_751_000_000,
            },
            "body": base64.b64encode(notification.body).decode(),
            "isBase64Encoded": True,
        }
        # Mangum takes the thread's event loop when it is made, as Lambda keeps one: give it its
        # own, closed afterwards.
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            handle = asgi_handler(replace(ddb_settings, bank_webhook_secret=SECRET))
            answer = handle(event, cast("LambdaContext", object()))
        finally:
            asyncio.set_event_loop(None)
            loop.close()

        assert answer["statusCode"] == 204
        stored = repository.get(sub, consent.id)
        assert stored is not None
        assert stored.status is ConsentStatus.REVOKED
