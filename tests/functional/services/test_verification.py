"""Customer verification over HTTP: the user service in process (and on uvicorn for races), on
DynamoDB Local, with real tokens. Codes are read from the real dev outbox table; the clock is
injected so expiry and the hourly limit can be crossed without waiting."""

from __future__ import annotations

import json
import logging
import re
import secrets
import threading
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import httpx
import jwt
import pytest
from botocore.stub import Stubber

from services.shared.settings import Settings
from services.user.app import create_app
from services.user.customers.store import DynamoCustomerRepository
from services.user.messaging.aws import AwsCodeSender
from services.user.messaging.outbox import OutboxSender, newest_messages
from services.user.verification.service import VerificationService
from services.user.verification.store import DynamoChallengeRepository
from tests.functional.services.conftest import ServedApp

pytestmark = [pytest.mark.ddblocal, pytest.mark.anyio]

PROFILE = {"givenName": "Ada", "familyName": "Byron", "dateOfBirth": "1990-12-10"}
PHONE = "+447700900123"
START = "/customers/me/verifications"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class FixedCodes:
    """A random source whose codes are known: `secrets` for everything else."""

    def __init__(self, code: int) -> None:
        self.code = code

    def randbelow(self, exclusive_upper_bound: int, /) -> int:
        return self.code

    def token_bytes(self, nbytes: int | None = None, /) -> bytes:
        return secrets.token_bytes(nbytes)


def service(settings: Settings, clock: Clock, **overrides: Any) -> VerificationService:
    parts: dict[str, Any] = {
        "customers": DynamoCustomerRepository(settings),
        "challenges": DynamoChallengeRepository(settings),
        "sender": OutboxSender(settings),
        "clock": clock,
        **overrides,
    }
    return VerificationService(**parts)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def client(ddb_settings, clock):
    app = create_app(ddb_settings, verification=service(ddb_settings, clock))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://user.test") as http:
        yield http


@pytest.fixture
def register(client, make_token):
    """Register a new customer (with `phone` unless None); their authorization header."""

    async def make(phone: str | None = PHONE, email: str | None = None) -> dict[str, str]:
        sub = f"sub-{uuid.uuid4()}"
        auth = {"authorization": make_token(sub=sub, email=email or f"{sub}@example.test")}
        body = {**PROFILE, "phone": phone} if phone else PROFILE
        response = await client.post("/customers", json=body, headers=auth)
        assert response.status_code == 201, response.text
        return auth

    return make


def unique_phone() -> str:
    return f"+4477009{uuid.uuid4().int % 10**5:05d}"


def code_sent_to(settings: Settings, destination: str) -> str:
    return newest_messages(settings, limit=1, destination=destination)[0].code


async def status_of(client: httpx.AsyncClient, auth: dict[str, str]) -> str:
    return str((await client.get("/customers/me", headers=auth)).json()["verificationStatus"])


def challenge_items(scan, auth_sub: str | None = None) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = scan("verification_challenges")
    if auth_sub is None:
        return items
    return [i for i in items if i["customer_id"]["S"] == auth_sub]


def sub_of(auth: dict[str, str]) -> str:
    token = auth["authorization"]
    return str(jwt.decode(token, options={"verify_signature": False})["sub"])


