"""Subscription fan-out latency through the local AppSync, over real WebSockets.

Starts a whole `bnpl dev --in-memory` stack on free ports, opens N real-time connections (one
`onCheckoutUpdated(id)` subscription each, Cognito tokens, the `header-` subprotocol amplify-js
uses), then has the sandbox merchant publish `publishCheckoutUpdate` over HTTP (SigV4), one
publish at a time, and records for every subscriber the time from the moment the HTTP request
was sent to the moment its `data` message was read. Prints p50/p99/max for 1 and for 500
subscribers (also from the HTTP response's arrival, for comparison).

The subscribers and the publisher share this process's event loop, so the numbers include the
client side reading N sockets; the server runs in its own process.

    python -m bench.subscriptions [--subscribers 1 500] [--publishes 20]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from bnpl.devstack import RunningStack, running_stack
from bnpl.idp.tokens import mint_token
from bnpl.settings import (
    SANDBOX_MERCHANT_ACCESS_KEY_ID,
    SANDBOX_MERCHANT_ID,
    SANDBOX_MERCHANT_SECRET_ACCESS_KEY,
)

SUBSCRIBE = "subscription($id: ID!) { onCheckoutUpdated(id: $id) { id status } }"
PUBLISH = """mutation($input: CheckoutUpdateInput!) {
  publishCheckoutUpdate(input: $input) { id status }
}"""
PRICE = {"amount": 2500, "currency": "GBP"}
CHECKOUT_ID = "bench-checkout"


def update(status: str) -> dict[str, Any]:
    return {
        "id": CHECKOUT_ID,
        "merchantId": SANDBOX_MERCHANT_ID,
        "merchantReference": "bench",
        "amount": PRICE,
        "items": [{"sku": "S", "name": "Lamp", "quantity": 1, "unitPrice": PRICE}],
        "status": status,
        "expiresAt": "2030-01-01T00:00:00Z",
        "createdAt": "2029-01-01T00:00:00Z",
    }


def header(host: str, token: str) -> str:
    raw = json.dumps({"host": host, "Authorization": token}).encode()
    return "header-" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


async def subscriber(stack: RunningStack, host: str, index: int) -> ClientConnection:
    """One connection with one acknowledged subscription."""
    sub = f"bench-{index}-{uuid.uuid4()}"
    token = mint_token(stack.settings, sub=sub, email=f"{sub}@example.test", groups=("customers",))
    ws = await connect(
        f"ws://{host}/graphql/realtime",
        subprotocols=[Subprotocol("graphql-ws"), Subprotocol(header(host, token))],
        max_queue=None,
    )
    await ws.send('{"type":"connection_init"}')
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    data = json.dumps({"query": SUBSCRIBE, "variables": {"id": CHECKOUT_ID}})
    auth = {"host": host, "Authorization": token}
    start = {
        "id": "s",
        "type": "start",
        "payload": {"data": data, "extensions": {"authorization": auth}},
    }
    await ws.send(json.dumps(start))
    assert json.loads(await ws.recv())["type"] == "start_ack"
    return ws


async def delivered_at(ws: ClientConnection) -> float:
    while True:
        message = json.loads(await ws.recv())
        if message["type"] == "data":
            return time.perf_counter()


def signed(url: str, body: str, region: str) -> dict[str, str]:
    request = AWSRequest(
        method="POST", url=url, data=body, headers={"content-type": "application/json"}
    )
    credentials = Credentials(SANDBOX_MERCHANT_ACCESS_KEY_ID, SANDBOX_MERCHANT_SECRET_ACCESS_KEY)
    SigV4Auth(credentials, "appsync", region).add_auth(request)
    return dict(request.headers.items())


async def run(stack: RunningStack, subscribers: int, publishes: int) -> dict[str, list[float]]:
    url = stack.settings.graphql_url
    host = urlparse(url).netloc
    sockets = [await subscriber(stack, host, i) for i in range(subscribers)]
    from_sent: list[float] = []
    from_response: list[float] = []
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            for round_ in range(publishes + 2):  # the first two warm up
                body = json.dumps({"query": PUBLISH, "variables": {"input": update("APPROVED")}})
                headers = signed(url, body, stack.settings.region)
                waits = [asyncio.create_task(delivered_at(ws)) for ws in sockets]
                sent = time.perf_counter()
                response = await http.post(url, content=body, headers=headers)
                answered = time.perf_counter()
                response.raise_for_status()
                assert "errors" not in response.json(), response.text
                arrivals = await asyncio.wait_for(asyncio.gather(*waits), 30)
                if round_ >= 2:
                    from_sent.extend((t - sent) * 1000 for t in arrivals)
                    from_response.extend(max(0.0, t - answered) * 1000 for t in arrivals)
    finally:
        await asyncio.gather(*(ws.close() for ws in sockets))
    return {"from request sent": from_sent, "from response received": from_response}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, nargs="+", default=[1, 500])
    parser.add_argument("--publishes", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir, running_stack(Path(data_dir)) as stack:
        print(f"stack ready in {stack.ready_after_s:.1f} s")
        for count in args.subscribers:
            results = asyncio.run(run(stack, count, args.publishes))
            for label, values in results.items():
                print(
                    f"{count:>4} subscribers, {label:<24} n={len(values):>5}  "
                    f"p50 {statistics.median(values):6.2f} ms  "
                    f"p99 {percentile(values, 0.99):6.2f} ms  max {max(values):6.2f} ms"
                )


if __name__ == "__main__":
    main()
