"""A soak run of the whole local stack: mixed traffic for minutes, watching for what leaks.

Eight clients (`--clients`) run checkouts end to end, each on a new customer: `createCheckout`,
`applyForCredit`, and when approved `acceptOffer`, `captureCheckout` and `payOffPlan`. The
sandbox merchant has a webhook endpoint whose receiver counts every delivery, and on every
fourth checkout it opens a WebSocket, subscribes to `onCheckoutUpdated` before the capture,
hears it, and closes the socket. Every `--window` seconds the run records, per process of the
stack, its resident memory, open file descriptors and sockets, and the p99 of each call in the
window.

    python -m bench.soak --minutes 10

It prints one line per window and a verdict on each goal: no errors; resident memory growing at
most 10 % after the first window (the warm-up); file descriptors and sockets not growing; p99
not drifting (the last windows against the first after warm-up). `tests/soak/test_soak.py`
runs it as a test (`make soak`).
"""

from __future__ import annotations

import argparse
import asyncio
import http.server
import os
import statistics
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty, Queue
from typing import Any

from gql import Client, GraphQLRequest
from gql.transport.appsync_auth import AppSyncIAMAuthentication
from gql.transport.appsync_websockets import AppSyncWebsocketsTransport

from bench.approvals import basket
from bench.checkout_flow import ACCEPT, CAPTURE, CARD, StepError, answer, merchant_connection
from bench.decision import APPLY, CREATE, checkout_input, connected, seed_customers
from bench.processes import stack_processes
from bnpl.devstack import RunningStack, running_stack
from bnpl.graphql_client import GraphQLClient
from bnpl.idp.tokens import mint_token
from bnpl.settings import (
    SANDBOX_MERCHANT_ACCESS_KEY_ID,
    SANDBOX_MERCHANT_ID,
    SANDBOX_MERCHANT_SECRET_ACCESS_KEY,
)

PAY_OFF = """
mutation($input: PayOffPlanInput!) { payOffPlan(input: $input) { id status } }"""
ON_UPDATED = "subscription S($id: ID!) { onCheckoutUpdated(id: $id) { id status } }"
CREATE_ENDPOINT = """
mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { endpoint { id } }
}"""
RSS_GROWTH = 0.10
# Sockets of kept-alive connections come and go with the traffic's ebb and flow.
FD_SLACK = 8


@dataclass
class Window:
    """What one window of the run saw."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    rss_mib: dict[str, float] = field(default_factory=dict)
    fds: dict[str, int] = field(default_factory=dict)
    sockets: dict[str, int] = field(default_factory=dict)


@dataclass
class Run:
    """The whole run: windows in order, the current one open to the clients."""

    windows: list[Window] = field(default_factory=lambda: [Window()])
    lock: threading.Lock = field(default_factory=threading.Lock)
    deliveries: int = 0
    subscriptions: int = 0
    heard: int = 0

    @property
    def current(self) -> Window:
        return self.windows[-1]

    def timed(self, step: str, began: float) -> None:
        with self.lock:
            self.current.latencies[step].append((time.perf_counter() - began) * 1000)

    def error(self, what: str) -> None:
        with self.lock:
            self.current.errors.append(what)


def resources(stack: RunningStack) -> tuple[dict[str, float], dict[str, int], dict[str, int]]:
    """Resident MiB, open file descriptors and sockets of each service (workers summed)."""
    rss: dict[str, float] = defaultdict(float)
    fds: dict[str, int] = defaultdict(int)
    sockets: dict[str, int] = defaultdict(int)
    for pid, name in stack_processes(stack.process.pid).items():
        try:
            with open(f"/proc/{pid}/statm", encoding="ascii") as statm:
                rss[name] += int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
            links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
        except OSError:
            continue  # gone meanwhile
        fds[name] += len(links)
        sockets[name] += sum(link.startswith("socket:") for link in links)
    return dict(rss), dict(fds), dict(sockets)


@contextmanager
def receiver(run: Run) -> Iterator[str]:
    """A webhook receiver on this machine that counts deliveries; its URL."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", 0)))
            with run.lock:
                run.deliveries += 1
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks"
    finally:
        server.shutdown()


