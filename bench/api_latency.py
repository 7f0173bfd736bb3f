"""Latency of `me` and `createCheckout` through the local AppSync, over real HTTP.

Starts a whole `bnpl dev --in-memory` stack on free ports, warms it up, then sends requests one
after another (keep-alive, like a browser) and prints the start-up time and p50/p90/p99 per
operation.

    python -m bench.api_latency [--requests 500]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

from bnpl.devstack import running_stack
from bnpl.graphql_client import GraphQLClient
from bnpl.idp.tokens import mint_token
from bnpl.settings import SANDBOX_MERCHANT_ID

ME = "{ me { id email givenName verificationStatus } }"
CREATE = (
    """mutation($input: CreateCheckoutInput!) { createCheckout(input: $input) { id status } }"""
)
REGISTER = """mutation($input: RegisterCustomerInput!) { registerCustomer(input: $input) { id } }"""


def checkout(reference: str) -> dict[str, object]:
    price = {"amount": 2500, "currency": "GBP"}
    return {
        "merchantId": SANDBOX_MERCHANT_ID,
        "merchantReference": reference,
        "amount": price,
        "items": [{"sku": "SKU-1", "name": "Lamp", "quantity": 1, "unitPrice": price}],
    }


def measure(call: Callable[[int], httpx.Response], count: int, warmup: int) -> list[float]:
    for i in range(warmup):
        call(-1 - i).raise_for_status()
    times = []
    for i in range(count):
        start = time.perf_counter()
        response = call(i)
        times.append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
        if "errors" in response.json():
            raise SystemExit(f"request failed: {response.text}")
    return times


def report(name: str, times: list[float]) -> None:
    cuts = statistics.quantiles(times, n=100)
    print(
        f"{name:16s} n={len(times):5d}  p50={cuts[49]:6.2f} ms  p90={cuts[89]:6.2f} ms  "
        f"p99={cuts[98]:6.2f} ms  max={max(times):6.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, running_stack(Path(tmp)) as stack:
        print(f"bnpl dev ready after {stack.ready_after_s:.2f} s (measured from outside)")
        url = stack.settings.graphql_url
        with httpx.Client(timeout=30) as http:
            sub = f"bench-{uuid.uuid4()}"
            token = mint_token(stack.settings, sub=sub, email=f"{sub}@example.test")
            shopper = GraphQLClient(url, token=token, http=http)
            profile = {"givenName": "Bea", "familyName": "Bench", "dateOfBirth": "1990-01-01"}
            shopper.execute(REGISTER, {"input": profile})
            merchant = GraphQLClient(url, iam_region=stack.settings.region, http=http)
            run = uuid.uuid4().hex[:8]
            report("me", measure(lambda _: shopper.post(ME), args.requests, args.warmup))
            report(
                "createCheckout",
                measure(
                    lambda i: merchant.post(CREATE, {"input": checkout(f"bench-{run}-{i}")}),
                    args.requests,
                    args.warmup,
                ),
            )


if __name__ == "__main__":
    main()
