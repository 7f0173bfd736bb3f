from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.credit.screening.checks.fraud import (
    Blocklist,
    FraudCheck,
    FraudRules,
    FraudSignals,
    FraudSubject,
    bundled_disposable_domains,
    is_disposable,
)
from services.credit.screening.checks.prior import (
    PriorApplication,
    PriorApplications,
    applicant_keys,
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


def check(**kwargs: Any) -> FraudCheck:
    return FraudCheck(rules=RULES, **kwargs)


def signals_of(
    of: FraudSubject, *earlier: tuple[str, datetime, str, str | None, str | None]
) -> FraudSignals:
    """The check's signals for `of`, with `earlier` applications as (id, time, customer,
    device, ip) in the store."""
    applications = [
        (PriorApplication(id=app_id, created_at=at), applicant_keys(customer, device, ip))
        for app_id, at, customer, device, ip in earlier
    ]
    keys = applicant_keys(of.customer_id, of.device_id, of.ip)
    return check().check(of, prior=PriorApplications.among(applications, keys), now=NOW)


class TestBlocklist:
    def test_the_fraud_persona_is_on_the_bundled_list(self):
        signals = signals_of(
            subject(
                customer_id="sandbox-fraud", email="fraud@sandbox.bnpl.test", phone="+447700900005"
            )
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
        signals = signals_of(subject())
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
        an_hour_ago = NOW - timedelta(hours=1)
        signals = signals_of(
            subject(),
            *((f"app-{i}", an_hour_ago, *keys) for i, keys in enumerate(earlier)),
        )
        assert ("APPLICATION_VELOCITY" in signals.reasons) is flagged

    def test_only_the_last_24_hours_count(self):
        old = NOW - timedelta(hours=24, seconds=1)
        earlier = [(f"old-{i}", old, "c1", None, None) for i in range(5)]
        recent = ("recent", NOW - timedelta(hours=23), "c1", None, None)
        assert signals_of(subject(), *earlier, recent).customer_applications_24h == 1

    def test_the_application_itself_is_not_counted(self):
        # A retry of the same application (same idempotency key) must not flag itself.
        itself = ("app-new", NOW, "c1", "dev-1", "203.0.113.7")
        assert signals_of(subject(), itself, itself, itself, itself).passed

    def test_unknown_device_and_ip_are_not_counted(self):
        signals = signals_of(subject(device_id=None, ip=None), ("a", NOW, "c2", "dev-1", None))
        assert (signals.device_applications_24h, signals.ip_applications_24h) == (None, None)

    def test_each_key_counts_its_own_applications(self):
        earlier = [("a", NOW, "c1", "d", "i"), ("b", NOW, "c2", "dev-1", "x")]
        signals = signals_of(subject(device_id="d", ip="x"), *earlier)
        assert signals.customer_applications_24h == 1
        assert (signals.device_applications_24h, signals.ip_applications_24h) == (1, 1)


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
        signals = signals_of(subject(email="x@guerrillamail.com"))
        assert signals.reasons == ("DISPOSABLE_EMAIL",)
        assert signals.to_json()["disposableEmail"] is True


def test_signals_evidence_holds_no_identifiers():
    body = signals_of(subject()).to_json()
    assert "amelia@example.com" not in str(body)
    assert set(body) == {
        "blocklistHits",
        "customerApplications24h",
        "deviceApplications24h",
        "ipApplications24h",
        "disposableEmail",
        "reasons",
    }