class TestStartAndConfirm:
    async def test_sms_code_verifies_the_customer_once(
        self, client, register, ddb_settings, clock, scan
    ):
        phone = unique_phone()
        auth = await register(phone=phone)
        assert await status_of(client, auth) == "UNVERIFIED"

        started = await client.post(START, json={"channel": "SMS"}, headers=auth)
        assert started.status_code == 201, started.text
        challenge = started.json()
        assert set(challenge) == {"challengeId", "channel", "destinationHint", "expiresAt"}
        assert challenge["channel"] == "SMS"
        assert challenge["destinationHint"] == f"+44{'•' * 7}{phone[-3:]}"
        expires = datetime.fromisoformat(challenge["expiresAt"])
        assert expires == clock.now + timedelta(minutes=10)
        assert await status_of(client, auth) == "PENDING"

        code = code_sent_to(ddb_settings, phone)
        assert re.fullmatch(r"\d{6}", code)
        # Stored only as a salted hash, with a TTL once the challenge stops counting (1 h).
        [item] = challenge_items(scan, sub_of(auth))
        assert code not in json.dumps(item)
        assert len(bytes.fromhex(item["salt"]["S"])) == 16
        assert int(item["ttl"]["N"]) == int((clock.now + timedelta(hours=1)).timestamp())

        confirm = f"{START}/{challenge['challengeId']}/confirm"
        confirmed = await client.post(confirm, json={"code": code}, headers=auth)
        assert confirmed.status_code == 200, confirmed.text
        assert confirmed.json()["verificationStatus"] == "VERIFIED"
        assert await status_of(client, auth) == "VERIFIED"

        replay = await client.post(confirm, json={"code": code}, headers=auth)
        assert (replay.status_code, replay.json()["error"]) == (409, "ChallengeUsed")

    async def test_email_code_and_its_masked_hint(self, client, register, ddb_settings):
        email = f"ada-{uuid.uuid4().hex[:8]}@example.test"
        auth = await register(email=email)
        started = await client.post(START, json={"channel": "EMAIL"}, headers=auth)
        assert started.status_code == 201, started.text
        assert started.json()["destinationHint"] == "a•••@example.test"
        code = code_sent_to(ddb_settings, email)
        confirm = f"{START}/{started.json()['challengeId']}/confirm"
        confirmed = await client.post(confirm, json={"code": code}, headers=auth)
        assert confirmed.json()["verificationStatus"] == "VERIFIED"

    async def test_sms_needs_a_phone_and_writes_nothing(self, client, register, scan):
        auth = await register(phone=None)
        response = await client.post(START, json={"channel": "SMS"}, headers=auth)
        assert response.status_code == 400
        assert response.json()["error"] == "ValidationError"
        assert response.json()["details"] == {"field": "channel"}
        assert challenge_items(scan, sub_of(auth)) == []
        assert await status_of(client, auth) == "UNVERIFIED"

    @pytest.mark.parametrize("body", [{"channel": "FAX"}, {"channel": None}, {"chanel": "SMS"}])
    async def test_bad_channel(self, client, register, body):
        auth = await register()
        response = await client.post(START, json=body, headers=auth)
        assert (response.status_code, response.json()["error"]) == (400, "ValidationError")

    async def test_an_unregistered_customer_cannot_start(self, client, make_token):
        auth = {"authorization": make_token(sub=f"sub-{uuid.uuid4()}")}
        response = await client.post(START, json={"channel": "EMAIL"}, headers=auth)
        assert (response.status_code, response.json()["error"]) == (404, "NotFound")


async def start(client, auth, channel: str = "SMS") -> str:
    response = await client.post(START, json={"channel": channel}, headers=auth)
    assert response.status_code == 201, response.text
    return str(response.json()["challengeId"])


async def confirm(client, auth, challenge_id: str, code: Any) -> httpx.Response:
    response: httpx.Response = await client.post(
        f"{START}/{challenge_id}/confirm", json={"code": code}, headers=auth
    )
    return response


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


