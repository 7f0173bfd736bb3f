"""The emulator's own cost per request: one query served by bare Strawberry and by the emulator.

Both serve the same schema and answer the same query with the same Python handler, run on a
one-thread executor (as the emulator runs a direct Lambda resolver), through an in-process ASGI
transport, so the difference is what the emulator adds: authentication, the `@aws_*` policy
checks, the direct-Lambda event and AppSync's response shape.

Bare Strawberry authenticates nobody, so the emulator runs twice: with an API key (a lookup:
the emulator's own cost) and with AWS_IAM (the SigV4 signature of every request recomputed as
botocore computes it, which AppSync does too). Prints the median and p99 per request of each and
their ratios to Strawberry (target: emulator / Strawberry <= 1.10).

    python -m bench.emulator_overhead [--requests N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import strawberry
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache

from appsync.api import AppSyncApi
from appsync.app import create_app
from appsync.auth.api_key import ApiKey
from appsync.auth.iam import IamConfig, IamPrincipal
from appsync.auth.modes import AuthMode
from appsync.bindings import Binding
from appsync.config import ApiConfig
from appsync.datasources.lambda_function import LambdaDataSource

URL = "http://bench.test/graphql"
QUERY = "query Get($id: ID!) { item(id: $id) { id name status amount createdAt } }"
API_KEY = "da2-benchbenchbenchbenchbench"
SDL = """
type Item @aws_iam @aws_api_key {
  id: ID!
  name: String!
  status: String!
  amount: Int!
  createdAt: AWSDateTime!
}
type Query {
  item(id: ID!): Item @aws_iam @aws_api_key
}
"""
PRINCIPAL = IamPrincipal(
    access_key_id="AKIDBENCHMERCHANT001",
    secret_access_key="bench-secret",
    account_id="111122223333",
    user_arn="arn:aws:iam::111122223333:user/bench",
    username="bench",
)


def handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    """The work both servers do for the field: a Lambda-style handler."""
    item_id = event["arguments"]["id"]
    return {
        "id": item_id,
        "name": f"item {item_id}",
        "status": "CREATED",
        "amount": 4999,
        "createdAt": "2026-11-30T10:00:00Z",
    }


_EXECUTOR = ThreadPoolExecutor(max_workers=1)


@strawberry.type
class Item:
    id: strawberry.ID
    name: str
    status: str
    amount: int
    created_at: str


@strawberry.type
class Query:
    @strawberry.field
    async def item(self, id: strawberry.ID) -> Item | None:
        event = {"arguments": {"id": id}}
        found = await asyncio.get_running_loop().run_in_executor(_EXECUTOR, handler, event, None)
        return Item(
            id=found["id"],
            name=found["name"],
            status=found["status"],
            amount=found["amount"],
            created_at=found["createdAt"],
        )


def strawberry_app() -> GraphQL[Any, Any]:
    # Strawberry parses and validates every request unless told to cache; the emulator caches
    # both per document, so Strawberry gets its own caches for a like-for-like comparison.
    parser_cache, validation_cache = ParserCache(), ValidationCache()
    schema = strawberry.Schema(
        query=Query, extensions=[lambda: parser_cache, lambda: validation_cache]
    )
    return GraphQL(schema, graphql_ide=None)


def emulator_app() -> Any:
    api = AppSyncApi(
        sdl=SDL,
        config=ApiConfig(
            default_mode=AuthMode.IAM,
            additional_modes=(AuthMode.API_KEY,),
            iam=IamConfig(region="us-east-1", principals=(PRINCIPAL,)),
            api_keys=(ApiKey(id=API_KEY, expires=int(time.time()) + 86400),),
        ),
        bindings=[Binding(type_name="Query", field_name="item", data_source="items")],
        data_sources={"items": LambdaDataSource("items", handler=handler, function_name="items")},
        code_dir=Path(),
    )
    return create_app(api)


def signed(body: bytes) -> dict[str, str]:
    request = AWSRequest(
        method="POST", url=URL, data=body, headers={"content-type": "application/json"}
    )
    credentials = Credentials(PRINCIPAL.access_key_id, PRINCIPAL.secret_access_key)
    SigV4Auth(credentials, "appsync", "us-east-1").add_auth(request)
    return dict(request.headers.items())


async def timings(app: Any, requests: int, warmup: int, *, iam: bool) -> list[float]:
    body = json.dumps({"query": QUERY, "variables": {"id": "c-1"}}).encode()
    # A signature stays valid for five minutes: longer than a run.
    headers = signed(body) if iam else {"content-type": "application/json", "x-api-key": API_KEY}
    times: list[float] = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
        for i in range(requests + warmup):
            began = time.perf_counter()
            response = await client.post(URL, content=body, headers=headers)
            elapsed = time.perf_counter() - began
            assert response.status_code == 200, response.text
            assert response.json()["data"]["item"]["amount"] == 4999, response.text
            if i >= warmup:
                times.append(elapsed * 1e6)
    return times


def summary(times: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(times, n=100)
    return statistics.median(times), cuts[98]


async def compare(requests: int, warmup: int, rounds: int) -> None:
    strawberry_server, emulator = strawberry_app(), emulator_app()
    runs: dict[str, Callable[[int], Awaitable[list[float]]]] = {
        "strawberry": lambda n: timings(strawberry_server, n, warmup, iam=False),
        "emulator, API key": lambda n: timings(emulator, n, warmup, iam=False),
        "emulator, AWS_IAM": lambda n: timings(emulator, n, warmup, iam=True),
    }
    collected: dict[str, list[float]] = {name: [] for name in runs}
    # Alternate in rounds so that every server sees the same machine.
    for _ in range(rounds):
        for name, run in runs.items():
            collected[name].extend(await run(requests // rounds))
    base = statistics.median(collected["strawberry"])
    for name, times in collected.items():
        median, p99 = summary(times)
        print(
            f"{name:18s} n={len(times):5d}  median {median:7.1f} µs  p99 {p99:7.1f} µs  "
            f"{median / base:.2f}x"
        )
    print("target: emulator / strawberry <= 1.10x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    asyncio.run(compare(args.requests, args.warmup, args.rounds))


if __name__ == "__main__":
    main()