def flow(
    stack: RunningStack,
    merchant: GraphQLClient,
    sub: str,
    amount: int,
    *,
    run: Run,
    watch: Subscriber | None,
) -> None:
    """One checkout, end to end; `watch` subscribes to it before it is captured."""
    http = connected(stack, sub)
    token = mint_token(stack.settings, sub=sub, email=f"{sub}@example.test")
    shopper = GraphQLClient(stack.settings.graphql_url, token=token, http=http)
    try:

        def call(client: GraphQLClient, step: str, query: str, payload: dict[str, Any]) -> Any:
            began = time.perf_counter()
            body = client.execute(query, {"input": payload})
            run.timed(step, began)
            return answer(body, step)

        reference = f"soak-{uuid.uuid4().hex[:12]}"
        checkout = call(merchant, "createCheckout", CREATE, checkout_input(reference, amount))

        def key() -> dict[str, str]:
            return {"idempotencyKey": uuid.uuid4().hex}

        application = call(
            shopper, "applyForCredit", APPLY, {"checkoutId": checkout["id"], **key()}
        )
        outcome = application["decision"]["outcome"]
        with run.lock:
            run.current.outcomes[outcome] += 1
        if outcome == "APPROVED":
            offer = application["offers"][0]["id"]
            accept = {"applicationId": application["id"], "offerId": offer, **key()}
            plan = call(shopper, "acceptOffer", ACCEPT, {**accept, "paymentMethodToken": CARD})
            if watch is not None:
                watch.watch(checkout["id"])  # subscribed before the capture it is to hear
            capture = {"checkoutId": checkout["id"], **key()}
            call(merchant, "captureCheckout", CAPTURE, capture)
            payoff = {"planId": plan["id"], "paymentMethodToken": CARD, **key()}
            call(shopper, "payOffPlan", PAY_OFF, payoff)
    finally:
        http.close()


class Subscriber:
    """The merchant's WebSocket subscriptions, on an event loop of their own: `watch` opens one
    for a checkout and keeps it until it hears an update (or 10 s pass), then closes it."""

    def __init__(self, stack: RunningStack, run: Run) -> None:
        self.host = stack.settings.graphql_url.split("//", 1)[1].split("/", 1)[0]
        self.auth = AppSyncIAMAuthentication(
            host=self.host, credentials=_credentials(), region_name=stack.settings.region
        )
        self.run = run
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.watching: list[Future[None]] = []

    def watch(self, checkout_id: str) -> None:
        """Subscribe to the checkout; returns once the subscription is as good as started."""
        connected = threading.Event()
        hearing = self._hear(checkout_id, connected)
        self.watching.append(asyncio.run_coroutine_threadsafe(hearing, self.loop))
        connected.wait(timeout=10)
        time.sleep(0.2)  # the subscription's start, a message on the open socket

    async def _hear(self, checkout_id: str, connected: threading.Event) -> None:
        url = f"ws://{self.host}/graphql/realtime"
        try:
            transport = AppSyncWebsocketsTransport(url=url, auth=self.auth)
            async with Client(transport=transport) as realtime:
                with self.run.lock:
                    self.run.subscriptions += 1
                request = GraphQLRequest(ON_UPDATED, variable_values={"id": checkout_id})
                updates = realtime.subscribe(request)
                first = asyncio.ensure_future(anext(updates))
                connected.set()
                async with asyncio.timeout(10):
                    await first
                    with self.run.lock:
                        self.run.heard += 1
                    await updates.aclose()
                    return
        except Exception as error:  # noqa: BLE001 - any failure is the run's finding
            connected.set()
            self.run.error(f"subscription: {type(error).__name__}: {error}")

    def close(self) -> None:
        for watching in self.watching:
            watching.result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


def _credentials() -> Any:
    from botocore.credentials import Credentials

    return Credentials(SANDBOX_MERCHANT_ACCESS_KEY_ID, SANDBOX_MERCHANT_SECRET_ACCESS_KEY)


def soak(stack: RunningStack, *, minutes: float, clients: int, window_s: float) -> Run:
    """Run the traffic for `minutes`; the windows it recorded."""
    run = Run()
    customers: Queue[str] = Queue()
    for sub in seed_customers(stack, int(minutes * 60 * 20)):  # more than the clients can use
        customers.put(sub)
    subscriber = Subscriber(stack, run)
    until = time.monotonic() + minutes * 60
    with receiver(run) as url, ThreadPoolExecutor(clients + 1) as pool:
        with closing(merchant_connection(stack)) as http:
            merchant = GraphQLClient(
                stack.settings.graphql_url, iam_region=stack.settings.region, http=http
            )
            endpoint = {
                "merchantId": SANDBOX_MERCHANT_ID,
                "url": url,
                "eventTypes": ["CHECKOUT_APPROVED", "CHECKOUT_CAPTURED", "CHECKOUT_REFUNDED"],
            }
            answer(merchant.execute(CREATE_ENDPOINT, {"input": endpoint}), "createWebhookEndpoint")

        def client(index: int) -> None:
            with closing(merchant_connection(stack)) as http:
                merchant = GraphQLClient(
                    stack.settings.graphql_url, iam_region=stack.settings.region, http=http
                )
                count = 0
                while time.monotonic() < until:
                    try:
                        sub = customers.get_nowait()
                    except Empty:
                        run.error("ran out of seeded customers")
                        return
                    count += 1
                    watch = subscriber if count % 4 == 0 else None
                    try:
                        flow(stack, merchant, sub, basket(index * 7 + count), run=run, watch=watch)
                    except StepError as failed:
                        run.error(str(failed))
                        continue
                    except Exception as error:  # noqa: BLE001 - any failure is the run's finding
                        run.error(f"{type(error).__name__}: {error}")

        futures = [pool.submit(client, i) for i in range(clients)]
        next_window = time.monotonic() + window_s
        while not all(f.done() for f in futures):
            time.sleep(0.5)
            if time.monotonic() >= next_window:
                _close_window(stack, run)
                next_window += window_s
        for future in futures:
            future.result()
        subscriber.close()
    _close_window(stack, run)
    time.sleep(3)  # the sender's last deliveries
    return run


