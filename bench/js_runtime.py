"""APPSYNC_JS runtime figures: handler-pair latency, cold start and memory.

Runs `resolvers/Query.me.js` (GET /customers/me, forwarding the caller's token) with a context
shaped like the one the emulator builds for a signed-in browser: Cognito identity and claims,
a ~900-character JWT among the request headers, and the field's selection set.

Prints the median and p99 of one `request()` + `response()` pair over 10,000 pairs, run as the
emulator runs them: `JsRuntime.begin` (the ctx crosses into JS once and stays there), then
`JsRuntime.finish` with the data source's result (JSON encoding and decoding included). That for
the browser context and for a lean one (one header, bare identity) that isolates the runtime's
fixed cost from the size of the context; next to each, the same pair as two `evaluate` calls
(the ctx sent twice), measured in alternating blocks so that both see the same machine. Then
throughput with eight threads calling at once, the cold start (new runtime + load + first
pair), and RSS.

    python bench/js_runtime.py [--pairs N]
"""

from __future__ import annotations

import argparse
import base64
import json
import resource
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from appsync.js.runtime import JsRuntime

ROOT = Path(__file__).resolve().parents[1]
RESOLVER = "Query.me"
SOURCE = (ROOT / "resolvers" / "Query.me.js").read_text(encoding="utf-8")
AUTH = "AMAZON_COGNITO_USER_POOLS"


