"""`applyForCredit` through the whole local stack: p50/p99 and decisions per second at 1, 8 and
32 concurrent clients, where the time goes by screening step, and a profile of the credit
service.

Starts `bnpl dev --in-memory` on free ports, seeds verified customers (one per application, so
no customer's own velocity or exposure rules change the path), creates a fresh checkout per
request before timing, then times `applyForCredit` only: GraphQL → emulator → credit proxy →
credit service (user service, sandbox bureau, DynamoDB Local, scoring server) and back.

Each level runs `--runs` times (medians reported: the machine is shared and noisy). Beside each
run it prints, for an honest reading, DynamoDB Local's own single-thread PutItem rate measured
just before it, with decisions/s as a ratio to it; and the CPU each process of the stack used
(a share of one core). Then the DynamoDB calls one
decision makes (the credit service's use case run in this process, its botocore calls counted
by operation) and the resident memory of the stack.

`--profile` then runs the credit service's use case in this process under cProfile, against the
same stack, and prints the functions that take the time. `--logging-overhead` instead measures
what logging every request costs (`bench.log_overhead`), and `--shadow-overhead` what scoring a
challenger model in shadow costs (`bench.shadow_overhead`).

    python -m bench.decision [--requests 200] [--clients 1 8 32] [--runs 3] [--profile]
    python -m bench.decision --logging-overhead [--clients 1 8]
    python -m bench.decision --shadow-overhead [--clients 1 8]
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import os
import pstats
import statistics
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from bench.dynamodb_calls import counted_dynamodb_calls
from bench.processes import CpuShare, cpu_sampled, print_cpu, print_rss, stack_processes
from bench.reference import putitem_rate
from bnpl.devstack import RunningStack, running_stack
from bnpl.graphql_client import GraphQLClient
from bnpl.idp.tokens import mint_token
from bnpl.personas import Persona
from bnpl.sandbox import persona_customer
from bnpl.settings import SANDBOX_MERCHANT_ID
from services.credit.applications.service import Shopper
from services.credit.checkouts.ports import NoCheckoutUpdates
from services.credit.wiring import application_service
from services.shared.settings import Settings
from services.user.customers.store import DynamoCustomerRepository

CREATE = """mutation($input: CreateCheckoutInput!) { createCheckout(input: $input) { id } }"""
APPLY = """
mutation($input: ApplyForCreditInput!) {
  applyForCredit(input: $input) {
    id status decision { outcome steps { name durationMs } } offers { id }
  }
}"""


def checkout_input(reference: str, amount: int) -> dict[str, object]:
    price = {"amount": amount, "currency": "GBP"}
    return {
        "merchantId": SANDBOX_MERCHANT_ID,
        "merchantReference": reference,
        "amount": price,
        "items": [{"sku": "SKU-1", "name": "Jacket", "quantity": 1, "unitPrice": price}],
    }


def service_settings(stack: RunningStack) -> Settings:
    return Settings.from_environ({**stack.environ, **stack.settings.service_environ()})


def seed_customers(stack: RunningStack, count: int) -> list[str]:
    """Verified customers `bench-<run>-<i>`; their bureau files derive from their ids."""
    os.environ.update(stack.settings.service_environ())  # boto3 credentials for DynamoDB Local
    repository = DynamoCustomerRepository(service_settings(stack))
    run = uuid.uuid4().hex[:6]
    subs = []
    for i in range(count):
        sub = f"bench-{run}-{i}"
        persona = Persona(
            name=sub,
            sub=sub,
            email=f"{sub}@example.test",
            given_name="Bea",
            family_name="Bench",
            date_of_birth="1990-01-01",
            # Ofcom's drama numbers, clear of the blocklisted sandbox persona `fraud` (900005).
            phone=f"+447700900{100 + i % 899:03d}",
            summary="bench",
        )
        repository.add(persona_customer(persona))
        subs.append(sub)
    return subs


def create_checkouts(stack: RunningStack, http: httpx.Client, count: int) -> list[str]:
    merchant = GraphQLClient(
        stack.settings.graphql_url, iam_region=stack.settings.region, http=http
    )
    run = uuid.uuid4().hex[:6]
    ids = []
    for i in range(count):
        # Basket sizes a BNPL checkout sees: 20 to 400 GBP.
        amount = 2_000 + (i * 7_919) % 38_000
        body = merchant.execute(CREATE, {"input": checkout_input(f"bench-{run}-{i}", amount)})
        ids.append(body["data"]["createCheckout"]["id"])
    return ids


def shopper_ip(sub: str) -> str:
    """A stable, distinct loopback address per shopper (all of 127.0.0.0/8 reaches the stack)."""
    digest = hashlib.sha256(sub.encode()).digest()
    return f"127.{digest[0]}.{digest[1]}.{max(digest[2], 2)}"


def connected(stack: RunningStack, sub: str) -> httpx.Client:
    """A keep-alive client connected to the emulator from the shopper's own address.

    Every shopper connects from their own address, as in production: from one, the fraud
    check's per-IP velocity rule would refer all but the first few (the emulator counts the
    connection's address, never an X-Forwarded-For).
    """
    transport = httpx.HTTPTransport(local_address=shopper_ip(sub))
    http = httpx.Client(timeout=60, transport=transport)
    http.get(stack.settings.graphql_url.replace("/graphql", "/health")).raise_for_status()
    return http


def run_level(
    stack: RunningStack,
    clients: int,
    jobs: list[tuple[str, str]],
    processes: dict[int, str] | None = None,
    *,
    pause_s: float = 0.0,
) -> tuple[list[float], float, list[dict[str, Any]], CpuShare]:
    """Send `jobs` (customer, checkout) from `clients` threads; latencies (ms), wall time (s),
    the answers, and the CPU the `processes` (and this one) used meanwhile.

    Each shopper's connection and token are made before the clock starts. `pause_s`: each
    client waits that long after each answer (so work a decision leaves behind is done before
    the next one starts).
    """
    latencies: list[float] = []
    answers: list[dict[str, Any]] = []
    prepared = [
        (
            connected(stack, sub),
            mint_token(stack.settings, sub=sub, email=f"{sub}@example.test"),
            checkout_id,
        )
        for sub, checkout_id in jobs
    ]
    per_client = [prepared[i::clients] for i in range(clients)]

    def client(mine: list[tuple[httpx.Client, str, str]]) -> None:
        for http, token, checkout_id in mine:
            variables = {"input": {"checkoutId": checkout_id, "idempotencyKey": uuid.uuid4().hex}}
            began = time.perf_counter()
            body = http.post(
                stack.settings.graphql_url,
                json={"query": APPLY, "variables": variables},
                headers={"authorization": token},
            ).json()
            latencies.append((time.perf_counter() - began) * 1000)
            if "errors" in body:
                raise SystemExit(f"applyForCredit failed: {body['errors']}")
            answers.append(body["data"]["applyForCredit"])
            time.sleep(pause_s)

    try:
        with cpu_sampled(processes or {}) as cpu, ThreadPoolExecutor(max_workers=clients) as pool:
            began = time.perf_counter()
            for future in [pool.submit(client, mine) for mine in per_client]:
                future.result()
            wall_s = time.perf_counter() - began
        return latencies, wall_s, answers, cpu
    finally:
        for http, _, _ in prepared:
            http.close()


@dataclass(frozen=True)
class LevelRun:
    """One run of a concurrency level: its figures."""

    p50_ms: float
    p99_ms: float
    rate: float
    put_rate: float

    @property
    def ratio(self) -> float:
        """Decisions/s as a share of DynamoDB Local's PutItem rate in the same run."""
        return self.rate / self.put_rate


