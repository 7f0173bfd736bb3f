"""The webhook rules without I/O: the retry schedule, `Retry-After`, where webhooks may go, the
signature during and after a rotation, what a plan's change tells the merchant, and the body."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from services.credit.plans.domain import (
    Instalment,
    InstalmentStatus,
    PaymentPlan,
    PlanStatus,
)
from services.credit.webhooks.addresses import check_url
from services.credit.webhooks.domain import (
    JITTER,
    MAX_ATTEMPTS,
    MAX_RETRY_AFTER,
    SCHEDULE,
    Attempt,
    SigningSecret,
    new_secret,
    next_attempt,
    parse_retry_after,
    rotated,
)
from services.credit.webhooks.events import EventDraft, EventType, WebhookEvent, plan_events
from services.credit.webhooks.signing import signed_headers
from services.shared.errors import ValidationError
from services.shared.money import Money

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
FAILED = Attempt(status_code=500)


def test_the_schedule_spans_about_three_days() -> None:
    assert len(SCHEDULE) + 1 == MAX_ATTEMPTS
    assert timedelta(days=2.8) < sum(SCHEDULE, timedelta()) < timedelta(days=3.2)
    assert list(SCHEDULE) == sorted(SCHEDULE), "backoff never shrinks"


@pytest.mark.parametrize("attempts", range(1, MAX_ATTEMPTS))
def test_each_retry_waits_its_delay_within_the_jitter(attempts: int) -> None:
    delay = SCHEDULE[attempts - 1]
    earliest = next_attempt(attempts, FAILED, NOW, jitter=lambda: 0.0)
    latest = next_attempt(attempts, FAILED, NOW, jitter=lambda: 1.0)
    assert earliest == NOW + delay * (1 - JITTER)
    assert latest == NOW + delay * (1 + JITTER)


def test_there_is_no_retry_after_the_last_attempt() -> None:
    assert next_attempt(MAX_ATTEMPTS, FAILED, NOW) is None


def test_retry_after_waits_at_least_as_asked_but_never_past_a_day() -> None:
    slow = Attempt(status_code=503, retry_after=timedelta(hours=1))
    assert next_attempt(1, slow, NOW, jitter=lambda: 1.0) == NOW + timedelta(hours=1)
    huge = Attempt(status_code=429, retry_after=timedelta(days=30))
    assert next_attempt(1, huge, NOW) == NOW + MAX_RETRY_AFTER
    # A short Retry-After never brings a retry forward.
    eager = Attempt(status_code=503, retry_after=timedelta(seconds=1))
    assert next_attempt(4, eager, NOW, jitter=lambda: 0.5) == NOW + SCHEDULE[3]


def test_retry_after_takes_seconds_or_an_http_date() -> None:
    assert parse_retry_after("120", NOW) == timedelta(seconds=120)
    assert parse_retry_after("Sat, 05 Dec 2026 09:10:00 GMT", NOW) == timedelta(minutes=10)
    assert parse_retry_after("Sat, 05 Dec 2026 08:00:00 GMT", NOW) == timedelta(0)
    assert parse_retry_after("soon", NOW) is None
    assert parse_retry_after(None, NOW) is None


PRIVATE = [
    "https://10.0.0.5/hooks",
    "https://172.16.3.4/hooks",
    "https://192.168.1.1/hooks",
    "https://169.254.169.254/latest/meta-data",
    "https://100.64.0.1/hooks",
    "https://[fd00::1]/hooks",
    "https://[fe80::1]/hooks",
    "https://[::ffff:10.0.0.5]/hooks",
    "https://0.0.0.0/hooks",
    "https://224.0.0.1/hooks",
]
LOOPBACK = ["https://127.0.0.1/hooks", "https://localhost/hooks", "https://[::1]/hooks"]


@pytest.mark.parametrize("url", PRIVATE + LOOPBACK)
def test_production_refuses_private_loopback_and_link_local_addresses(url: str) -> None:
    with pytest.raises(ValidationError) as refused:
        check_url(url, allow_local=False)
    assert refused.value.details == {"field": "url"}


@pytest.mark.parametrize("url", PRIVATE)
def test_the_local_stack_still_refuses_private_addresses(url: str) -> None:
    with pytest.raises(ValidationError):
        check_url(url, allow_local=True)


def test_the_local_stack_allows_loopback_even_over_http() -> None:
    for url in [*LOOPBACK, "http://127.0.0.1:4010/", "http://localhost:8080/hooks"]:
        assert check_url(url, allow_local=True) == url


def test_production_takes_https_to_public_hosts_only() -> None:
    assert check_url("https://shop.example.com/hooks?x=1", allow_local=False)
    assert check_url("https://shop.example.com:443/hooks", allow_local=False)
    refused = ["http://shop.example.com/", "ftp://shop.example.com/", "https://a:b@c.com/", ""]
    refused += ["https://shop.example.com:8443/hooks", "https://shop.example.com:99999/"]
    for url in refused:
        with pytest.raises(ValidationError):
            check_url(url, allow_local=False)


def test_a_rotation_signs_with_both_secrets_for_a_day_then_with_the_new_one() -> None:
    old = [SigningSecret(value=new_secret())]
    both = rotated(old, NOW)
    assert both[1].expires_at == NOW + timedelta(hours=24)
    body = b'{"id":"evt_1"}'
    during = signed_headers("evt_1", body, both, NOW + timedelta(hours=23))
    after = signed_headers("evt_1", body, both, NOW + timedelta(hours=24, seconds=1))
    assert len(during["webhook-signature"].split(" ")) == 2
    assert len(after["webhook-signature"].split(" ")) == 1
    # The library refuses stale timestamps, so check the signatures with today's stamp.
    now = datetime.now(UTC)
    both_now = rotated(old, now)
    fresh = signed_headers("evt_1", body, both_now, now)
    for secret in (old[0].value, both_now[0].value):
        Webhook(secret).verify(body, fresh)
    lapsed = [both_now[0], SigningSecret(value=old[0].value, expires_at=now - timedelta(seconds=1))]
    only_new = signed_headers("evt_1", body, lapsed, now)
    Webhook(both_now[0].value).verify(body, only_new)
    with pytest.raises(WebhookVerificationError):
        Webhook(old[0].value).verify(body, only_new)


def test_a_second_rotation_keeps_no_more_than_the_live_secrets() -> None:
    first = rotated([SigningSecret(value=new_secret())], NOW)
    second = rotated(first, NOW + timedelta(hours=25))
    assert len(second) == 2, "the first secret lapsed; the second now overlaps the third"


def _plan(*statuses: InstalmentStatus, status: PlanStatus = PlanStatus.ACTIVE) -> PaymentPlan:
    zero = Money(0, "GBP")
    return PaymentPlan(
        id="plan-1",
        checkout_id="chk-1",
        customer_id="sub-1",
        status=status,
        principal=Money(400, "GBP"),
        total_payable=Money(400, "GBP"),
        instalments=tuple(
            Instalment(
                number=n + 1,
                due_date=date(2027, 1 + n, 1),
                amount=Money(100, "GBP"),
                status=s,
                late_fee=zero,
            )
            for n, s in enumerate(statuses)
        ),
        payments=(),
        created_at=NOW,
        refunded=zero,
        fees_waived=zero,
    )


def test_a_plans_change_becomes_its_events_in_order() -> None:
    p, d, late = InstalmentStatus.PAID, InstalmentStatus.DUE, InstalmentStatus.LATE
    assert plan_events(None, _plan(p, d, d, d)) == [], "a new plan is checkout.confirmed"
    paid = plan_events(_plan(p, d, d, d), _plan(p, p, d, d))
    assert [e.type for e in paid] == [EventType.PLAN_INSTALMENT_PAID]
    assert paid[0].data["instalment"]["number"] == 2
    went_late = plan_events(_plan(p, p, d, d), _plan(p, p, late, late))
    assert [e.data["instalment"]["number"] for e in went_late] == [3, 4]
    done = plan_events(_plan(p, p, late, d), _plan(p, p, p, p, status=PlanStatus.COMPLETED))
    assert [e.type for e in done] == [
        EventType.PLAN_INSTALMENT_PAID,
        EventType.PLAN_INSTALMENT_PAID,
        EventType.PLAN_COMPLETED,
    ]
    assert all(e.stream == "chk-1" for e in done)
    assert "payments" not in done[-1].data["plan"], "the shopper's payments stay private"


def test_the_body_carries_id_type_time_sequence_and_snapshot() -> None:
    draft = EventDraft(
        type=EventType.CHECKOUT_CAPTURED, stream="chk-1", data={"checkout": {"id": "chk-1"}}
    )
    event = WebhookEvent.numbered(draft, sequence=4, now=NOW)
    body = json.loads(event.body())
    assert body == {
        "id": event.id,
        "type": "checkout.captured",
        "timestamp": "2026-12-05T09:00:00.000Z",
        "sequence": 4,
        "data": {"checkout": {"id": "chk-1"}},
    }
    assert event.body() == event.body(), "the same bytes on every attempt"
