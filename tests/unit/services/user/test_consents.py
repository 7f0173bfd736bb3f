"""Consents as OBIE has them: transitions, permissions, expiry and the 90-day reconfirmation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.shared.errors import InvalidState, ValidationError
from services.user.consents.domain import (
    DEFAULT_DURATION,
    BankConsent,
    ConsentStatus,
    Permission,
    parse_grant,
    parse_permissions,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ALL_TRANSACTIONS = ["ReadTransactionsDetail", "ReadTransactionsCredits", "ReadTransactionsDebits"]
YEAR = timedelta(days=365)


def pending(expires_in: timedelta = DEFAULT_DURATION) -> BankConsent:
    request = parse_grant(
        {"permissions": ["ReadBalances"], "expiresAt": (NOW + expires_in).isoformat()},
        now=NOW,
        max_duration=YEAR,
    )
    return BankConsent.request(consent_id="c-1", customer_id="sub-1", request=request, now=NOW)


class TestTransitions:
    def test_authorise_then_revoke(self):
        authorised = pending().authorise(NOW + timedelta(minutes=1))
        assert authorised.status is ConsentStatus.AUTHORISED
        assert authorised.authorised_at == NOW + timedelta(minutes=1)
        revoked = authorised.revoke(NOW + timedelta(days=2))
        assert (revoked.status, revoked.status_updated_at) == (
            ConsentStatus.REVOKED,
            NOW + timedelta(days=2),
        )

    def test_a_pending_consent_may_be_abandoned(self):
        assert pending().revoke(NOW).status is ConsentStatus.REVOKED

    @pytest.mark.parametrize(
        ("make", "action"),
        [
            (lambda c: c.authorise(NOW).revoke(NOW), BankConsent.revoke),
            (lambda c: c.reject(NOW), BankConsent.revoke),
            (lambda c: c.reject(NOW), BankConsent.authorise),
            (lambda c: c.authorise(NOW), BankConsent.authorise),
            (lambda c: c.authorise(NOW), BankConsent.reject),
            (lambda c: c.authorise(NOW).revoke(NOW), BankConsent.reconfirm),
            (lambda c: c, BankConsent.reconfirm),
        ],
        ids=[
            "revoke-revoked",
            "revoke-rejected",
            "authorise-rejected",
            "authorise-authorised",
            "reject-authorised",
            "reconfirm-revoked",
            "reconfirm-pending",
        ],
    )
    def test_final_and_wrong_states_refuse(self, make, action):
        consent = make(pending())
        with pytest.raises(InvalidState) as caught:
            action(consent, NOW)
        assert caught.value.details == {"status": consent.status.value}

    def test_expiry_is_computed_and_final(self):
        authorised = pending(timedelta(days=1)).authorise(NOW)
        later = NOW + timedelta(days=1)
        expired = authorised.effective(later)
        assert expired.status is ConsentStatus.EXPIRED
        assert authorised.effective(later - timedelta(milliseconds=1)) == authorised
        with pytest.raises(InvalidState, match="EXPIRED cannot be revoked"):
            authorised.revoke(later)


class TestDataAccess:
    def test_only_an_authorised_unexpired_consent_reads(self):
        authorised = pending().authorise(NOW)
        authorised.check_data_access(NOW)
        for consent, when in [
            (pending(), NOW),
            (pending().reject(NOW), NOW),
            (authorised.revoke(NOW), NOW),
            (authorised, NOW + DEFAULT_DURATION),
        ]:
            with pytest.raises(InvalidState, match="gives no access"):
                consent.check_data_access(when)

    def test_reconfirmation_is_due_90_days_after_authorisation(self):
        authorised = pending(YEAR).authorise(NOW)
        due = NOW + timedelta(days=90)
        assert authorised.reconfirm_by == due
        authorised.check_data_access(due - timedelta(seconds=1))
        with pytest.raises(InvalidState, match="reconfirmed") as caught:
            authorised.check_data_access(due)
        assert caught.value.details["reconfirmBy"] == "2026-05-30T12:00:00.000Z"
        reconfirmed = authorised.reconfirm(due + timedelta(days=3))
        reconfirmed.check_data_access(due + timedelta(days=3))
        assert reconfirmed.reconfirm_by == due + timedelta(days=93)


class TestPermissions:
    def test_valid_sets(self):
        assert parse_permissions(["ReadAccountsBasic", *ALL_TRANSACTIONS]) == {
            Permission.READ_ACCOUNTS_BASIC,
            Permission.READ_TRANSACTIONS_DETAIL,
            Permission.READ_TRANSACTIONS_CREDITS,
            Permission.READ_TRANSACTIONS_DEBITS,
        }
        assert parse_permissions(["ReadBalances", "ReadBalances"]) == {Permission.READ_BALANCES}

    @pytest.mark.parametrize(
        ("value", "message"),
        [
            ([], "non-empty"),
            ("ReadBalances", "non-empty list"),
            (["ReadPAN"], "unknown permission 'ReadPAN'"),
            (["ReadBalances", 7], "unknown permission 7"),
            (["ReadTransactionsCredits"], "need ReadTransactionsBasic or"),
            (["ReadTransactionsDetail"], "need ReadTransactionsCredits"),
        ],
    )
    def test_invalid_sets(self, value, message):
        with pytest.raises(ValidationError, match=message) as caught:
            parse_permissions(value)
        assert caught.value.field == "permissions"


class TestGrant:
    def test_expiry_defaults_to_90_days(self):
        request = parse_grant({"permissions": ["ReadBalances"]}, now=NOW, max_duration=YEAR)
        assert request.expires_at == NOW + timedelta(days=90)

    def test_expiry_defaults_to_the_banks_maximum_when_shorter(self):
        short = timedelta(days=30)
        request = parse_grant({"permissions": ["ReadBalances"]}, now=NOW, max_duration=short)
        assert request.expires_at == NOW + short

    @pytest.mark.parametrize(
        ("payload", "field", "message"),
        [
            (
                {"permissions": ["ReadBalances"], "expiresAt": "2026-02-01T00:00:00Z"},
                "expiresAt",
                "future",
            ),
            (
                {"permissions": ["ReadBalances"], "expiresAt": "2027-03-02T12:00:00Z"},
                "expiresAt",
                "at most 365 days",
            ),
            (
                {"permissions": ["ReadBalances"], "expiresAt": "2026-04-01T00:00:00"},
                "expiresAt",
                "offset",
            ),
            ({"permissions": ["ReadBalances"], "expiresAt": "soon"}, "expiresAt", "ISO 8601"),
            ({"permissions": ["ReadBalances"], "accounts": ["x"]}, "accounts", "unknown field"),
            ({}, "permissions", "non-empty"),
        ],
    )
    def test_bad_requests_name_the_field(self, payload, field, message):
        with pytest.raises(ValidationError, match=message) as caught:
            parse_grant(payload, now=NOW, max_duration=YEAR)
        assert caught.value.field == field

    def test_to_json_is_the_api_shape(self):
        consent = pending().authorise(NOW)
        assert consent.to_json() == {
            "id": "c-1",
            "status": "AUTHORISED",
            "permissions": ["ReadBalances"],
            "expiresAt": "2026-05-30T12:00:00.000Z",
            "createdAt": "2026-03-01T12:00:00.000Z",
            "statusUpdatedAt": "2026-03-01T12:00:00.000Z",
            "authorisedAt": "2026-03-01T12:00:00.000Z",
            "reconfirmBy": "2026-05-30T12:00:00.000Z",
        }
        assert consent.revoke(NOW).to_json()["reconfirmBy"] is None