def report(
    label: str,
    latencies: list[float],
    wall_s: float,
    answers: list[dict[str, Any]],
    put_rate: float,
) -> LevelRun:
    cuts = statistics.quantiles(latencies, n=100)
    outcomes = Counter(a["decision"]["outcome"] for a in answers)
    run = LevelRun(
        p50_ms=cuts[49], p99_ms=cuts[98], rate=len(latencies) / wall_s, put_rate=put_rate
    )
    print(
        f"{label}  n={len(latencies):4d}  p50={cuts[49]:6.1f} ms  p90={cuts[89]:6.1f} ms  "
        f"p99={cuts[98]:6.1f} ms  {run.rate:5.1f} decisions/s  PutItem {put_rate:4.0f}/s  "
        f"ratio {run.ratio:.3f}  {dict(outcomes)}"
    )
    return run


def report_median(clients: int, runs: list[LevelRun]) -> None:
    def median(values: Iterable[float]) -> float:
        return statistics.median(list(values))

    p50, p99 = median(r.p50_ms for r in runs), median(r.p99_ms for r in runs)
    print(
        f"clients={clients:3d} median of {len(runs)} runs:  p50={p50:6.1f} ms  p99={p99:6.1f} ms"
        f"  {median(r.rate for r in runs):5.1f} decisions/s  "
        f"= {median(r.ratio for r in runs):.3f} x DynamoDB Local's PutItem rate"
    )


def step_breakdown(latencies: list[float], answers: list[dict[str, Any]]) -> None:
    steps: dict[str, list[int]] = defaultdict(list)
    for answer in answers:
        for step in answer["decision"]["steps"]:
            steps[step["name"]].append(step["durationMs"])
    total = statistics.mean(latencies)
    in_steps = sum(statistics.mean(v) * len(v) / len(answers) for v in steps.values())
    print(f"  where a decision's {total:.1f} ms go (1 client, means):")
    for name, values in steps.items():
        print(f"    {name:28s} {statistics.mean(values):6.1f} ms  (in {len(values)} runs)")
    print(f"    {'(outside the steps)':28s} {total - in_steps:6.1f} ms")


