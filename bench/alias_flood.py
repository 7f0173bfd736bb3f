"""What one caller's alias flood costs everyone else, through the whole local stack.

Starts `bnpl dev --in-memory` twice on free ports: once with the API's own resolver count limit
(100) and once with AppSync's default (10,000), so the emulator's fan-out bound is measured
without the limit's help. In each, another shopper sends `{ me { id } }` one after another
(keep-alive); first alone, for the reference, then while one flood after another of
`{ a0: me { id } … }` is sent from a second client. Prints, per flood size, how long the flood
took to be answered and what it answered, and the other shopper's p50/p99 during the floods
beside the same figures measured alone in the same run.

    python -m bench.alias_flood [--sizes 1100 2000 5000] [--probes 200] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx

from bnpl.devstack import RunningStack, running_stack
from bnpl.idp.tokens import mint_token

ME = "{ me { id } }"


def token(stack: RunningStack) -> str:
    sub = f"flood-{uuid.uuid4()}"
    return mint_token(stack.settings, sub=sub, email=f"{sub}@example.test")


def probe(stack: RunningStack, count: int, stop: threading.Event | None = None) -> list[float]:
    """`count` sequential `me` requests (or until `stop`), their latencies in ms."""
    times: list[float] = []
    headers = {"authorization": token(stack)}
    with httpx.Client(timeout=120) as http:
        for _ in range(count):
            if stop is not None and stop.is_set():
                break
            began = time.perf_counter()
            answer = http.post(stack.settings.graphql_url, json={"query": ME}, headers=headers)
            times.append((time.perf_counter() - began) * 1000)
            if answer.status_code != 200 or "errors" in answer.json():
                raise SystemExit(f"the other shopper was refused: {answer.text[:300]}")
    return times


def meanwhile(stack: RunningStack, stop: threading.Event, into: list[float]) -> None:
    """The other shopper, probing until `stop`."""
    into.extend(probe(stack, 10**6, stop))


def flood(stack: RunningStack, size: int) -> tuple[float, Counter[str]]:
    """One flood: seconds until answered, and its error types."""
    document = "{ " + " ".join(f"a{i}: me {{ id }}" for i in range(size)) + " }"
    with httpx.Client(timeout=120) as http:
        began = time.perf_counter()
        answer = http.post(
            stack.settings.graphql_url,
            json={"query": document},
            headers={"authorization": token(stack)},
        )
        elapsed = time.perf_counter() - began
    errors = answer.json().get("errors") or []
    return elapsed, Counter(str(e.get("errorType")) for e in errors)


def cuts(times: list[float]) -> str:
    q = statistics.quantiles(times, n=100)
    return f"p50 {q[49]:6.1f} ms  p99 {q[98]:7.1f} ms  (n={len(times)})"


def run_stack(limit: int | None, sizes: list[int], probes: int, runs: int) -> None:
    environ = {"BNPL_RESOLVER_COUNT_LIMIT": str(limit)} if limit else {}
    os.environ.update(environ)
    try:
        with tempfile.TemporaryDirectory() as tmp, running_stack(Path(tmp)) as stack:
            shown = limit or "the API's"
            print(f"\nresolver count limit {shown}:")
            probe(stack, 20)  # warm
            alone = probe(stack, probes)
            print(f"  other shopper alone          {cuts(alone)}")
            for size in sizes:
                stop = threading.Event()
                during: list[float] = []
                other = threading.Thread(target=meanwhile, args=(stack, stop, during))
                other.start()
                answered = []
                kinds: Counter[str] = Counter()
                for _ in range(runs):
                    elapsed, errors = flood(stack, size)
                    answered.append(elapsed)
                    kinds = errors
                stop.set()
                other.join()
                took = statistics.median(answered)
                ratio = statistics.median(during) / statistics.median(alone)
                print(
                    f"  flood of {size:5d}: answered in median {took:5.2f} s "
                    f"({dict(kinds) or 'no errors'}); other shopper meanwhile {cuts(during)}, "
                    f"p50 {ratio:.1f}x alone"
                )
            probe(stack, 5)  # the API still answers after the floods
    finally:
        for name in environ:
            os.environ.pop(name, None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1100, 2000, 5000])
    parser.add_argument("--probes", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3, help="floods per size")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs")
    run_stack(None, args.sizes, args.probes, args.runs)
    run_stack(10_000, args.sizes, args.probes, args.runs)


if __name__ == "__main__":
    main()
