"""`applyForCredit` through the whole local stack: p50/p99 and decisions per second at 1, 8 and
32 concurrent clients, where the time goes by screening step, and a profile of the credit
service.

Starts `bnpl dev --in-memory` on free ports, seeds verified customers (one per application, so
no customer's own velocity or exposure rules change the path), creates a fresh checkout per
request before timing, then times `applyForCredit` only: GraphQL → emulator → credit proxy →
credit service (user service, sandbox bureau, DynamoDB Local, scoring server) and back.

`--profile` then runs the credit service's use case in this process under cProfile, against the
same stack, and prints the functions that take the time.

    python -m bench.decision [--requests 200] [--clients 1 8 32] [--profile]
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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import httpx

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
            phone=f"+4477009{i:05d}",
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
    stack: RunningStack, clients: int, jobs: list[tuple[str, str]]
) -> tuple[list[float], float, list[dict[str, Any]]]:
    """Send `jobs` (customer, checkout) from `clients` threads; latencies (ms), wall time (s).

    Each shopper's connection and token are made before the clock starts.
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

    try:
        began = time.perf_counter()
        with ThreadPoolExecutor(max_workers=clients) as pool:
            for future in [pool.submit(client, mine) for mine in per_client]:
                future.result()
        return latencies, time.perf_counter() - began, answers
    finally:
        for http, _, _ in prepared:
            http.close()


def report(
    clients: int, latencies: list[float], wall_s: float, answers: list[dict[str, Any]]
) -> None:
    cuts = statistics.quantiles(latencies, n=100)
    outcomes = Counter(a["decision"]["outcome"] for a in answers)
    print(
        f"clients={clients:3d} n={len(latencies):4d}  p50={cuts[49]:7.1f} ms  "
        f"p90={cuts[89]:7.1f} ms  p99={cuts[98]:7.1f} ms  "
        f"{len(latencies) / wall_s:6.1f} decisions/s  {dict(outcomes)}"
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


def profile(stack: RunningStack, http: httpx.Client, subs: list[str], count: int) -> None:
    """The credit service's `apply` in this process under cProfile, against the stack."""
    settings = replace(service_settings(stack), appsync_url=None)
    service = application_service(settings, updates=NoCheckoutUpdates())
    checkouts = create_checkouts(stack, http, count + 5)
    calls: list[Callable[[], object]] = []
    for sub, checkout_id in zip(subs, checkouts, strict=False):
        token = mint_token(stack.settings, sub=sub, email=f"{sub}@example.test")
        shopper = Shopper(sub=sub, groups=("customers",), authorization=f"Bearer {token}")
        payload = {"checkoutId": checkout_id, "idempotencyKey": uuid.uuid4().hex}
        calls.append(partial(service.apply, shopper=shopper, payload=payload))
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
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    levels = [(c, args.requests) for c in args.clients]
    needed = args.warmup + sum(n for _, n in levels) + (105 if args.profile else 0)
    with tempfile.TemporaryDirectory() as tmp, running_stack(Path(tmp)) as stack:
        print(f"bnpl dev ready after {stack.ready_after_s:.1f} s; {os.cpu_count()} CPUs")
        subs = seed_customers(stack, needed)
        with httpx.Client(timeout=60) as http:
            checkouts = create_checkouts(stack, http, needed)
            jobs = list(zip(subs, checkouts, strict=True))
            warm, jobs = jobs[: args.warmup], jobs[args.warmup :]
            run_level(stack, 4, warm)
            for clients, count in levels:
                mine, jobs = jobs[:count], jobs[count:]
                latencies, wall, answers = run_level(stack, clients, mine)
                report(clients, latencies, wall, answers)
                if clients == 1:
                    step_breakdown(latencies, answers)
            if args.profile:
                profile(stack, http, [sub for sub, _ in jobs], 100)


if __name__ == "__main__":
    main()
