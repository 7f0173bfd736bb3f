from __future__ import annotations

from datetime import date

from services.credit.screening.checks.exposure import (
    Exposure,
    InMemoryExposure,
    InMemoryPaymentHistory,
    PaymentHistory,
)
from services.shared.money import Money


def test_in_memory_exposure_defaults_to_nothing_owed():
    source = InMemoryExposure({"c1": (12_500, 2)})
    assert source.exposure("c1", currency="GBP", approvals={}) == Exposure(
        outstanding=Money(12_500, "GBP"), active_plans=2
    )
    assert source.exposure("c1", currency="GBP", approvals={"app_1": 500}) == Exposure(
        outstanding=Money(13_000, "GBP"), active_plans=3
    )
    assert source.exposure("c2", currency="GBP", approvals={}).to_json() == {
        "outstanding": {"amount": 0, "currency": "GBP"},
        "activePlans": 0,
    }


def test_in_memory_payment_history_defaults_to_a_clean_record():
    late = PaymentHistory(late_instalments_12m=2)
    source = InMemoryPaymentHistory({"c1": late})
    assert source.payment_history("c1", today=date(2026, 11, 30)) is late
    assert source.payment_history("c2", today=date(2026, 11, 30)).to_json() == {
        "overdueInstalments": 0,
        "lateInstalments12m": 0,
        "missedInstalments12m": 0,
    }
