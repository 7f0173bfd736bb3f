"""Per-row latency of the credit model: in process, and through boto3 `invoke_endpoint` over HTTP.

In process: parsing the instance, the 600-tree evaluation, contributions and reason codes (what
`POST /invocations` does per row). Over HTTP: `ScoringClient.score` (boto3 `sagemaker-runtime`,
SigV4 signing, JSON both ways) against the scoring server in its own uvicorn process, one call
after another on a keep-alive connection. Prints p50/p99 and rows/s.

    python -m bench.scoring [--rows 2000] [--calls 1000]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import httpx

from bnpl.dynamodb_local import free_port
from bnpl.settings import PROJECT_ROOT
from services.credit.adapters.scoring import ScoringClient
from services.scoring.app import DEFAULT_MODEL_DIR
from services.scoring.model import TreeEnsemble
from services.scoring.predictions import predict
from services.shared.settings import Settings


def applicants(count: int) -> list[dict[str, Any]]:
    """Plausible BNPL applicants, some with missing data, from a fixed seed."""
    rng = random.Random(42)
    rows = []
    for _ in range(count):
        amount = rng.randrange(2_000, 200_000)
        rows.append(
            {
                "amount_minor": amount,
                "price_minor": amount,
                "term_months": 12,
                "monthly_income_minor": rng.choice([None, rng.randrange(80_000, 600_000)]),
                "monthly_expenses_minor": rng.randrange(20_000, 300_000),
                "debt_minor": rng.choice([None, 0, rng.randrange(0, 2_000_000)]),
                "home": rng.choice(["owner", "rent", "parents", None]),
                "job": rng.choice(["fixed", "freelance", "partime", "others"]),
                "adverse_records": rng.choice(["no", "no", "no", "yes"]),
            }
        )
    return rows


def timed(call: Callable[[dict[str, Any]], object], rows: list[dict[str, Any]]) -> list[float]:
    samples = []
    for row in rows:
        began = time.perf_counter()
        call(row)
        samples.append((time.perf_counter() - began) * 1e6)
    return samples


def report(label: str, samples: list[float]) -> None:
    cuts = statistics.quantiles(samples, n=100)
    print(
        f"{label:<44} p50 {cuts[49]:8.0f} µs  p99 {cuts[98]:8.0f} µs  "
        f"{len(samples) / (sum(samples) / 1e6):8.0f} rows/s  (n={len(samples)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--calls", type=int, default=1000)
    args = parser.parse_args()

    model = TreeEnsemble.load(DEFAULT_MODEL_DIR / "model.json")
    rows = applicants(args.rows)
    print(f"model {model.version}: {len(model.trees)} trees, Python {sys.version.split()[0]}")
    timed(lambda r: predict(model, {"instances": [r]}), rows[:200])  # warm-up
    report(
        "in process: instance → prediction + factors",
        timed(lambda r: predict(model, {"instances": [r]}), rows),
    )

    port = free_port()
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "services.scoring.app:create_app",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stderr=subprocess.DEVNULL,  # its request log would drown the figures
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/ping").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the scoring server did not start")
            time.sleep(0.1)
        os.environ.update({"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"})
        settings = replace(Settings.from_environ(), scoring_endpoint_url=f"http://127.0.0.1:{port}")
        client = ScoringClient(settings)
        calls = rows[: args.calls]
        timed(client.score, calls[:100])  # warm-up: connection, signing key
        report("invoke_endpoint over HTTP (boto3, SigV4)", timed(client.score, calls))
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
