"""The webhook sender on DynamoDB Local against real HTTP receivers: signed events in sequence
order, retries under one webhook-id until the receiver recovers, `Retry-After`, 410, dead
letters after about three days, the SSRF guard at connect time, and a sender killed mid-send."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from bench.dynamodb_calls import counted_dynamodb_calls
from services.credit.webhooks import sender_task
from services.credit.webhooks.domain import (
    MAX_ATTEMPTS,
    DeliveryStatus,
    DisabledReason,
    EndpointStatus,
)
from services.credit.webhooks.events import EventType
from services.credit.webhooks.sender import WebhookSender
from services.credit.webhooks.store import CheckoutMerchants, DynamoWebhookStore
from services.credit.webhooks.transport import sender_client
from services.shared.errors import DependencyFailure
from services.shared.settings import Settings
from tests.functional.services.conftest import SHOP
from tests.functional.services.webhook_harness import Webhooks, body_of
from tests.functional.services.webhook_receiver import Receiver, Reply

pytestmark = pytest.mark.ddblocal


@pytest.fixture
def hooks(webhook_settings: Settings) -> Webhooks:
    return Webhooks(webhook_settings, SHOP)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


def test_a_checkouts_events_arrive_signed_once_each_in_sequence_order(
    hooks: Webhooks, receiver: Receiver
) -> None:
    endpoint_id, secret = hooks.endpoint(receiver.url)
    checkout = hooks.checkout()
    types = [EventType.CHECKOUT_CONFIRMED, EventType.CHECKOUT_CAPTURED, EventType.CHECKOUT_REFUNDED]
    events = [hooks.event(checkout, t) for t in types]

    report = hooks.sender().run_once()

    assert (report.dispatched, report.delivered) == (3, 3)
    bodies = [Webhook(secret).verify(r.body, r.headers) for r in receiver.received]
    assert [b["sequence"] for b in bodies] == [1, 2, 3]
    assert [b["type"] for b in bodies] == [t.value for t in types]
    assert [r.headers["webhook-id"] for r in receiver.received] == [e.id for e in events]
    assert all(b["data"]["checkout"]["id"] == checkout.id for b in bodies)
    assert {d.status for d in hooks.deliveries(endpoint_id)} == {DeliveryStatus.DELIVERED}
    # A second pass finds nothing to send: exactly once per webhook-id while the receiver is up.
    assert hooks.sender().run_once().attempts == 0
    assert len(receiver.received) == 3


def test_a_pass_reads_its_events_in_one_batch_and_no_checkout(
    hooks: Webhooks, receiver: Receiver
) -> None:
    hooks.endpoint(receiver.url)
    checkouts = [hooks.checkout() for _ in range(3)]
    for checkout in checkouts:
        hooks.event(checkout, EventType.CHECKOUT_CONFIRMED)
        hooks.event(checkout, EventType.CHECKOUT_CAPTURED)
    sender = hooks.sender()

    def by_table(operation: str, params: Mapping[str, Any]) -> str:
        table = params.get("TableName") or ",".join(params.get("RequestItems", {}))
        return f"{operation} {table.split('-', 1)[-1]}"

    with counted_dynamodb_calls(by_table) as calls:
        report = sender.dispatch()
    assert (report.dispatched, report.delivered) == (6, 6)
    assert calls["BatchGetItem webhook_events"] == 1
    assert calls["GetItem webhook_events"] == 0
    # Each checkout event names its merchant: no checkout is read to find out whose it is.
    assert calls["GetItem checkouts"] == 0


def test_an_endpoint_gets_only_the_types_it_took(hooks: Webhooks, receiver: Receiver) -> None:
    hooks.endpoint(receiver.url, [EventType.CHECKOUT_CAPTURED])
    checkout = hooks.checkout()
    hooks.event(checkout, EventType.CHECKOUT_CONFIRMED)
    hooks.event(checkout, EventType.CHECKOUT_CAPTURED)

    hooks.sender().run_once()

    assert [body_of(r.body)["type"] for r in receiver.received] == ["checkout.captured"]


def test_failures_are_retried_under_the_same_id_until_the_receiver_recovers(
    hooks: Webhooks,
) -> None:
    receiver = Receiver(Reply(500), Reply(204, hang_s=3), then=Reply(204)).start()
    endpoint_id, secret = hooks.endpoint(receiver.url)
    event = hooks.event(hooks.checkout())
    sender = hooks.sender(timeout_s=1.0)

    sender.run_once()  # 500
    [delivery] = hooks.deliveries(endpoint_id)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        DeliveryStatus.PENDING,
        1,
        500,
    )
    assert sender.run_once().attempts == 0, "not due again before its backoff"

    hooks.clock.to(delivery.next_attempt_at)
    sender.run_once()  # the receiver hangs past the timeout
    [delivery] = hooks.deliveries(endpoint_id)
    assert delivery.attempts == 2
    assert "timed out" in (delivery.last_error or "")

    receiver.stop()  # connection refused
    hooks.clock.to(delivery.next_attempt_at)
    sender.run_once()
    [delivery] = hooks.deliveries(endpoint_id)
    assert delivery.attempts == 3
    assert delivery.last_status_code is None
    assert hooks.endpoint_now(endpoint_id).failing_since is not None

    receiver.start()
    hooks.clock.to(delivery.next_attempt_at)
    sender.run_once()
    receiver.stop()

    [delivery] = hooks.deliveries(endpoint_id)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 4)
    assert [r.headers["webhook-id"] for r in receiver.received] == [event.id] * 3
    assert len({r.body for r in receiver.received}) == 1, "every attempt sends the same body"
    for request in receiver.received:
        Webhook(secret).verify(request.body, request.headers)
    assert hooks.endpoint_now(endpoint_id).failing_since is None, "a success clears the failure"


def test_retry_after_is_honoured(hooks: Webhooks) -> None:
    with Receiver(Reply(503, {"Retry-After": "600"}), then=Reply(204)) as receiver:
        endpoint_id, _ = hooks.endpoint(receiver.url)
        hooks.event(hooks.checkout())
        sender = hooks.sender()
        sender.run_once()
        [delivery] = hooks.deliveries(endpoint_id)
        assert delivery.next_attempt_at - hooks.clock() >= timedelta(seconds=600)

        hooks.clock.advance(timedelta(seconds=30))  # the schedule alone would retry at ~5 s
        assert sender.run_once().attempts == 0
        hooks.clock.to(delivery.next_attempt_at)
        assert sender.run_once().delivered == 1


def test_410_disables_the_endpoint(hooks: Webhooks) -> None:
    with Receiver(then=Reply(410)) as receiver:
        endpoint_id, _ = hooks.endpoint(receiver.url)
        checkout = hooks.checkout()
        hooks.event(checkout)
        hooks.sender().run_once()

        endpoint = hooks.endpoint_now(endpoint_id)
        assert endpoint.status is EndpointStatus.DISABLED
        assert endpoint.disabled_reason is DisabledReason.GONE
        [delivery] = hooks.deliveries(endpoint_id)
        assert delivery.status is DeliveryStatus.FAILED
        assert hooks.dead_letters.letters == [], "the merchant's own 410 raises no alarm"

        hooks.event(checkout, EventType.CHECKOUT_CAPTURED)
        hooks.sender().run_once()
        assert len(receiver.received) == 1, "nothing more is sent to a disabled endpoint"


def test_a_receiver_that_never_recovers_is_dead_lettered_and_disabled(hooks: Webhooks) -> None:
    with Receiver(then=Reply(500)) as receiver:
        endpoint_id, _ = hooks.endpoint(receiver.url)
        hooks.event(hooks.checkout())
        sender = hooks.sender()
        started = hooks.clock()
        for _ in range(MAX_ATTEMPTS + 2):
            sender.run_once()
            [delivery] = hooks.deliveries(endpoint_id)
            if delivery.status is not DeliveryStatus.PENDING:
                break
            hooks.clock.to(delivery.next_attempt_at)

        assert delivery.status is DeliveryStatus.FAILED
        assert delivery.attempts == MAX_ATTEMPTS == len(receiver.received)
        assert timedelta(days=2.5) < hooks.clock() - started < timedelta(days=3.5)
        assert [d.id for d in hooks.dead_letters.letters] == [delivery.id]
        endpoint = hooks.endpoint_now(endpoint_id)
        assert (endpoint.status, endpoint.disabled_reason) == (
            EndpointStatus.DISABLED,
            DisabledReason.FAILING,
        )


def test_production_settings_refuse_loopback_when_connecting(
    hooks: Webhooks, receiver: Receiver
) -> None:
    """The URL was accepted by the local stack's rules; a sender with production's settings
    still refuses to connect to it (a name re-pointed at a private address looks the same)."""
    endpoint_id, _ = hooks.endpoint(receiver.url.replace("127.0.0.1", "localhost"))
    hooks.event(hooks.checkout())

    hooks.sender(allow_local=False).run_once()

    assert receiver.received == []
    [delivery] = hooks.deliveries(endpoint_id)
    assert delivery.status is DeliveryStatus.PENDING
    assert "no public address" in (delivery.last_error or "")


def test_a_sender_killed_mid_delivery_is_replaced_and_nothing_is_lost(
    hooks: Webhooks, webhook_settings: Settings
) -> None:
    receiver = Receiver(Reply(204, hang_s=30), then=Reply(204)).start()
    endpoint_id, secret = hooks.endpoint(receiver.url)
    event = hooks.event(hooks.checkout())
    script = textwrap.dedent(
        """
        from datetime import UTC, datetime, timedelta
        from services.credit.webhooks.secret_store import DynamoSecretStore
        from services.credit.webhooks.sender import WebhookSender
        from services.credit.webhooks.store import CheckoutMerchants, DynamoWebhookStore
        from services.credit.webhooks.transport import sender_client
        from services.shared.settings import Settings

        settings = Settings.from_environ()
        WebhookSender(
            store=DynamoWebhookStore(settings),
            secrets=DynamoSecretStore(settings),
            merchant_of=CheckoutMerchants(settings),
            http=sender_client(allow_local=True, timeout_s=60),
            timeout_s=60,
            lease=timedelta(seconds=2),
        ).run_once()
        """
    )
    environ = {
        **os.environ,
        "BNPL_DYNAMODB_ENDPOINT": str(webhook_settings.dynamodb_endpoint),
        "BNPL_TABLE_PREFIX": webhook_settings.table_prefix,
    }
    child = subprocess.Popen([sys.executable, "-c", script], env=environ)
    try:
        deadline = time.monotonic() + 60
        while not receiver.received and time.monotonic() < deadline:
            time.sleep(0.05)
        assert receiver.received, "the first sender sent the event"
        child.send_signal(signal.SIGKILL)
        child.wait()
    finally:
        if child.poll() is None:
            child.kill()
    [held] = hooks.deliveries(endpoint_id)
    assert held.status is DeliveryStatus.PENDING
    assert held.attempts == 0

    # Once the dead sender's lease (2 s of real time) runs out, the next one sends it again.
    hooks.clock.to(datetime.now(UTC) + timedelta(seconds=3))
    assert hooks.sender().run_once().delivered == 1
    receiver.stop()

    assert [r.headers["webhook-id"] for r in receiver.received] == [event.id, event.id]
    Webhook(secret).verify(receiver.received[-1].body, receiver.received[-1].headers)
    [delivery] = hooks.deliveries(endpoint_id)
    assert delivery.status is DeliveryStatus.DELIVERED


def test_a_sender_rides_out_its_store_going_down(hooks: Webhooks, caplog) -> None:
    """Each of a pass's reads of a store that is down is a `DependencyFailure`, which the
    sender's loop logs and retries; nothing escapes to stop the process."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    dead = replace(hooks.settings, dynamodb_endpoint=f"http://127.0.0.1:{closed.getsockname()[1]}")
    closed.close()
    down = WebhookSender(
        store=DynamoWebhookStore(dead),
        secrets=hooks.secrets,
        merchant_of=CheckoutMerchants(dead),
        http=sender_client(allow_local=True, timeout_s=1.0),
        dead_letters=hooks.dead_letters,
        clock=hooks.clock,
    )
    with pytest.raises(DependencyFailure):
        down.dispatch()
    with pytest.raises(DependencyFailure):
        down.deliver_due()
    stop = threading.Event()
    passes = threading.Thread(target=sender_task.run, args=(down, stop, 0.01))
    with caplog.at_level(logging.WARNING, logger="webhooks"):
        passes.start()
        time.sleep(1.5)
        stop.set()
        passes.join(timeout=10)
    assert not passes.is_alive()
    assert any("sender pass failed, retrying" in r.getMessage() for r in caplog.records)