class TestAttempts:
    async def test_five_wrong_codes_lock_the_challenge(self, client, register, ddb_settings):
        phone = unique_phone()
        auth = await register(phone=phone)
        challenge_id = await start(client, auth)
        code = code_sent_to(ddb_settings, phone)

        for remaining in (4, 3, 2, 1):
            response = await confirm(client, auth, challenge_id, wrong(code))
            assert response.status_code == 400
            assert response.json()["error"] == "ValidationError"
            assert response.json()["details"] == {"field": "code", "remainingAttempts": remaining}
        fifth = await confirm(client, auth, challenge_id, wrong(code))
        assert (fifth.status_code, fifth.json()["error"]) == (409, "ChallengeLocked")
        assert fifth.json()["details"] == {"remainingAttempts": 0}

        right = await confirm(client, auth, challenge_id, code)
        assert (right.status_code, right.json()["error"]) == (409, "ChallengeLocked")
        assert await status_of(client, auth) == "PENDING"

    @pytest.mark.parametrize("code", ["12345", "1234567", "12a456", 123456, None])
    async def test_a_malformed_code_costs_no_attempt(
        self, client, register, ddb_settings, scan, code
    ):
        auth = await register()
        challenge_id = await start(client, auth)
        response = await confirm(client, auth, challenge_id, code)
        assert response.status_code == 400
        assert response.json()["details"] == {"field": "code"}
        [item] = challenge_items(scan, sub_of(auth))
        assert item["attempts"]["N"] == "0"

    async def test_an_expired_code_is_refused_without_counting(
        self, client, register, ddb_settings, clock, scan
    ):
        phone = unique_phone()
        auth = await register(phone=phone)
        challenge_id = await start(client, auth)
        code = code_sent_to(ddb_settings, phone)
        clock.advance(minutes=10)
        response = await confirm(client, auth, challenge_id, code)
        assert (response.status_code, response.json()["error"]) == (410, "ChallengeExpired")
        assert challenge_items(scan, sub_of(auth))[0]["attempts"]["N"] == "0"
        assert await status_of(client, auth) == "PENDING"

    async def test_a_code_just_before_expiry_still_works(
        self, client, register, ddb_settings, clock
    ):
        phone = unique_phone()
        auth = await register(phone=phone)
        challenge_id = await start(client, auth)
        clock.advance(minutes=9, seconds=59)
        response = await confirm(client, auth, challenge_id, code_sent_to(ddb_settings, phone))
        assert response.status_code == 200, response.text

    async def test_another_customers_challenge_is_not_found(self, client, register, ddb_settings):
        phone = unique_phone()
        owner = await register(phone=phone)
        intruder = await register()
        challenge_id = await start(client, owner)
        code = code_sent_to(ddb_settings, phone)
        response = await confirm(client, intruder, challenge_id, code)
        assert (response.status_code, response.json()["error"]) == (404, "NotFound")
        assert await status_of(client, intruder) == "UNVERIFIED"
        # Neither used nor charged an attempt: the owner's code still works.
        assert (await confirm(client, owner, challenge_id, code)).status_code == 200

    async def test_an_unknown_challenge_is_not_found(self, client, register):
        auth = await register()
        response = await confirm(client, auth, "vc_nope", "123456")
        assert (response.status_code, response.json()["error"]) == (404, "NotFound")

    @pytest.mark.parametrize("length", [129, 30_000])
    async def test_an_over_long_challenge_id_is_not_found_and_says_the_limit(
        self, client, register, scan, length
    ):
        auth = await register()
        before = challenge_items(scan)
        response = await confirm(client, auth, "v" * length, "123456")
        assert response.status_code == 404
        assert response.json() == {
            "error": "NotFound",
            "message": "Verification challenge not found: challenge ids are 1 to 128 characters",
        }
        assert challenge_items(scan) == before

    async def test_an_empty_challenge_id_is_not_found(self, client, register):
        auth = await register()
        response = await client.post(f"{START}//confirm", json={"code": "123456"}, headers=auth)
        assert (response.status_code, response.json()["error"]) == (404, "NotFound")


class TestRateLimit:
    async def test_the_sixth_challenge_in_an_hour_is_refused(self, client, register, clock, scan):
        auth = await register()
        for _ in range(5):
            await start(client, auth)
            clock.advance(minutes=1)
        sixth = await client.post(START, json={"channel": "SMS"}, headers=auth)
        assert (sixth.status_code, sixth.json()["error"]) == (429, "RateLimited")
        # The first started 5 minutes ago: it stops counting in 55 minutes.
        assert sixth.json()["details"] == {"retryAfterSeconds": 55 * 60}
        assert len(challenge_items(scan, sub_of(auth))) == 5

        clock.advance(minutes=55)
        again = await client.post(START, json={"channel": "SMS"}, headers=auth)
        assert again.status_code == 201, again.text
        assert len(challenge_items(scan, sub_of(auth))) == 5  # the oldest slot was reused

    async def test_the_limit_is_per_customer(self, client, register):
        busy, other = await register(), await register()
        for _ in range(5):
            await start(client, busy)
        assert (await client.post(START, json={"channel": "SMS"}, headers=busy)).status_code == 429
        assert (await client.post(START, json={"channel": "SMS"}, headers=other)).status_code == 201


