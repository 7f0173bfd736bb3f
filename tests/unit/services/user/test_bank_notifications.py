"""The bank's consent notifications without I/O: parsing, signatures, the consent's ending, the
use case over an in-memory store, and where the bank's secret comes from."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from services.shared.errors import (
    DependencyFailure,
    InvalidState,
    UnauthorizedException,
    ValidationError,
)
from services.shared.settings import Settings
from services.shared.timestamps import utc_now
from services.user.app import bank_secret
from services.user.consents.bank_secret import (
    BankSecret,
    FixedBankSecret,
    NoBankSecret,
    SecretsManagerBankSecret,
)
from services.user.consents.domain import BankConsent, ConsentStatus, parse_grant
from services.user.consents.notifications import (
    BankNotification,
    NotificationType,
    Outcome,
    Recorded,
    parse_notification,
)
from services.user.consents.service import ConsentService
from services.user.consents.signatures import NotificationVerifier
from services.user.sandbox_bank.bank import SandboxBank
from services.user.sandbox_bank.notifications import consent_notification_body, sign_notification

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:bnpl-dev-user/bank-webhook-secret-Ab1"
REVOKED = NotificationType.CONSENT_REVOKED
EXPIRED = NotificationType.CONSENT_EXPIRED
BODY = {
    "type": "consent.revoked",
    "timestamp": "2026-03-01T11:59:00+01:00",
    "data": {"consentId": "c-1", "customerId": "sub-1"},
}


def encoded(payload: object) -> bytes:
    return json.dumps(payload).encode()


def authorised(expires_in: timedelta = timedelta(days=90)) -> BankConsent:
    request = parse_grant(
        {"permissions": ["ReadBalances"], "expiresAt": (NOW + expires_in).isoformat()},
        now=NOW,
        max_duration=timedelta(days=365),
    )
    pending = BankConsent.request(consent_id="c-1", customer_id="sub-1", request=request, now=NOW)
    return pending.authorise(NOW)


def notification(
    kind: NotificationType = REVOKED, notification_id: str = "msg_1"
) -> BankNotification:
    return BankNotification(
        id=notification_id, type=kind, occurred_at=NOW, consent_id="c-1", customer_id="sub-1"
    )


class TestParse:
    def test_a_revocation(self):
        parsed = parse_notification("msg_1", encoded(BODY))
        assert parsed == BankNotification(
            id="msg_1",
            type=REVOKED,
            occurred_at=datetime(2026, 3, 1, 10, 59, tzinfo=UTC),
            consent_id="c-1",
            customer_id="sub-1",
        )

    def test_an_expiry_and_fields_it_does_not_know(self):
        body = {**BODY, "type": "consent.expired", "version": 2}
        body["data"] = {**BODY["data"], "reason": "bank policy"}  # type: ignore[dict-item]
        assert parse_notification("msg_1", encoded(body)).type is EXPIRED

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({**BODY, "type": "consent.authorised"}, "type"),
            ({**BODY, "type": None}, "type"),
            ({k: v for k, v in BODY.items() if k != "type"}, "type"),
            ({**BODY, "timestamp": 1_772_366_400}, "timestamp"),
            ({**BODY, "timestamp": "2026-03-01T12:00:00"}, "timestamp"),
            ({**BODY, "data": "c-1"}, "data"),
            ({**BODY, "data": {"consentId": "c-1"}}, "data.customerId"),
            ({**BODY, "data": {"consentId": 7, "customerId": "sub-1"}}, "data.consentId"),
            ({**BODY, "data": {"consentId": "c\ud800", "customerId": "s"}}, "data.consentId"),
        ],
    )
    def test_names_the_field_at_fault(self, body, field):
        with pytest.raises(ValidationError) as error:
            parse_notification("msg_1", json.dumps(body).encode())
        assert error.value.field == field

    @pytest.mark.parametrize("body", [b"", b"[1]", b"{", b"\xff\xfe", b"[" * 100_000])
    def test_a_body_that_is_no_json_object(self, body):
        with pytest.raises(ValidationError) as error:
            parse_notification("msg_1", body)
        assert error.value.field is None

    @pytest.mark.parametrize("notification_id", ["", "m" * 129, "msg_\ud800"])
    def test_an_id_no_notification_can_have(self, notification_id):
        with pytest.raises(ValidationError) as error:
            parse_notification(notification_id, encoded(BODY))
        assert error.value.field == "webhook-id"


class TestEnding:
    def test_a_revocation_revokes_and_an_expiry_expires(self):
        later = NOW + timedelta(days=1)
        revoked = notification(REVOKED).apply(authorised(), later)
        expired = notification(EXPIRED).apply(authorised(), later)
        assert (revoked.status, revoked.status_updated_at) == (ConsentStatus.REVOKED, later)
        assert (expired.status, expired.status_updated_at) == (ConsentStatus.EXPIRED, later)
        # The term that was granted stays; the status says the bank ended it early.
        assert expired.expires_at == authorised().expires_at

    @pytest.mark.parametrize("kind", [REVOKED, EXPIRED])
    def test_an_ended_consent_stays_ended(self, kind):
        consent = authorised()
        for ended in (
            consent.revoke(NOW),
            BankConsent.request(
                consent_id="c-1",
                customer_id="sub-1",
                request=parse_grant(
                    {"permissions": ["ReadBalances"]}, now=NOW, max_duration=timedelta(days=1)
                ),
                now=NOW,
            ).reject(NOW),
        ):
            with pytest.raises(InvalidState):
                notification(kind).apply(ended, NOW + timedelta(hours=1))
        # Past its expiry it is EXPIRED already, whatever is stored.
        with pytest.raises(InvalidState) as error:
            notification(kind).apply(consent, consent.expires_at)
        assert error.value.details == {"status": "EXPIRED"}


class TestSignature:
    def verify(self, signed_body: bytes, headers: dict[str, str]) -> BankNotification:
        return NotificationVerifier(SECRET).verify(signed_body, headers)

    def test_the_sandbox_banks_notification_verifies(self):
        body = consent_notification_body(
            REVOKED, consent_id="c-1", customer_id="sub-1", occurred_at=NOW
        )
        signed = sign_notification(SECRET, body, signed_at=utc_now(), message_id="msg_1")
        assert json.loads(signed.body) == {
            "type": "consent.revoked",
            "timestamp": "2026-03-01T12:00:00.000Z",
            "data": {"consentId": "c-1", "customerId": "sub-1"},
        }
        assert signed.headers["webhook-id"] == "msg_1"
        assert signed.headers["webhook-signature"].startswith("v1,")
        assert self.verify(signed.body, signed.headers) == notification(REVOKED)

    def test_each_notification_gets_its_own_id(self):
        first = sign_notification(SECRET, b"{}", signed_at=utc_now())
        second = sign_notification(SECRET, b"{}", signed_at=utc_now())
        assert first.message_id.startswith("msg_")
        assert first.message_id != second.message_id

    @pytest.mark.parametrize(
        "spoil",
        [
            pytest.param(lambda s: (s.body + b" ", s.headers), id="body"),
            pytest.param(lambda s: (s.body, {**s.headers, "webhook-id": "msg_2"}), id="id"),
            pytest.param(
                lambda s: (s.body, {**s.headers, "webhook-signature": "v1,AAAA"}), id="signature"
            ),
            pytest.param(
                lambda s: (s.body, {**s.headers, "webhook-timestamp": "later"}), id="timestamp"
            ),
            pytest.param(
                lambda s: (s.body, {k: v for k, v in s.headers.items() if k != "webhook-id"}),
                id="no id",
            ),
        ],
    )
    def test_a_spoilt_notification_is_refused(self, spoil):
        signed = sign_notification(SECRET, encoded(BODY), signed_at=utc_now())
        with pytest.raises(UnauthorizedException):
            self.verify(*spoil(signed))

    @pytest.mark.parametrize("minutes", [-10, 10])
    def test_a_timestamp_minutes_off_is_refused(self, minutes):
        signed_at = utc_now() + timedelta(minutes=minutes)
        signed = sign_notification(SECRET, encoded(BODY), signed_at=signed_at)
        with pytest.raises(UnauthorizedException, match="timestamp"):
            self.verify(signed.body, signed.headers)

    def test_another_secret_is_refused(self):
        other = "whsec_" + base64.b64encode(b"o" * 32).decode()
        signed = sign_notification(other, encoded(BODY), signed_at=utc_now())
        with pytest.raises(UnauthorizedException):
            self.verify(signed.body, signed.headers)

    @pytest.mark.parametrize("secret", ["", "k" * 32, "whsec_", "whsec_!!!!"])
    def test_a_secret_must_be_a_whsec_value(self, secret):
        with pytest.raises(ValueError, match="whsec_"):
            NotificationVerifier(secret)


class MemoryConsents:
    """The consents port in memory; `record_notification` answers from a script first."""

    def __init__(self, consent: BankConsent, script: list[Recorded] | None = None) -> None:
        self.consents = {(consent.customer_id, consent.id): consent}
        self.seen: set[str] = set()
        self.script = list(script or [])
        self.writes = 0

    def add(self, consent: BankConsent) -> None:
        self.consents[consent.customer_id, consent.id] = consent

    def get(self, customer_id: str, consent_id: str) -> BankConsent | None:
        return self.consents.get((customer_id, consent_id))

    def list(self, customer_id: str) -> list[BankConsent]:
        return [c for (sub, _), c in sorted(self.consents.items()) if sub == customer_id]

    def transition(self, consent: BankConsent, *, expected: ConsentStatus) -> bool:
        raise AssertionError("notifications write through record_notification")

    def record_notification(
        self,
        notification_id: str,
        consent: BankConsent,
        *,
        expected: ConsentStatus,
        received_at: datetime,
    ) -> Recorded:
        self.writes += 1
        if self.script:
            return self.script.pop(0)
        if notification_id in self.seen:
            return Recorded.REPLAYED
        stored = self.consents[consent.customer_id, consent.id]
        if stored.status is not expected:
            return Recorded.CONSENT_CHANGED
        self.seen.add(notification_id)
        self.consents[consent.customer_id, consent.id] = consent
        return Recorded.APPLIED


def consents(store: MemoryConsents, now: datetime = NOW) -> ConsentService:
    return ConsentService(repository=store, bank=SandboxBank(clock=lambda: now), clock=lambda: now)


class TestUseCase:
    def test_applied_then_already_ended(self):
        store = MemoryConsents(authorised())
        service = consents(store)
        assert service.apply_bank_notification(notification()) is Outcome.APPLIED
        assert store.consents["sub-1", "c-1"].status is ConsentStatus.REVOKED
        assert service.apply_bank_notification(notification()) is Outcome.ALREADY_ENDED
        assert store.writes == 1

    def test_a_replay_the_store_catches(self):
        store = MemoryConsents(authorised(), script=[Recorded.REPLAYED])
        assert consents(store).apply_bank_notification(notification()) is Outcome.REPLAYED
        assert store.consents["sub-1", "c-1"].status is ConsentStatus.AUTHORISED

    def test_an_unknown_consent(self):
        store = MemoryConsents(authorised())
        other = BankNotification(
            id="msg_1", type=REVOKED, occurred_at=NOW, consent_id="c-2", customer_id="sub-1"
        )
        assert consents(store).apply_bank_notification(other) is Outcome.UNKNOWN_CONSENT
        assert store.writes == 0

    def test_a_consent_changed_meanwhile_is_judged_again(self):
        # The customer revoked it between our read and our write: the second look finds it
        # ended and writes nothing.
        store = MemoryConsents(authorised(), script=[Recorded.CONSENT_CHANGED])
        original = store.get
        looks = 0

        def get(customer_id: str, consent_id: str) -> BankConsent | None:
            nonlocal looks
            looks += 1
            if looks == 2:
                store.consents["sub-1", "c-1"] = authorised().revoke(NOW)
            return original(customer_id, consent_id)

        store.get = get  # type: ignore[method-assign]
        outcome = consents(store).apply_bank_notification(notification(EXPIRED))
        assert (outcome, looks, store.writes) == (Outcome.ALREADY_ENDED, 2, 1)

    def test_a_consent_that_keeps_changing_is_left_to_a_retry(self):
        store = MemoryConsents(
            authorised(), script=[Recorded.CONSENT_CHANGED, Recorded.CONSENT_CHANGED]
        )
        with pytest.raises(InvalidState):
            consents(store).apply_bank_notification(notification())
        assert store.consents["sub-1", "c-1"].status is ConsentStatus.AUTHORISED


class FakeSecretsManager:
    """`get_secret_value` of a secret whose value the test sets (None: none put yet)."""

    def __init__(self, value: str | None) -> None:
        self.value = value
        self.reads = 0
        self.failure: Exception | None = None

    def get_secret_value(self, *, SecretId: str) -> dict[str, str]:  # noqa: N803 - boto3's name
        assert SecretId == ARN
        self.reads += 1
        if self.failure is not None:
            raise self.failure
        if self.value is None:
            raise ClientError(
                {"Error": {"Code": "ResourceNotFoundException", "Message": "no current version"}},
                "GetSecretValue",
            )
        return {"ARN": ARN, "SecretString": self.value}


def from_secrets_manager(client: FakeSecretsManager, cache_s: float = 60.0) -> BankSecret:
    return SecretsManagerBankSecret(cast("Any", client), secret_id=ARN, cache_s=cache_s)


class TestBankSecret:
    def signed_body(self) -> tuple[bytes, dict[str, str]]:
        signed = sign_notification(SECRET, encoded(BODY), signed_at=utc_now())
        return signed.body, signed.headers

    def test_none_configured(self):
        assert NoBankSecret().verifier() is None

    def test_the_settings_secret(self):
        verifier = FixedBankSecret(SECRET).verifier()
        assert verifier is not None
        assert verifier.verify(*self.signed_body()).consent_id == "c-1"

    def test_secrets_manager_is_read_once_for_a_while(self):
        client = FakeSecretsManager(SECRET + "\n")
        secret = from_secrets_manager(client)
        for _ in range(3):
            verifier = secret.verifier()
            assert verifier is not None
            assert verifier.verify(*self.signed_body()).consent_id == "c-1"
        assert client.reads == 1

    def test_a_new_value_is_read_once_the_cache_is_stale(self):
        client = FakeSecretsManager(SECRET)
        secret = from_secrets_manager(client, cache_s=0)
        assert secret.verifier() is not None
        client.value = "whsec_" + base64.b64encode(b"n" * 32).decode()
        verifier = secret.verifier()
        assert verifier is not None
        with pytest.raises(UnauthorizedException):
            verifier.verify(*self.signed_body())

    @pytest.mark.parametrize("value", [None, "", "not a secret"])
    def test_no_usable_value_yet_is_none(self, value):
        client = FakeSecretsManager(value)
        secret = from_secrets_manager(client)
        assert secret.verifier() is None
        # Not remembered: the value an operator puts next is used at once.
        client.value = SECRET
        assert secret.verifier() is not None

    @pytest.mark.parametrize(
        "failure",
        [
            ClientError({"Error": {"Code": "AccessDeniedException"}}, "GetSecretValue"),
            EndpointConnectionError(endpoint_url="https://secretsmanager.us-east-1.amazonaws.com"),
        ],
    )
    def test_an_unreadable_secret_is_a_dependency_failure(self, failure):
        client = FakeSecretsManager(SECRET)
        client.failure = failure
        with pytest.raises(DependencyFailure):
            from_secrets_manager(client).verifier()

    def test_the_app_takes_the_settings_secret_else_secrets_manager_else_none(self):
        settings = Settings.from_environ({})
        assert isinstance(bank_secret(settings), NoBankSecret)
        assert isinstance(
            bank_secret(replace(settings, bank_webhook_secret_arn=ARN)), SecretsManagerBankSecret
        )
        both = replace(settings, bank_webhook_secret=SECRET, bank_webhook_secret_arn=ARN)
        assert isinstance(bank_secret(both), FixedBankSecret)
        with pytest.raises(ValueError, match="whsec_"):
            bank_secret(replace(settings, bank_webhook_secret="hunter2"))

    def test_the_settings_read_both_variables_and_keep_the_secret_out_of_repr(self):
        settings = Settings.from_environ(
            {"BNPL_BANK_WEBHOOK_SECRET": SECRET, "BNPL_BANK_WEBHOOK_SECRET_ARN": ARN}
        )
        assert (settings.bank_webhook_secret, settings.bank_webhook_secret_arn) == (SECRET, ARN)
        assert SECRET not in repr(settings)
        empty = Settings.from_environ({"BNPL_BANK_WEBHOOK_SECRET": ""})
        assert empty.bank_webhook_secret is None