def _jwt(claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    header = {"kid": "dev-key-1", "alg": "RS256", "typ": "JWT"}
    return f"{part(header)}.{part(claims)}.{'s' * 342}"


def contexts() -> tuple[dict[str, Any], dict[str, Any]]:
    """The request-phase context, and the data source's result (an HTTP 200)."""
    now = int(time.time())
    sub = "8f2d6a1c-5b7e-4c3d-9a10-2e4f6b8d0c12"
    claims = {
        "sub": sub,
        "iss": "http://127.0.0.1:4003/us-east-1_devpool",
        "cognito:username": "alice",
        "cognito:groups": ["customers"],
        "aud": "bnpl-web-client",
        "token_use": "id",
        "auth_time": now,
        "exp": now + 3600,
        "iat": now,
        "email": "alice@example.com",
        "email_verified": True,
        "event_id": "0b7c9f3e-1d2a-4e5f-8a6b-7c8d9e0f1a2b",
        "origin_jti": "4e5f6a7b-8c9d-4e0f-a1b2-c3d4e5f6a7b8",
        "jti": "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
    }
    headers = {
        "host": "127.0.0.1:4000",
        "user-agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        "accept": "application/json, text/plain, */*",
        "accept-language": "en-GB,en;q=0.5",
        "accept-encoding": "gzip, deflate, br",
        "content-type": "application/json; charset=UTF-8",
        "content-length": "62",
        "origin": "http://localhost:5173",
        "referer": "http://localhost:5173/",
        "authorization": _jwt(claims),
        "x-amz-user-agent": "aws-amplify/6.22.1 api/1 framework/2",
        "x-forwarded-for": "127.0.0.1",
    }
    request = {
        "arguments": {},
        "identity": {
            "sub": sub,
            "issuer": claims["iss"],
            "username": "alice",
            "claims": claims,
            "sourceIp": ["127.0.0.1"],
            "defaultAuthStrategy": "ALLOW",
            "groups": ["customers"],
        },
        "source": None,
        "request": {"headers": headers, "domainName": None},
        "info": {
            "fieldName": "me",
            "parentTypeName": "Query",
            "variables": {},
            "selectionSetList": ["id", "email", "givenName", "familyName", "status"],
            "selectionSetGraphQL": "{\n  id\n  email\n  givenName\n  familyName\n  status\n}",
        },
        "prev": None,
        "stash": {},
    }
    body = {
        "id": sub,
        "email": "alice@example.com",
        "givenName": "Alice",
        "familyName": "Liddell",
        "status": "ACTIVE",
        "createdAt": "2026-11-22T08:00:00.000Z",
    }
    result = {
        "statusCode": 200,
        "headers": {"content-type": "application/json", "content-length": "180"},
        "body": json.dumps(body),
    }
    return request, result


def lean_contexts() -> tuple[dict[str, Any], dict[str, Any]]:
    """The smallest context Query.me can run on: one header, a bare identity."""
    request = {
        "arguments": {},
        "identity": {"sub": "u-42"},
        "source": None,
        "request": {"headers": {"authorization": "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"}},
        "info": {"fieldName": "me", "parentTypeName": "Query", "variables": {}},
        "stash": {},
    }
    body = '{"id":"u-42","email":"u-42@example.com"}'
    return request, {"statusCode": 200, "body": body, "headers": {}}


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _pair(runtime: JsRuntime, request: dict[str, Any], result: dict[str, Any]) -> None:
    """One pair as the emulator runs it: the ctx stays in JS while the data source is called."""
    first, pending = runtime.begin(RESOLVER, request, auth_type=AUTH)
    with pending:
        second = runtime.finish(pending, result=result, error=None)
    if first.error is not None or second.error is not None:
        raise RuntimeError(f"the resolver failed: {first.error or second.error}")


def _evaluate_pair(runtime: JsRuntime, request: dict[str, Any], result: dict[str, Any]) -> None:
    """The same pair as two `evaluate` calls, the ctx (with stash, result, error) sent twice."""
    first = runtime.evaluate(RESOLVER, "request", request, auth_type=AUTH)
    response = dict(request, stash=first.stash, result=result, error=None)
    second = runtime.evaluate(RESOLVER, "response", response, auth_type=AUTH)
    if first.error is not None or second.error is not None:
        raise RuntimeError(f"the resolver failed: {first.error or second.error}")


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.99) - 1]


Pair = Callable[["JsRuntime", dict[str, Any], dict[str, Any]], None]


def _measure(
    runtime: JsRuntime, request: dict[str, Any], result: dict[str, Any], pairs: int
) -> dict[Pair, tuple[float, float]]:
    """Median and p99 of each way to run a pair, in alternating blocks of 100 pairs."""
    ways: tuple[Pair, ...] = (_pair, _evaluate_pair)
    for way in ways:
        for _ in range(500):  # warm-up
            way(runtime, request, result)
    samples: dict[Pair, list[float]] = {way: [] for way in ways}
    clock = time.perf_counter
    for _ in range(max(pairs // 100, 1)):
        for way in ways:
            recorded = samples[way]
            for _ in range(100):
                started = clock()
                way(runtime, request, result)
                recorded.append(clock() - started)
    return {way: _percentiles(recorded) for way, recorded in samples.items()}


def _line(label: str, figures: dict[Pair, tuple[float, float]]) -> str:
    median, p99 = figures[_pair]
    reference, reference_p99 = figures[_evaluate_pair]
    return (
        f"  {label}: median {median * 1e6:.1f} µs, p99 {p99 * 1e6:.1f} µs"
        f"   (as two evaluate calls: median {reference * 1e6:.1f} µs, "
        f"p99 {reference_p99 * 1e6:.1f} µs)"
    )


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=10_000)
    args = parser.parse_args()
    request, result = contexts()
    rss_before = _rss_kib()

    started = time.perf_counter()
    from appsync.js.runtime import JsRuntime  # timed: part of a cold start

    imported = time.perf_counter() - started
    started = time.perf_counter()
    runtime = JsRuntime()
    runtime.load(RESOLVER, SOURCE)
    _pair(runtime, request, result)
    first_cold = time.perf_counter() - started

    colds = []
    for _ in range(20):
        started = time.perf_counter()
        other = JsRuntime()
        other.load(RESOLVER, SOURCE)
        _pair(other, request, result)
        colds.append(time.perf_counter() - started)

    browser = _measure(runtime, request, result, args.pairs)
    lean = _measure(runtime, *lean_contexts(), args.pairs)

    threads, per_thread = 8, max(args.pairs // 8, 1)
    rss_single = _rss_kib()

    def worker() -> None:
        for _ in range(per_thread):
            _pair(runtime, request, result)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    started = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - started
    rss_threads = _rss_kib()

    sizes = [len(json.dumps(value)) for value in (*contexts(), *lean_contexts())]
    print(
        f"resolver: {RESOLVER}; request()+response() pairs as the emulator runs them "
        f"(begin, finish), JSON both ways, one thread, {args.pairs:,} pairs each:"
    )
    print(_line(f"browser ctx ({sizes[0]} B JSON, result {sizes[1]} B)", browser))
    print(_line(f"lean ctx    ({sizes[2]} B JSON, result {sizes[3]} B)", lean))
    print("  target: browser ctx median <= 50 µs")
    print(
        f"{threads} threads x {per_thread:,} pairs, one context per thread: "
        f"{threads * per_thread / elapsed:,.0f} pairs/s"
    )
    print(
        f"cold start: import {imported * 1e3:.1f} ms; new runtime + load + first pair: "
        f"{first_cold * 1e3:.2f} ms the first time, then median "
        f"{statistics.median(colds) * 1e3:.2f} ms"
    )
    print(
        f"RSS: {rss_before / 1024:.1f} MiB before, {rss_single / 1024:.1f} MiB after the "
        f"single-thread run, {rss_threads / 1024:.1f} MiB with {threads} more thread contexts "
        f"(~{(rss_threads - rss_single) / threads:.0f} KiB each)"
    )


if __name__ == "__main__":
    main()
