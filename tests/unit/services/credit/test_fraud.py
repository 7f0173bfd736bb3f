from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.credit.screening.checks.fraud import (
    Blocklist,
    FraudCheck,
    FraudRules,
    FraudSubject,
    InMemoryApplicationHistory,
    VelocityKey,
    bundled_disposable_domains,
    is_disposable,
)

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
RULES = FraudRules(
    max_applications_per_customer_24h=3,
    max_applications_per_device_24h=3,
    max_applications_per_ip_24h=5,
)


def subject(**changes: Any) -> FraudSubject:
    base = {
        "application_id": "app-new",
        "customer_id": "c1",
        "email": "amelia@example.com",
        "phone": "+447700900123",
        "device_id": "dev-1",
        "ip": "203.0.113.7",
    }
    return FraudSubject(**{**base, **changes})


def check(history: InMemoryApplicationHistory | None = None, **kwargs: Any) -> FraudCheck:
    return FraudCheck(rules=RULES, history=history or InMemoryApplicationHistory(), **kwargs)


class TestBlocklist:
    def test_the_fraud_persona_is_on_the_bundled_list(self):
        signals = check().check(
            subject(
                customer_id="sandbox-fraud", email="fraud@sandbox.bnpl.test", phone="+447700900005"
            ),
            now=NOW,
        )
        assert signals.reasons == ("FRAUD_BLOCKLIST",)
        assert signals.blocklist_hits == ("email", "phone")

    @pytest.mark.parametrize(
        ("changes", "hits"),
        [
            ({"email": " Bad@Example.COM "}, ("email",)),
            ({"phone": "+44 7700 900666"}, ("phone",)),
            ({"device_id": "dev-bad"}, ("device",)),
            ({}, ()),
            ({"email": None, "phone": None, "device_id": None}, ()),
        ],
    )
    def test_identifiers_match_after_normalising(self, changes, hits):
        blocklist = Blocklist.of(
            emails=["bad@example.com"], phones=["+447700900666"], devices=["dev-bad"]
        )
        assert blocklist.hits(subject(**changes)) == hits

    def test_a_clean_applicant_passes(self):
        signals = check().check(subject(), now=NOW)
        assert signals.passed
        assert signals.reasons == ()


class TestVelocity:
    @pytest.mark.parametrize(
        ("earlier", "flagged"),
        [
            # (customer, device, ip) of earlier applications in the last 24 h
            ([("c1", "dev-1", "203.0.113.7")] * 2, False),
            ([("c1", "dev-1", "203.0.113.7")] * 3, True),  # 3 before: this is the 4th
            ([("c2", "dev-1", "198.51.100.1")] * 3, True),  # the same device, other customers
            ([("c2", "dev-2", "203.0.113.7")] * 4, False),
            ([("c2", "dev-2", "203.0.113.7")] * 5, True),  # the same IP
        ],
    )
    def test_thresholds(self, earlier, flagged):
        history = InMemoryApplicationHistory()
        for i, (customer, device, ip) in enumerate(earlier):
            history.record(
                f"app-{i}",
                at=NOW - timedelta(hours=1),
                customer_id=customer,
                device_id=device,
                ip=ip,
            )
        signals = check(history).check(subject(), now=NOW)
        assert ("APPLICATION_VELOCITY" in signals.reasons) is flagged

    def test_only_the_last_24_hours_count(self):
        history = InMemoryApplicationHistory()
        for i in range(5):
            history.record(f"old-{i}", at=NOW - timedelta(hours=24, seconds=1), customer_id="c1")
        history.record("recent", at=NOW - timedelta(hours=23), customer_id="c1")
        assert check(history).check(subject(), now=NOW).customer_applications_24h == 1

    def test_the_application_itself_is_not_counted(self):
        # A retry of the same application (same idempotency key) must not flag itself.
        history = InMemoryApplicationHistory()
        for _ in range(5):
            history.record("app-new", at=NOW, customer_id="c1")
        assert check(history).check(subject(), now=NOW).passed

    def test_unknown_device_and_ip_are_not_counted(self):
        signals = check().check(subject(device_id=None, ip=None), now=NOW)
        assert (signals.device_applications_24h, signals.ip_applications_24h) == (None, None)

    def test_counts_are_asked_by_key(self):
        history = InMemoryApplicationHistory()
        history.record("a", at=NOW, customer_id="c1", device_id="d", ip="i")
        keys = {VelocityKey.CUSTOMER: "c1", VelocityKey.DEVICE: "d", VelocityKey.IP: "x"}
        assert history.count_applications(keys, now=NOW, excluding=None) == {
            VelocityKey.CUSTOMER: 1,
            VelocityKey.DEVICE: 1,
            VelocityKey.IP: 0,
        }


class TestDisposableEmail:
    @pytest.mark.parametrize(
        ("email", "disposable"),
        [
            ("someone@mailinator.com", True),
            ("SOMEONE@YOPMAIL.COM", True),
            ("someone@eu.mailinator.com", True),  # subdomains of a listed domain
            ("someone@example.com", False),
            ("someone@notmailinator.com", False),
            ("no-at-sign", False),
            (None, False),
        ],
    )
    def test_domains(self, email, disposable):
        assert is_disposable(email, bundled_disposable_domains()) is disposable

    def test_refers_with_its_code(self):
        signals = check().check(subject(email="x@guerrillamail.com"), now=NOW)
        assert signals.reasons == ("DISPOSABLE_EMAIL",)
        assert signals.to_json()["disposableEmail"] is True


def test_signals_evidence_holds_no_identifiers():
    body = check().check(subject(), now=NOW).to_json()
    assert "amelia@example.com" not in str(body)
    assert set(body) == {
        "blocklistHits",
        "customerApplications24h",
        "deviceApplications24h",
        "ipApplications24h",
        "disposableEmail",
        "reasons",
    }
