"""`python -m bnpl.serve`, as `bnpl dev` runs the emulator and the identity provider: one app
instance over HTTP and HTTPS/WSS from one process, its lifespan run once, both listeners stopped
by one SIGTERM; and the supervisor's HTTPS probe that waits for it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from bnpl.devstack import distinct_free_ports
from bnpl.supervisor import all_ready, http_probe
from bnpl.tls import LocalTls, local_tls, trusting

ROOT = Path(__file__).resolve().parents[3]
APP = "tests.integration.bnpl.two_listener_app:create_app"


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    port: int
    tls_port: int
    tls: LocalTls
    events: Path
    log: Path

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def https(self) -> str:
        return f"https://127.0.0.1:{self.tls_port}"


def refuses(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return True
    return False


@pytest.fixture
def served(tmp_path) -> Iterator[Served]:
    tls = local_tls(tmp_path / "tls")
    port, tls_port = distinct_free_ports(2)
    events, log = tmp_path / "events", tmp_path / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bnpl.serve",
                "--factory",
                APP,
                "--port",
                str(port),
                "--tls-port",
                str(tls_port),
                "--certfile",
                str(tls.cert_path),
                "--keyfile",
                str(tls.key_path),
            ],
            env={**os.environ, "TWO_LISTENER_APP_EVENTS": str(events), "PYTHONPATH": str(ROOT)},
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    running = Served(process, port, tls_port, tls, events, log)
    ready = all_ready(
        http_probe(f"{running.http}/health"),
        http_probe(f"{running.https}/health", ca_file=tls.ca_path),
    )
    deadline = time.monotonic() + 30
    while not ready():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"bnpl.serve never served:\n{log.read_text()}")
        time.sleep(0.05)
    yield running
    if process.poll() is None:
        process.kill()
        process.wait()


def test_one_app_instance_answers_on_both_listeners(served):
    with httpx.Client(verify=trusting(served.tls.ca_path)) as client:
        first = client.post(f"{served.http}/hit").json()
        second = client.post(f"{served.https}/hit").json()
        third = client.post(f"https://localhost:{served.tls_port}/hit").json()

    assert first == {"count": 1, "scheme": "http"}
    assert second == {"count": 2, "scheme": "https"}
    assert third == {"count": 3, "scheme": "https"}


def test_the_https_listener_is_trusted_only_through_the_local_ca(served, tmp_path):
    stranger = local_tls(tmp_path / "another-ca")
    for verify in (True, trusting(stranger.ca_path)):  # the system's CAs; another local CA
        with httpx.Client(verify=verify) as client, pytest.raises(httpx.ConnectError):
            client.get(f"{served.https}/health")


def test_a_websocket_over_tls_echoes(served):
    with connect(f"wss://127.0.0.1:{served.tls_port}/echo", ssl=trusting(served.tls.ca_path)) as ws:
        ws.send("over wss")
        assert ws.recv(timeout=10) == "over wss"


def test_sigterm_stops_both_listeners_closes_open_sockets_and_runs_the_lifespan_once(served):
    context = trusting(served.tls.ca_path)
    with connect(f"wss://127.0.0.1:{served.tls_port}/echo", ssl=context) as ws:
        ws.send("before")
        assert ws.recv(timeout=10) == "before"

        served.process.send_signal(signal.SIGTERM)

        assert served.process.wait(timeout=20) == 0, served.log.read_text()
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=10)
    assert refuses(served.port)
    assert refuses(served.tls_port)
    assert served.events.read_text().splitlines() == ["startup", "shutdown"]


def test_the_https_probe_is_ready_only_for_a_certificate_from_the_given_ca(served, tmp_path):
    url = f"{served.https}/health"
    stranger = local_tls(tmp_path / "another-ca")

    assert http_probe(url, ca_file=served.tls.ca_path)()
    assert not http_probe(url, ca_file=stranger.ca_path)()
    assert not http_probe(url)()  # the system's CAs do not know the local one
    assert http_probe(f"https://localhost:{served.tls_port}/health", ca_file=served.tls.ca_path)()
