"""The applicant's earlier applications: the approvals the exposure adds, and the records' raw
entries as the store writes and reads them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.credit.applications.domain import CreditApplication
from services.credit.applications.recent import CAPACITY, KEEP, _entry, _item, _stale, subject
from services.credit.screening.checks.prior import (
    PriorApplication,
    PriorApplications,
    VelocityKey,
    applicant_keys,
)
from services.shared.money import Money
from tests.unit.services.credit.workflow.fakes import credit_application

NOW = datetime(2026, 12, 5, 12, tzinfo=UTC)
OPEN = NOW + timedelta(minutes=30)


def decided(
    app_id: str,
    checkout: str,
    outcome: str | None,
    *,
    amount: int = 1_000,
    currency: str = "GBP",
    **changes: object,
) -> PriorApplication:
    values: dict[str, object] = {
        "id": app_id,
        "created_at": NOW - timedelta(minutes=10),
        "checkout_id": checkout,
        "amount": Money(amount, currency),
        "checkout_expires_at": OPEN,
        "outcome": outcome,
        **changes,
    }
    return PriorApplication(**values)  # type: ignore[arg-type]


def approvals(*apps: PriorApplication) -> dict[str, int]:
    prior = PriorApplications(by_key={VelocityKey.CUSTOMER: apps})
    return prior.open_approvals(currency="GBP", now=NOW)


def test_an_open_approval_counts_at_its_amount():
    assert approvals(decided("a1", "co1", "APPROVED", amount=4_200)) == {"a1": 4_200}


def test_only_the_latest_decided_application_on_a_checkout_counts():
    earlier = decided("a1", "co1", "APPROVED", created_at=NOW - timedelta(minutes=20))
    assert approvals(earlier, decided("a2", "co1", "APPROVED", amount=3_000)) == {"a2": 3_000}
    assert approvals(earlier, decided("a2", "co1", "DECLINED")) == {}
    # An undecided later application leaves the earlier approval the one that counts.
    assert approvals(earlier, decided("a2", "co1", None)) == {"a1": 1_000}


def test_closed_checkouts_other_currencies_and_refusals_do_not_count():
    closed = decided("a1", "co1", "APPROVED", checkout_expires_at=NOW)
    euros = decided("a2", "co2", "APPROVED", currency="EUR")
    referred = decided("a3", "co3", "REFERRED")
    assert approvals(closed, euros, referred) == {}


def test_an_application_is_counted_by_its_customer_and_its_known_device_and_address():
    assert applicant_keys("c1", None, None) == {VelocityKey.CUSTOMER: "c1"}
    assert applicant_keys("c1", "d1", "203.0.113.7") == {
        VelocityKey.CUSTOMER: "c1",
        VelocityKey.DEVICE: "d1",
        VelocityKey.IP: "203.0.113.7",
    }


def test_a_records_key_holds_no_identifier():
    key = subject(VelocityKey.IP, "203.0.113.7")
    assert key.startswith("IP#")
    assert "203.0.113.7" not in key
    assert key != subject(VelocityKey.DEVICE, "203.0.113.7")


def application(outcome: str) -> CreditApplication:
    pending = credit_application(
        id="a1",
        customer_id="c1",
        checkout_id="co1",
        amount=Money(12_345, "GBP"),
        checkout_expires_at=OPEN,
        created_at=NOW,
    )
    return pending.decided({"outcome": outcome}, [])


def raw(entry: dict[str, object]) -> dict[str, object]:
    """An entry as DynamoDB answers it."""
    return {
        name: {"N": str(value)} if isinstance(value, int) else {"S": value}
        for name, value in entry.items()
    }


def test_a_customers_entry_reads_back_as_written_and_a_devices_keeps_only_the_time():
    customers = _entry("a1", raw(_item(application("APPROVED"), customer=True)))
    assert customers == decided("a1", "co1", "APPROVED", amount=12_345, created_at=NOW)
    devices = _entry("a1", raw(_item(application("APPROVED"), customer=False)))
    assert devices == PriorApplication(id="a1", created_at=NOW)


def test_a_write_removes_what_no_rule_looks_back_to_and_what_is_over_capacity():
    old = PriorApplication(id="old", created_at=NOW - KEEP - timedelta(seconds=1))
    fresh = PriorApplication(id="fresh", created_at=NOW - KEEP + timedelta(seconds=1))
    assert _stale((old, fresh), now=NOW) == ["old"]
    full = tuple(
        PriorApplication(id=f"a{i}", created_at=NOW - timedelta(seconds=CAPACITY - i))
        for i in range(CAPACITY)
    )
    assert _stale(full, now=NOW) == ["a0"]  # room for the one being added
