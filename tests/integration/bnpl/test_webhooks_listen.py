"""`bnpl webhooks listen` as a process against a stand-in GraphQL API: it registers its URL as the
sandbox merchant (SigV4), verifies with the secret the API answered, and on Ctrl-C or SIGTERM
disables its endpoint and exits 0. The stack's real API is exercised by the e2e tests."""

from __future__ import annotations

import base64
import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from bnpl import cli
from bnpl.devstack import free_port
from bnpl.settings import SANDBOX_MERCHANT_ACCESS_KEY_ID
from bnpl.webhook_receiver import listening_socket

ROOT = Path(__file__).resolve().parents[3]
SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
LINE_WAIT_S = 60


@dataclass
class FakeApi:
    """Answers the three operations the command sends, and records them."""

    port: int = 0
    calls: list[tuple[str, dict[str, Any], str]] = field(default_factory=list)
    leftovers: list[dict[str, Any]] = field(default_factory=list)

    def answer(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        if "createWebhookEndpoint" in query:
            given = variables["input"]
            endpoint = {
                "id": "we_listen",
                "url": given["url"],
                "status": "ENABLED",
                "eventTypes": given["eventTypes"],
                "description": given["description"],
            }
            return {"createWebhookEndpoint": {"endpoint": endpoint, "secret": SECRET}}
        if "disableWebhookEndpoint" in query:
            return {"disableWebhookEndpoint": {"id": variables["id"], "status": "DISABLED"}}
        if "webhookEndpoints" in query:
            return {"webhookEndpoints": self.leftovers}
        raise AssertionError(f"unexpected operation {query}")

    def operations(self) -> list[str]:
        return [name for name, _, _ in self.calls]


@pytest.fixture
def api() -> Iterator[FakeApi]:
    fake = FakeApi()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            request = json.loads(self.rfile.read(int(self.headers["content-length"])))
            query, variables = request["query"], request["variables"] or {}
            name = query.split("{", 2)[1].split("(")[0].strip()
            fake.calls.append((name, variables, self.headers.get("authorization", "")))
            body = json.dumps({"data": fake.answer(query, variables)}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


@dataclass
class Listening:
    process: subprocess.Popen[str]
    lines: queue.Queue[str | None]
    reader: threading.Thread

    def stop(self, signum: int) -> int:
        """Send `signum`; the exit code, once the process and its output have ended."""
        self.process.send_signal(signum)
        code = self.process.wait(timeout=LINE_WAIT_S)
        self.reader.join()
        assert self.process.stdout is not None
        self.process.stdout.close()
        return code

    def next_line(self) -> str:
        line = self.lines.get(timeout=LINE_WAIT_S)
        assert line is not None, "the command ended"
        return line

    def until(self, start: str) -> list[str]:
        seen = [self.next_line()]
        while not seen[-1].startswith(start):
            seen.append(self.next_line())
        return seen


def start(port: int, api: FakeApi, *args: str) -> Listening:
    environ = {
        **os.environ,
        "BNPL_HOST": "127.0.0.1",
        "BNPL_APPSYNC_PORT": str(api.port),
        "PYTHONPATH": str(ROOT),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bnpl.cli", "webhooks", "listen", "--port", str(port), *args],
        cwd=ROOT,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return Listening(process, lines, reader)


def deliver(url: str, event: dict[str, Any], secret: str = SECRET) -> httpx.Response:
    body = json.dumps(event).encode()
    now = datetime.now(UTC)
    headers = {
        "content-type": "application/json",
        "webhook-id": str(event["id"]),
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(str(event["id"]), now, body),
    }
    return httpx.post(url, content=body, headers=headers, trust_env=False)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_it_registers_verifies_and_disables_its_endpoint(api: FakeApi, stop: signal.Signals):
    # GIVEN an endpoint an earlier run left enabled at the same URL
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    api.leftovers = [
        {"id": "we_old", "url": url, "status": "ENABLED", "description": "bnpl webhooks listen"},
        {"id": "we_app", "url": url, "status": "ENABLED", "description": "the merchant's own"},
    ]
    listening = start(port, api, "--events", "checkout.approved,CHECKOUT_CAPTURED")
    try:
        # WHEN it starts
        printed = listening.until("Ready")
        assert f"Listening on {url}" in printed
        assert "Endpoint we_listen for checkout.approved, checkout.captured" in printed
        assert "Disabled we_old, left at " + url + " by an earlier run" in printed
        assert printed[-1] == "Ready: events for m_sandbox are delivered here (Ctrl-C stops)"
        # THEN it registered its URL as the sandbox merchant, signed with SigV4
        assert api.operations() == [
            "webhookEndpoints",
            "disableWebhookEndpoint",
            "createWebhookEndpoint",
        ]
        _, disabled, _ = api.calls[1]
        assert disabled == {"id": "we_old"}
        _, created, authorization = api.calls[2]
        assert created["input"]["url"] == url
        assert created["input"]["merchantId"] == "m_sandbox"
        assert created["input"]["eventTypes"] == ["CHECKOUT_APPROVED", "CHECKOUT_CAPTURED"]
        assert authorization.startswith(
            "AWS4-HMAC-SHA256 Credential=" + SANDBOX_MERCHANT_ACCESS_KEY_ID
        )
        # AND it verifies with the secret the API answered
        event = {"id": "evt_1", "type": "checkout.approved", "sequence": 1, "data": {}}
        assert deliver(url, event).status_code == 204
        assert "--> checkout.approved #1 [evt_1]" in listening.next_line()
        assert (
            deliver(url, event, "whsec_" + base64.b64encode(b"x" * 32).decode()).status_code == 400
        )
        assert "REFUSED (400) [evt_1]" in listening.next_line()
    finally:
        # WHEN it is stopped
        code = listening.stop(stop)
    # THEN its endpoint is disabled and it exits 0
    assert code == 0
    assert api.operations()[-1] == "disableWebhookEndpoint"
    assert api.calls[-1][1] == {"id": "we_listen"}
    assert listening.until("Disabled we_listen")


def test_with_a_secret_it_registers_nothing(api: FakeApi):
    port = free_port()
    listening = start(port, api, "--secret", SECRET)
    try:
        assert listening.until("Ready")[-1].startswith("Ready: verifying with the given secret")
        event = {"id": "evt_2", "type": "webhook.test", "sequence": 1, "data": {}}
        assert deliver(f"http://127.0.0.1:{port}/", event).status_code == 204
        assert "--> webhook.test #1 [evt_2]" in listening.next_line()
    finally:
        code = listening.stop(signal.SIGINT)
    assert code == 0
    assert api.calls == []


def test_without_the_stack_it_says_so_and_exits_1(monkeypatch, capsys):
    monkeypatch.setenv("BNPL_HOST", "127.0.0.1")
    monkeypatch.setenv("BNPL_APPSYNC_PORT", str(free_port()))  # nothing listens there
    assert cli.main(["webhooks", "listen", "--port", "0"]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert "cannot reach the API at http://127.0.0.1:" in error
    assert "is `bnpl dev` up?" in error


def test_a_taken_port_is_one_line_and_exit_1(capsys):
    with listening_socket(0) as taken:
        port = int(taken.getsockname()[1])
        assert cli.main(["webhooks", "listen", "--port", str(port), "--secret", SECRET]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert f"cannot listen on 127.0.0.1:{port}" in error


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--events", "checkout.nope"], "is not an event type"),
        (["--events", "webhook.test"], "is not an event type"),
        (["--secret", "not-a-secret"], "--secret must be"),
        (["--secret", SECRET, "--events", "checkout.approved"], "with --secret nothing is"),
        (["--forward-to", "localhost:3000"], "--forward-to must be"),
    ],
)
def test_usage_errors_exit_2(capsys, args: list[str], message: str):
    assert cli.main(["webhooks", "listen", "--port", "0", *args]) == 2
    assert message in capsys.readouterr().err
