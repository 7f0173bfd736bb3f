"""The whole checkout as a merchant and a shopper live it: flows per second at 1 and 8 concurrent
flows, and p50/p99 of each of the flow's four GraphQL operations.

One flow is four calls through the local AppSync, as the two parties make them:

1. `createCheckout`: the merchant's backend, SigV4-signed (AWS_IAM), opens the order;
2. `applyForCredit`: the shopper (a Cognito ID token, from their own loopback address, so the
   fraud check's per-IP velocity rule sees one shopper per address) gets a decision and offers;
3. `acceptOffer`: the shopper takes the first offer, paying with the sandbox card `tok_visa`;
4. `captureCheckout`: the merchant captures the whole order.

Starts `bnpl dev --in-memory` on free ports and seeds verified customers, one per flow, so no
customer's own velocity or exposure rules change the path, each with a basket of 20 to 400 GBP.
The sandbox bureau derives a customer's file from its id, so the bench keeps only the (customer,
basket) pairs that the bureau and the stack's scoring endpoint put in an approving band (`Screen`;
`--unscreened` keeps them all). Affordability can still refer or decline some: a flow whose
decision is not APPROVED stops after `applyForCredit` and is counted by outcome, apart from the
approved flows that `approved flows/s` counts. Seeding, screening, tokens and the shoppers' and
merchant's connections are made before the clock starts; untimed warm-up flows precede the timed
runs, and the levels alternate within each run so a disturbance on the box hits every level.
Prints each run, then per level the median flows/s over the runs and each operation's p50/p99
over all of them. Each run also reports the CPU time the stack's processes used per flow (from
/proc, by process in the summary): on a shared box it moves less than flows/s when other work
competes for the cores, so it tells a slow run from a disturbed one.

    python -m bench.checkout_flow [--flows 60] [--concurrency 1 8] [--runs 3] [--warmup 16]
        [--unscreened]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.approvals import applicants
from bench.decision import checkout_input, connected
from bench.processes import cpu_sampled, stack_processes
from bnpl.devstack import RunningStack, running_stack
from bnpl.graphql_client import GraphQLClient
from bnpl.idp.tokens import mint_token

CREATE = """
mutation($input: CreateCheckoutInput!) { createCheckout(input: $input) { id status } }"""
APPLY = """
mutation($input: ApplyForCreditInput!) {
  applyForCredit(input: $input) {
    id status decision { outcome reasons { code } } offers { id product }
  }
}"""
ACCEPT = """
mutation($input: AcceptOfferInput!) { acceptOffer(input: $input) { id status } }"""
CAPTURE = """
mutation($input: CaptureCheckoutInput!) { captureCheckout(input: $input) { id status } }"""
STEPS = ("createCheckout", "applyForCredit", "acceptOffer", "captureCheckout")
CARD = "tok_visa"  # the sandbox card that always succeeds (docs/api.md, test tokens)


class StepError(Exception):
    """A step answered with GraphQL errors or an unexpected status."""

    def __init__(self, step: str, detail: str) -> None:
        super().__init__(f"{step}: {detail}")
        self.step = step
        self.detail = detail


@dataclass
class Shopper:
    """One flow's shopper, ready before the clock: connection, token and basket."""

    sub: str
    http: httpx.Client
    token: str
    reference: str
    amount: int


@dataclass
class Tally:
    """What one run of one level measured."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    outcomes: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)  # of the decisions not APPROVED
    errors: list[str] = field(default_factory=list)
    wall_s: float = 0.0
    stack_cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds by process

    @property
    def stack_cpu_s(self) -> float:
        return sum(self.stack_cpu.values())

    @property
    def approved(self) -> int:
        return self.outcomes["APPROVED"]


def merchant_connection(stack: RunningStack) -> httpx.Client:
    """A keep-alive connection of the sandbox merchant's backend, opened before the clock."""
    http = httpx.Client(timeout=60)
    http.get(stack.settings.graphql_url.replace("/graphql", "/health")).raise_for_status()
    return http


def answer(body: dict[str, Any], step: str) -> dict[str, Any]:
    if body.get("errors"):
        first = body["errors"][0]
        raise StepError(step, f"{first.get('errorType')}: {first.get('message')}")
    data: dict[str, Any] = body["data"][step]
    return data


