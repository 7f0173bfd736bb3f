"""Merchant webhooks on DynamoDB Local: how soon a change reaches the receiver, and how many
deliveries one sender makes a second.

- Latency: an event is written to the outbox (the state change's transaction commits) while the
  local sender runs its loop (`sender_task.run`, polling every `BNPL_WEBHOOK_POLL_INTERVAL_S`);
  the time until the receiver answers 2xx, per event, one event at a time, at random moments.
  p50 and p99.
- Throughput: `--events` events over `--checkouts` checkouts are written with the sender
  stopped, then one sender (8 lanes) delivers them all: deliveries/s.
- Reference, in the same run: DynamoDB Local's own single-thread PutItem rate, so the figures can
  be read as a ratio on a shared, noisy machine (each delivery costs about five DynamoDB calls).

Every figure is the median of `--runs` runs.

    python -m bench.webhooks [--runs 3] [--events 400] [--checkouts 50] [--latency-events 100]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import threading
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pynamodb.models import Model

from bench.reference import putitem_rate
from bnpl.dynamodb_local import DynamoDBLocal, free_port
from bnpl.tables import create_tables
from services.credit.checkouts.domain import (
    Checkout,
    CheckoutRequest,
    LineItem,
    Merchant,
    MerchantCaller,
)
from services.credit.checkouts.store import DynamoCheckoutRepository, DynamoMerchantRepository
from services.credit.models import CheckoutModel, CheckoutReferenceModel, MerchantModel
from services.credit.webhooks import models as webhook_models
from services.credit.webhooks.events import EventType, checkout_event
from services.credit.webhooks.outbox import Outbox
from services.credit.webhooks.sender_task import run
from services.credit.webhooks.settings import WebhookSettings
from services.credit.webhooks.wiring import webhook_sender, webhook_service
from services.shared.audit.models import AuditEntryModel
from services.shared.money import Money
from services.shared.settings import Settings

ARN = "arn:aws:iam::111122223333:user/bench-shop"
TABLES: tuple[type[Model], ...] = (
    *webhook_models.MODELS,
    *webhook_models.LOCAL_MODELS,
    CheckoutModel,
    CheckoutReferenceModel,
    MerchantModel,
    AuditEntryModel,  # endpoints' changes are audited
)


class Receiver:
    """Answers 204 at once and notes when each event id arrived."""

    def __init__(self) -> None:
        self.port = free_port()
        self.arrived: dict[str, float] = {}
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length") or 0))
                self.send_response(204)
                self.send_header("content-length", "0")
                self.end_headers()
                with receiver.lock:
                    receiver.arrived.setdefault(self.headers["webhook-id"], time.perf_counter())

            def log_message(self, format: str, *args: Any) -> None:
                del format, args

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def fresh(
    endpoint: str, webhooks: WebhookSettings, receiver: Receiver, checkouts: int
) -> tuple[Settings, list[Checkout]]:
    settings = Settings.from_environ(
        {"BNPL_DYNAMODB_ENDPOINT": endpoint, "BNPL_TABLE_PREFIX": f"b{uuid.uuid4().hex[:6]}-"}
    )
    create_tables(settings, TABLES)
    merchant = Merchant(id="m_bench", name="Bench", principal_arns=frozenset({ARN}))
    DynamoMerchantRepository(settings).save(merchant)
    webhook_service(settings, webhooks).create(
        caller=MerchantCaller(arn=ARN),
        payload={
            "merchantId": merchant.id,
            "url": f"http://127.0.0.1:{receiver.port}/hooks",
            "eventTypes": ["CHECKOUT_CAPTURED"],
        },
    )
    repository = DynamoCheckoutRepository(settings)
    made = []
    for n in range(checkouts):
        request = CheckoutRequest(
            merchant_id=merchant.id,
            merchant_reference=f"bench-{n}-{uuid.uuid4().hex[:6]}",
            amount=Money(1000, "GBP"),
            items=(LineItem(sku="s", name="n", quantity=1, unit_price=Money(1000, "GBP")),),
        )
        checkout = Checkout.open(request, checkout_id=str(uuid.uuid4()), now=datetime.now(UTC))
        repository.add(checkout)
        made.append(checkout)
    return settings, made


def latency(endpoint: str, webhooks: WebhookSettings, events: int) -> list[float]:
    receiver = Receiver()
    settings, [checkout] = fresh(endpoint, webhooks, receiver, 1)
    outbox = Outbox(settings)
    sender = webhook_sender(settings, webhooks)
    stop = threading.Event()
    loop = threading.Thread(target=run, args=(sender, stop, webhooks.poll_interval_s), daemon=True)
    loop.start()
    samples = []
    draft = checkout_event(EventType.CHECKOUT_CAPTURED, checkout)
    pauses = random.Random(7)
    for _ in range(events):
        # Changes come at random moments, not in step with the sender's polling.
        time.sleep(pauses.uniform(0, 2 * webhooks.poll_interval_s))
        began = time.perf_counter()
        [event] = outbox.add([draft], datetime.now(UTC))
        while event.id not in receiver.arrived:
            time.sleep(0.0005)
        samples.append(receiver.arrived[event.id] - began)
    stop.set()
    loop.join()
    sender.close()
    receiver.server.shutdown()
    return samples


def throughput(endpoint: str, webhooks: WebhookSettings, events: int, checkouts: int) -> float:
    receiver = Receiver()
    settings, made = fresh(endpoint, webhooks, receiver, checkouts)
    outbox = Outbox(settings)
    for n in range(events):
        checkout = made[n % len(made)]
        outbox.add([checkout_event(EventType.CHECKOUT_CAPTURED, checkout)], datetime.now(UTC))
    sender = webhook_sender(settings, webhooks)
    began = time.perf_counter()
    while len(receiver.arrived) < events:
        sender.run_once()
    elapsed = time.perf_counter() - began
    sender.close()
    receiver.server.shutdown()
    return events / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--events", type=int, default=400)
    parser.add_argument("--checkouts", type=int, default=50)
    parser.add_argument("--latency-events", type=int, default=100)
    args = parser.parse_args()
    # DynamoDB Local takes any credentials; botocore insists on some.
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    webhooks = WebhookSettings.from_environ({"BNPL_WEBHOOKS_ALLOW_LOCAL": "true"})
    with DynamoDBLocal() as database:
        endpoint = database.endpoint
        p50s, p99s, rates, puts = [], [], [], []
        for _ in range(args.runs):
            samples = sorted(latency(endpoint, webhooks, args.latency_events))
            p50s.append(statistics.median(samples) * 1000)
            p99s.append(samples[min(len(samples) - 1, int(len(samples) * 0.99))] * 1000)
            rates.append(throughput(endpoint, webhooks, args.events, args.checkouts))
            puts.append(putitem_rate(endpoint, region="us-east-1"))
    rate, put = statistics.median(rates), statistics.median(puts)
    print(f"poll interval            {webhooks.poll_interval_s * 1000:.0f} ms")
    p50, p99 = statistics.median(p50s), statistics.median(p99s)
    print(f"change -> receiver 2xx   p50 {p50:.1f} ms   p99 {p99:.1f} ms")
    print(
        f"deliveries/s, 1 sender   {rate:.0f}  ({args.events} events, {args.checkouts} checkouts)"
    )
    print(f"DynamoDB Local PutItem/s {put:.0f}  (one thread)")
    print(f"ratio                    {rate / put:.2f} deliveries per PutItem")
    print(f"runs                     {args.runs} (medians)")


if __name__ == "__main__":
    main()
