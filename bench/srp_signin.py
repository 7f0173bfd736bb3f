"""SRP sign-in on the dev identity provider's side: what a shopper's `signIn` costs the server.

Starts a fresh `bnpl dev` stack and signs a persona in with `USER_SRP_AUTH` again and again, as
Amplify does: `InitiateAuth` (the server looks the user up and computes B = kv + g^b), the client's
proof computed off the clock (pycognito's AWSSRP), then `RespondToAuthChallenge` (the server
computes the shared key, checks the HMAC claim, records the sign-in and signs three tokens). The
figure is the sum of the two round trips over loopback HTTP, client work excluded.

Beside it, measured in the same run: a `/health` round trip to the same process (the HTTP floor)
and a DynamoDB Local `GetItem` (the storage floor), so the figure can be read on a noisy machine.

    python -m bench.srp_signin [--sign-ins 200] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import httpx
from pycognito.aws_srp import AWSSRP

from bnpl.devstack import RunningStack, running_stack
from bnpl.personas import PERSONAS

TARGET = "AWSCognitoIdentityProviderService."
HEADERS = {"Content-Type": "application/x-amz-json-1.1"}
# Cognito's UserAuthentication quota is 120 requests/s and a sign-in makes two: stay below it.
MIN_INTERVAL_S = 2 / 100


def _call(http: httpx.Client, url: str, operation: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = http.post(url, json=body, headers={**HEADERS, "X-Amz-Target": TARGET + operation})
    answer.raise_for_status()
    result: dict[str, Any] = answer.json()
    return result


def sign_in_once(http: httpx.Client, stack: RunningStack) -> float:
    """One SRP sign-in; returns the server's share: both round trips, in seconds."""
    settings = stack.settings
    url = settings.url(settings.idp_port)
    persona = PERSONAS["approve"]
    client = AWSSRP(
        username=persona.email,
        password=persona.password,
        pool_id=settings.user_pool_id,
        client_id=settings.web_client_id,
        client=object(),  # pycognito wants a client; only its SRP arithmetic is used
    )
    auth_parameters = client.get_auth_params()  # a is drawn before the clock starts
    started = time.perf_counter()
    challenge = _call(
        http,
        url,
        "InitiateAuth",
        {
            "AuthFlow": "USER_SRP_AUTH",
            "ClientId": settings.web_client_id,
            "AuthParameters": auth_parameters,
        },
    )
    initiated = time.perf_counter() - started
    responses = client.process_challenge(challenge["ChallengeParameters"], auth_parameters)
    started = time.perf_counter()
    tokens = _call(
        http,
        url,
        "RespondToAuthChallenge",
        {
            "ChallengeName": "PASSWORD_VERIFIER",
            "ClientId": settings.web_client_id,
            "ChallengeResponses": responses,
            "Session": challenge.get("Session"),
        },
    )
    answered = time.perf_counter() - started
    if "IdToken" not in tokens.get("AuthenticationResult", {}):
        raise RuntimeError(f"the sign-in did not succeed: {tokens}")
    return initiated + answered


def wall_times(action: Callable[[], object], count: int) -> list[float]:
    """`count` wall-clock timings of `action`, in seconds."""
    times = []
    for _ in range(count):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return times


def sign_in_times(http: httpx.Client, stack: RunningStack, count: int) -> list[float]:
    """`count` sign-ins' server shares, starting at most one every MIN_INTERVAL_S."""
    times = []
    for _ in range(count):
        began = time.perf_counter()
        times.append(sign_in_once(http, stack))
        time.sleep(max(0.0, MIN_INTERVAL_S - (time.perf_counter() - began)))
    return times


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def one_run(stack: RunningStack, sign_ins: int) -> dict[str, float]:
    settings = stack.settings
    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=settings.url(settings.dynamodb_port),
        region_name=settings.region,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    table = dynamodb.list_tables()["TableNames"][0]
    key_name = dynamodb.describe_table(TableName=table)["Table"]["KeySchema"][0]["AttributeName"]
    with httpx.Client(timeout=30) as http:
        health_url = f"{settings.url(settings.idp_port)}/health"
        for _ in range(20):  # warm the connection and both code paths
            sign_in_once(http, stack)
            http.get(health_url)
        signing_in = sign_in_times(http, stack, sign_ins)
        health = wall_times(lambda: http.get(health_url), sign_ins)
    get_item = wall_times(
        lambda: dynamodb.get_item(TableName=table, Key={key_name: {"S": "no-such-key"}}),
        sign_ins,
    )
    return {
        "p50": percentile(signing_in, 0.50),
        "p99": percentile(signing_in, 0.99),
        "health": percentile(health, 0.50),
        "get_item": percentile(get_item, 0.50),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sign-ins", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, running_stack(Path(tmp)) as stack:
        runs = []
        for run in range(1, args.runs + 1):
            figures = one_run(stack, args.sign_ins)
            runs.append(figures)
            print(
                f"run {run}: SRP sign-in p50 {figures['p50'] * 1e3:.1f} ms, "
                f"p99 {figures['p99'] * 1e3:.1f} ms; /health {figures['health'] * 1e3:.2f} ms, "
                f"DynamoDB Local GetItem {figures['get_item'] * 1e3:.2f} ms"
            )
    p50 = statistics.median(r["p50"] for r in runs)
    p99 = statistics.median(r["p99"] for r in runs)
    get_item = statistics.median(r["get_item"] for r in runs)
    health = statistics.median(r["health"] for r in runs)
    print(
        f"median of {len(runs)} runs of {args.sign_ins} sign-ins: p50 {p50 * 1e3:.1f} ms, "
        f"p99 {p99 * 1e3:.1f} ms; p50 = {p50 / get_item:.1f} DynamoDB Local GetItems "
        f"= {p50 / health:.1f} /health round trips"
    )


if __name__ == "__main__":
    main()