def flow(stack: RunningStack, merchant: GraphQLClient, shopper: Shopper, tally: Tally) -> None:
    """The four calls of one checkout; each call's latency and the flow's outcome go to `tally`."""
    url = stack.settings.graphql_url
    headers = {"authorization": shopper.token}

    def timed(step: str, call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        began = time.perf_counter()
        body = call()
        tally.latencies[step].append((time.perf_counter() - began) * 1000)
        return answer(body, step)

    def as_shopper(query: str, variables: dict[str, Any]) -> dict[str, Any]:
        response = shopper.http.post(
            url, json={"query": query, "variables": variables}, headers=headers
        )
        body: dict[str, Any] = response.json()
        return body

    created = timed(
        STEPS[0],
        lambda: merchant.execute(
            CREATE, {"input": checkout_input(shopper.reference, shopper.amount)}
        ),
    )
    checkout_id = created["id"]
    application = timed(
        STEPS[1],
        lambda: as_shopper(
            APPLY, {"input": {"checkoutId": checkout_id, "idempotencyKey": uuid.uuid4().hex}}
        ),
    )
    outcome = application["decision"]["outcome"]
    if outcome != "APPROVED":
        tally.outcomes[outcome] += 1
        tally.reasons.update(r["code"] for r in application["decision"]["reasons"][:1])
        return
    accept = {
        "applicationId": application["id"],
        "offerId": application["offers"][0]["id"],
        "paymentMethodToken": CARD,
        "idempotencyKey": uuid.uuid4().hex,
    }
    plan = timed(STEPS[2], lambda: as_shopper(ACCEPT, {"input": accept}))
    if plan["status"] != "ACTIVE":
        raise StepError(STEPS[2], f"plan {plan['id']} is {plan['status']}")
    capture = {"checkoutId": checkout_id, "idempotencyKey": uuid.uuid4().hex}
    captured = timed(STEPS[3], lambda: merchant.execute(CAPTURE, {"input": capture}))
    if captured["status"] != "CAPTURED":
        raise StepError(STEPS[3], f"checkout {checkout_id} is {captured['status']}")
    tally.outcomes["APPROVED"] += 1


def prepare(stack: RunningStack, jobs: list[tuple[str, int]]) -> list[Shopper]:
    """Each shopper's connection (from their own address), token and basket."""
    run = uuid.uuid4().hex[:6]
    return [
        Shopper(
            sub=sub,
            http=connected(stack, sub),
            token=mint_token(stack.settings, sub=sub, email=f"{sub}@example.test"),
            reference=f"flow-{run}-{i}",
            amount=amount,
        )
        for i, (sub, amount) in enumerate(jobs)
    ]


def run_level(stack: RunningStack, concurrency: int, jobs: list[tuple[str, int]]) -> Tally:
    """The flows of `jobs`, `concurrency` at a time; the clock covers only the four calls."""
    shoppers = prepare(stack, jobs)
    connections = [merchant_connection(stack) for _ in range(concurrency)]
    tallies = [Tally() for _ in range(concurrency)]

    def worker(http: httpx.Client, tally: Tally, mine: list[Shopper]) -> None:
        # Every request SigV4-signed, as the merchant's backend signs it.
        url, region = stack.settings.graphql_url, stack.settings.region
        merchant = GraphQLClient(url, iam_region=region, http=http)
        for shopper in mine:
            try:
                flow(stack, merchant, shopper, tally)
            except StepError as failed:
                tally.outcomes[f"failed@{failed.step}"] += 1
                tally.errors.append(str(failed))
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
                tally.outcomes["failed"] += 1
                tally.errors.append(f"{type(error).__name__}: {error}")

    processes = stack_processes(stack.process.pid)
    try:
        with cpu_sampled(processes) as sampled, ThreadPoolExecutor(concurrency) as pool:
            began = time.perf_counter()
            futures = [
                pool.submit(worker, http, tally, shoppers[i::concurrency])
                for i, (http, tally) in enumerate(zip(connections, tallies, strict=True))
            ]
            for future in futures:
                future.result()
            wall_s = time.perf_counter() - began
        # The stack's processes only: the bench's own client is not the product.
        cpu = {
            name: share * sampled.elapsed_s
            for name, share in sampled.shares.items()
            if name != "bench"
        }
    finally:
        for shopper in shoppers:
            shopper.http.close()
        for http in connections:
            http.close()
    merged = Tally(wall_s=wall_s, stack_cpu=cpu)
    for tally in tallies:
        for step, values in tally.latencies.items():
            merged.latencies[step].extend(values)
        merged.outcomes.update(tally.outcomes)
        merged.reasons.update(tally.reasons)
        merged.errors.extend(tally.errors)
    return merged


def cut(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def report_run(run: int, concurrency: int, tally: Tally) -> None:
    flows = sum(tally.outcomes.values())
    others = {k: v for k, v in sorted(tally.outcomes.items()) if k != "APPROVED"}
    p50s = "  ".join(f"{s}={cut(tally.latencies[s], 50):6.1f}" for s in STEPS)
    print(
        f"run {run} c={concurrency:2d}: {flows:4d} flows in {tally.wall_s:6.2f} s  "
        f"{tally.approved / tally.wall_s:6.2f} approved flows/s  "
        f"({flows / tally.wall_s:6.2f} flows/s of any outcome)  approved={tally.approved} "
        f"other={others or '{}'}  stack CPU {tally.stack_cpu_s * 1000 / flows:5.0f} ms/flow  "
        f"p50 ms: {p50s}"
    )
    for error in tally.errors[:3]:
        print(f"    error: {error}")


def report_level(concurrency: int, tallies: list[Tally]) -> None:
    approved = [t.approved / t.wall_s for t in tallies]
    total = [sum(t.outcomes.values()) / t.wall_s for t in tallies]
    cpu = [t.stack_cpu_s * 1000 / sum(t.outcomes.values()) for t in tallies]
    outcomes: Counter[str] = sum((t.outcomes for t in tallies), Counter())
    print(
        f"c={concurrency:2d} median of {len(tallies)} runs: "
        f"{statistics.median(approved):6.2f} approved flows/s "
        f"(runs: {', '.join(f'{v:.2f}' for v in approved)}); "
        f"{statistics.median(total):6.2f} flows/s of any outcome; outcomes {dict(outcomes)}; "
        f"stack CPU {statistics.median(cpu):.0f} ms/flow"
    )
    flows = sum(sum(t.outcomes.values()) for t in tallies)
    by_process: Counter[str] = Counter()
    for t in tallies:
        by_process.update(t.stack_cpu)
    shares = [(name, seconds * 1000 / flows) for name, seconds in by_process.most_common()]
    print(
        "    stack CPU ms/flow by process: "
        + ", ".join(f"{name} {ms:.0f}" for name, ms in shares if ms >= 0.5)
    )
    reasons: Counter[str] = sum((t.reasons for t in tallies), Counter())
    if reasons:
        print(f"    first reason of the decisions not APPROVED: {dict(reasons.most_common())}")
    for step in STEPS:
        values = [v for t in tallies for v in t.latencies[step]]
        print(
            f"    {step:16s} n={len(values):4d}  p50={cut(values, 50):7.1f} ms  "
            f"p99={cut(values, 99):7.1f} ms"
        )


def stack_faults(stack: RunningStack) -> None:
    """Error lines the stack logged while the bench ran (a fault the answers may not show)."""
    faults = [
        line
        for line in stack.log().splitlines()
        if any(mark in line for mark in ("Traceback", "ERROR", "Exception", " 500 "))
    ]
    print(f"\nstack log: {len(faults)} error lines")
    for line in faults[:10]:
        print(f"    {line[:200]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flows", type=int, default=60, help="flows per level and run")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=16, help="untimed flows before the runs")
    parser.add_argument(
        "--unscreened", action="store_true", help="seeded customers as they come (see `Screen`)"
    )
    args = parser.parse_args()
    needed = args.warmup + args.runs * args.flows * len(args.concurrency)
    with tempfile.TemporaryDirectory() as tmp, running_stack(Path(tmp)) as stack:
        print(f"bnpl dev ready after {stack.ready_after_s:.1f} s; {os.cpu_count()} CPUs")
        began = time.perf_counter()
        jobs = applicants(stack, needed, screen=not args.unscreened)
        print(f"{len(jobs)} applicants seeded in {time.perf_counter() - began:.1f} s")
        warm, jobs = jobs[: args.warmup], jobs[args.warmup :]
        warmed = run_level(stack, max(args.concurrency), warm)
        print(f"warm-up: {sum(warmed.outcomes.values())} flows, {dict(warmed.outcomes)}")
        for error in warmed.errors[:3]:
            print(f"    error: {error}")
        tallies: dict[int, list[Tally]] = defaultdict(list)
        for run in range(1, args.runs + 1):
            for concurrency in args.concurrency:
                mine, jobs = jobs[: args.flows], jobs[args.flows :]
                tally = run_level(stack, concurrency, mine)
                report_run(run, concurrency, tally)
                tallies[concurrency].append(tally)
        print()
        for concurrency in args.concurrency:
            report_level(concurrency, tallies[concurrency])
        stack_faults(stack)


if __name__ == "__main__":
    main()