def in_process_calls(
    stack: RunningStack, http: httpx.Client, subs: list[str], count: int
) -> list[Callable[[], object]]:
    """`count` applications of the credit service's use case, to run in this process."""
    settings = replace(service_settings(stack), appsync_url=None)
    service = application_service(settings, updates=NoCheckoutUpdates())
    checkouts = create_checkouts(stack, http, count)
    calls: list[Callable[[], object]] = []
    for sub, checkout_id in zip(subs, checkouts, strict=False):
        token = mint_token(stack.settings, sub=sub, email=f"{sub}@example.test")
        # From the shopper's own address, as the timed levels apply: the velocity rule counts it.
        shopper = Shopper(
            sub=sub,
            groups=("customers",),
            authorization=f"Bearer {token}",
            source_ip=shopper_ip(sub),
        )
        payload = {"checkoutId": checkout_id, "idempotencyKey": uuid.uuid4().hex}
        calls.append(partial(service.apply, shopper=shopper, payload=payload))
    return calls


def storage_calls(stack: RunningStack, http: httpx.Client, subs: list[str]) -> None:
    """How many DynamoDB calls one decision makes in the credit service, by operation."""
    calls = in_process_calls(stack, http, subs, len(subs))
    calls[0]()  # builds the service's clients first
    with counted_dynamodb_calls() as counted:
        for call in calls[1:]:
            call()
    runs = len(calls) - 1
    detail = ", ".join(f"{op} {n / runs:.1f}" for op, n in counted.most_common())
    storage = sum(n for op, n in counted.items() if "event bus" not in op)
    print(
        f"DynamoDB calls per decision (credit service, {runs} decisions): "
        f"{storage / runs:.1f} ({detail})"
    )


def profile(stack: RunningStack, http: httpx.Client, subs: list[str], count: int) -> None:
    """The credit service's `apply` in this process under cProfile, against the stack."""
    calls = in_process_calls(stack, http, subs, count + 5)
    for call in calls[:5]:  # warm connections and caches
        call()
    profiler = cProfile.Profile()
    began = time.perf_counter()
    profiler.enable()
    for call in calls[5:]:
        call()
    profiler.disable()
    elapsed = (time.perf_counter() - began) * 1000 / (len(calls) - 5)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(
        r"services|pynamodb/connection/base.py:\d+\(_make_api_call|httpx/_client.py:\d+\(send|botocore/client.py:\d+\(_make_api_call",
        30,
    )
    print(
        f"\nprofile: {len(calls) - 5} applications in process, {elapsed:.1f} ms each (sequential)"
    )
    print(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="per concurrency level")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3, help="runs per level; medians reported")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--logging-overhead",
        action="store_true",
        help="instead: the cost of logging every request (bench.log_overhead)",
    )
    parser.add_argument(
        "--shadow-overhead",
        action="store_true",
        help="instead: the cost of scoring a challenger in shadow (bench.shadow_overhead)",
    )
    args = parser.parse_args()
    if args.shadow_overhead:
        from bench import shadow_overhead

        clients = args.clients if args.clients != [1, 8, 32] else [1, 8]
        shadow_overhead.run(
            requests=args.requests, clients=clients, runs=args.runs, warmup=args.warmup
        )
        return
    if args.logging_overhead:
        from bench import log_overhead

        clients = args.clients if args.clients != [1, 8, 32] else [1, 8]
        log_overhead.run(
            requests=args.requests, clients=clients, runs=args.runs, warmup=args.warmup
        )
        return
    levels = [(c, args.requests) for c in args.clients for _ in range(args.runs)]
    timed, counted, profiled = args.warmup + sum(n for _, n in levels), 21, 105
    needed = timed + counted + (profiled if args.profile else 0)
    with tempfile.TemporaryDirectory() as tmp, running_stack(Path(tmp)) as stack:
        print(f"bnpl dev ready after {stack.ready_after_s:.1f} s; {os.cpu_count()} CPUs")
        processes = stack_processes(stack.process.pid)
        print_rss(processes, indent="")
        subs = seed_customers(stack, needed)
        with httpx.Client(timeout=60) as http:
            checkouts = create_checkouts(stack, http, timed)
            jobs = list(zip(subs[:timed], checkouts, strict=True))
            warm, jobs = jobs[: args.warmup], jobs[args.warmup :]
            run_level(stack, 4, warm)
            for clients in args.clients:
                runs, all_latencies, all_answers = [], [], []
                for run in range(1, args.runs + 1):
                    mine, jobs = jobs[: args.requests], jobs[args.requests :]
                    put_rate = putitem_rate(
                        stack.settings.url(stack.settings.dynamodb_port),
                        region=stack.settings.region,
                    )
                    latencies, wall, answers, cpu = run_level(stack, clients, mine, processes)
                    label = f"clients={clients:3d} run {run}"
                    runs.append(report(label, latencies, wall, answers, put_rate))
                    all_latencies += latencies
                    all_answers += answers
                report_median(clients, runs)
                print_cpu(cpu, per=len(mine), unit="decision")
                if clients == 1:
                    step_breakdown(all_latencies, all_answers)
            storage_calls(stack, http, subs[timed : timed + counted])
            print_rss(processes, indent="")
            if args.profile:
                profile(stack, http, subs[timed + counted :], profiled - 5)


if __name__ == "__main__":
    main()