class TestSendFailure:
    async def test_a_failed_send_leaves_no_usable_code_and_does_not_count(
        self, register, ddb_settings, clock, scan, caplog
    ):
        settings = replace(ddb_settings, email_from_address="codes@bnpl.test")
        sms = boto3.client("pinpoint-sms-voice-v2", region_name="us-east-1")
        email = boto3.client("sesv2", region_name="us-east-1")
        sender = AwsCodeSender(settings, sms=sms, email=email, clock=clock)
        failing = service(ddb_settings, clock, sender=sender, random=FixedCodes(424242))
        app = create_app(ddb_settings, verification=failing)
        auth = await register()
        transport = httpx.ASGITransport(app=app)
        with Stubber(sms) as stub, caplog.at_level(logging.INFO, logger="services"):
            for _ in range(6):
                stub.add_client_error(
                    "send_text_message", "ThrottlingException", "Rate exceeded", 400
                )
            async with httpx.AsyncClient(transport=transport, base_url="http://u.test") as http:
                for _ in range(6):  # more than the hourly limit: failures do not count
                    response = await http.post(START, json={"channel": "SMS"}, headers=auth)
                    assert response.status_code == 502
                    assert response.json()["error"] == "DependencyFailure"
                    assert "424242" not in response.text
            stub.assert_no_pending_responses()
        assert challenge_items(scan, sub_of(auth)) == []
        assert "424242" not in caplog.text
        assert "ThrottlingException" in caplog.text
        assert PHONE not in caplog.text


class TestRaces:
    """Real HTTP on uvicorn, many threads at once: conditional writes decide."""

    @staticmethod
    def race(url: str, n: int, request: Any) -> list[httpx.Response]:
        responses: list[httpx.Response] = []
        barrier = threading.Barrier(n)

        def run() -> None:
            with httpx.Client(base_url=url, timeout=30) as http:
                barrier.wait()
                responses.append(request(http))

        threads = [threading.Thread(target=run) for _ in range(n)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return responses

    async def test_concurrent_confirmations_succeed_at_most_once(
        self, client, register, ddb_settings, clock
    ):
        phone = unique_phone()
        auth = await register(phone=phone)
        challenge_id = await start(client, auth)
        code = code_sent_to(ddb_settings, phone)
        app = create_app(ddb_settings, verification=service(ddb_settings, clock))
        path = f"{START}/{challenge_id}/confirm"
        with ServedApp(app) as server:
            responses = self.race(
                server.url, 10, lambda http: http.post(path, json={"code": code}, headers=auth)
            )
        outcomes = sorted((r.status_code, r.json().get("error")) for r in responses)
        assert outcomes == [(200, None)] + [(409, "ChallengeUsed")] * 9
        assert await status_of(client, auth) == "VERIFIED"

    async def test_concurrent_wrong_codes_are_all_counted(
        self, client, register, ddb_settings, clock, scan
    ):
        phone = unique_phone()
        auth = await register(phone=phone)
        challenge_id = await start(client, auth)
        bad = wrong(code_sent_to(ddb_settings, phone))
        app = create_app(ddb_settings, verification=service(ddb_settings, clock))
        path = f"{START}/{challenge_id}/confirm"
        with ServedApp(app) as server:
            responses = self.race(
                server.url, 10, lambda http: http.post(path, json={"code": bad}, headers=auth)
            )
        errors = sorted(r.json()["error"] for r in responses)
        # Exactly five attempts were counted: four said "wrong", the rest found it locked.
        assert errors == ["ChallengeLocked"] * 6 + ["ValidationError"] * 4
        [item] = challenge_items(scan, sub_of(auth))
        assert item["attempts"]["N"] == "5"

    async def test_concurrent_starts_never_exceed_the_limit(
        self, client, register, ddb_settings, clock, scan
    ):
        auth = await register()
        app = create_app(ddb_settings, verification=service(ddb_settings, clock))
        with ServedApp(app) as server:
            responses = self.race(
                server.url, 10, lambda http: http.post(START, json={"channel": "SMS"}, headers=auth)
            )
        assert sorted(r.status_code for r in responses) == [201] * 5 + [429] * 5
        assert len(challenge_items(scan, sub_of(auth))) == 5
