from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services.credit.screening.checks.bureau import (
    BureauUnavailable,
    DerogatoryKind,
    HomeStatus,
    SandboxBureau,
)
from services.shared.errors import DependencyFailure

TODAY = date(2026, 11, 30)


def bureau(**kwargs: Any) -> SandboxBureau:
    return SandboxBureau(today=lambda: TODAY, **kwargs)


class TestPersonas:
    def test_approve_has_a_good_file(self):
        report = bureau().report({"id": "sandbox-approve"})
        assert report.file_present
        assert not report.has_public_record
        assert (report.home_status, report.residence_country) == (HomeStatus.OWNER, "GB")

    def test_decline_has_recent_defaults(self):
        report = bureau().report({"id": "sandbox-decline"})
        assert report.latest(DerogatoryKind.DEFAULT) == date(2026, 7, 30)
        assert [d.recorded_on for d in report.derogatories] == [
            date(2026, 7, 30),
            date(2026, 2, 28),
        ]

    def test_thin_has_no_file(self):
        report = bureau().report({"id": "sandbox-thin"})
        assert not report.file_present
        assert report.score is None
        assert report.declared_monthly_income is None

    def test_refer_is_borderline_and_fraud_looks_clean(self):
        refer = bureau().report({"id": "sandbox-refer"})
        fraud = bureau().report({"id": "sandbox-fraud"})
        assert refer.file_present
        assert not refer.derogatories
        assert fraud.file_present
        assert not fraud.derogatories


class TestDerivedFiles:
    def test_stable_across_runs_and_machines(self):
        # sha256-derived, so these figures are the same everywhere (hash() would not be).
        report = bureau().report({"id": "cust-123"})
        assert (report.score, report.declared_monthly_income, report.declared_monthly_expenses) == (
            992,
            233_723,
            137_803,
        )
        assert report.reference == "sbx-34bffa558f9fbde2f4b8"
        assert report == bureau().report({"id": "cust-123"})

    def test_income_matches_the_sandbox_banks(self):
        from services.user.sandbox_bank.profiles import profile_for

        for customer in ("cust-123", "someone-else", "x"):
            report = bureau().report({"id": customer})
            if report.file_present:
                assert report.declared_monthly_income == profile_for(customer).salary

    def test_customers_differ_and_some_are_thin(self):
        reports = [bureau().report({"id": f"cust-{i}"}) for i in range(200)]
        assert len({r.score for r in reports if r.score is not None}) > 50
        assert 0 < sum(not r.file_present for r in reports) < 40
        assert any(r.derogatories for r in reports)

    def test_a_customer_without_an_id_is_a_programming_error(self):
        with pytest.raises(ValueError, match="id"):
            bureau().report({})


class TestOutage:
    def test_down_raises_a_dependency_failure(self):
        with pytest.raises(BureauUnavailable) as caught:
            bureau(outage=True).report({"id": "sandbox-approve"})
        assert isinstance(caught.value, DependencyFailure)
        assert caught.value.to_json()["error"] == "DependencyFailure"

    def test_an_outage_can_end(self):
        down = [True]
        sandbox = bureau(outage=lambda: down[0])
        with pytest.raises(BureauUnavailable):
            sandbox.report({"id": "sandbox-approve"})
        down[0] = False
        assert sandbox.report({"id": "sandbox-approve"}).file_present
        assert sandbox.calls == 2