def _close_window(stack: RunningStack, run: Run) -> None:
    rss, fds, sockets = resources(stack)
    with run.lock:
        run.current.rss_mib, run.current.fds, run.current.sockets = rss, fds, sockets
        run.windows.append(Window())


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) > 1 else float("nan")


def report(run: Run) -> dict[str, bool]:
    """Print the windows and the verdicts; the verdicts."""
    windows = [w for w in run.windows if w.rss_mib]
    print("window  flows  errors  apply p99  capture p99   stack RSS MiB  fds  sockets")
    for i, w in enumerate(windows):
        apply, capture = p99(w.latencies["applyForCredit"]), p99(w.latencies["captureCheckout"])
        rss, fds, sockets = sum(w.rss_mib.values()), sum(w.fds.values()), sum(w.sockets.values())
        print(
            f"{i:6d} {sum(w.outcomes.values()):6d} {len(w.errors):7d} {apply:9.0f} ms"
            f" {capture:9.0f} ms {rss:14.0f} {fds:5d} {sockets:8d}"
        )
    errors = [e for w in run.windows for e in w.errors]
    flows = sum(sum(w.outcomes.values()) for w in run.windows)
    outcomes = sum((w.outcomes for w in run.windows), Counter())
    print(
        f"\n{flows} checkouts {dict(outcomes)}; {run.deliveries} webhook deliveries;"
        f" {run.subscriptions} subscriptions, {run.heard} heard an update"
    )
    for line in errors[:10]:
        print(f"    error: {line[:200]}")
    # Against the window a third of the way in: connection pools and caches fill up first.
    first, last = windows[max(1, len(windows) // 3)], windows[-1]
    growth = {n: last.rss_mib[n] / first.rss_mib[n] - 1 for n in first.rss_mib if n in last.rss_mib}
    fd_growth = {n: last.fds.get(n, 0) - first.fds[n] for n in first.fds}
    socket_growth = {n: last.sockets.get(n, 0) - first.sockets[n] for n in first.sockets}
    early = [v for w in windows[1:3] for v in w.latencies["applyForCredit"]]
    late = [v for w in windows[-2:] for v in w.latencies["applyForCredit"]]
    drift = p99(late) / p99(early) if early and late else float("nan")
    print(
        "RSS growth after warm-up by process: "
        + ", ".join(f"{n} {g:+.1%}" for n, g in sorted(growth.items()))
    )
    print(
        "RSS MiB after warm-up / at the end: "
        + ", ".join(f"{n} {first.rss_mib[n]:.0f}/{last.rss_mib[n]:.0f}" for n in sorted(growth))
    )
    print(f"file descriptors: {fd_growth}; sockets: {socket_growth}")
    print(f"applyForCredit p99, last windows against the first after warm-up: {drift:.2f}x")
    verdicts = {
        "no errors": not errors,
        f"RSS growth <= {RSS_GROWTH:.0%}": all(g <= RSS_GROWTH for g in growth.values()),
        "file descriptors not growing": all(g <= FD_SLACK for g in fd_growth.values()),
        "sockets not growing": all(g <= FD_SLACK for g in socket_growth.values()),
    }
    for goal, met in verdicts.items():
        print(f"{'met' if met else 'NOT MET'}: {goal}")
    return verdicts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--window", type=float, default=60.0, help="seconds per window")
    args = parser.parse_args()
    # DynamoDB Local keeps its data on disk, as `bnpl dev` does by default: in memory, the data
    # the run writes would be its memory's growth.
    with tempfile.TemporaryDirectory() as tmp, running_stack(Path(tmp), in_memory=False) as stack:
        print(f"bnpl dev ready after {stack.ready_after_s:.1f} s; {os.cpu_count()} CPUs")
        run = soak(stack, minutes=args.minutes, clients=args.clients, window_s=args.window)
        report(run)


if __name__ == "__main__":
    main()
