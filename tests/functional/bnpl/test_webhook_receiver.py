"""`bnpl webhooks listen`'s receiver, served by uvicorn on a free port in this process: what it
accepts, what it refuses, what it prints and what it forwards."""

from __future__ import annotations

import base64
import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from bnpl.devstack import free_port
from bnpl.webhook_receiver import (
    Console,
    ReceiverServer,
    RecentIds,
    Verified,
    create_app,
    listening_socket,
    summary,
)


def new_secret() -> str:
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


SECRET = new_secret()
EVENT = {
    "id": "evt_0001",
    "type": "checkout.approved",
    "timestamp": "2026-12-05T07:00:00Z",
    "sequence": 3,
    "data": {"checkout": {"id": "chk_42", "status": "APPROVED"}, "application": {"id": "app_1"}},
}


def body_of(event: dict[str, object]) -> bytes:
    return json.dumps(event, separators=(",", ":")).encode()


def signed(
    body: bytes,
    *secrets: str,
    webhook_id: str = "evt_0001",
    at: datetime | None = None,
) -> dict[str, str]:
    """The headers the sender puts on one attempt: one signature per secret."""
    moment = at or datetime.now(UTC)
    return {
        "content-type": "application/json",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": " ".join(Webhook(s).sign(webhook_id, moment, body) for s in secrets),
    }


@dataclass
class Receiving:
    url: str
    lines: list[str]
    notes: list[str]

    def post(self, body: bytes, headers: dict[str, str]) -> httpx.Response:
        return httpx.post(self.url, content=body, headers=headers, trust_env=False)


@contextmanager
def receiver(
    secret: str = SECRET, *, forward_to: str | None = None, as_json: bool = False
) -> Iterator[Receiving]:
    """The receiver on a free port, printing into lists."""
    lines: list[str] = []
    notes: list[str] = []
    console = Console(out=lines.append, notes=notes.append, as_json=as_json)
    sock = listening_socket(0)
    server = ReceiverServer(create_app(secret=secret, console=console, forward_to=forward_to))
    # The socket already listens: requests wait in its backlog until the server takes them.
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]})
    thread.start()
    try:
        yield Receiving(f"http://127.0.0.1:{sock.getsockname()[1]}/", lines, notes)
    finally:
        server.should_exit = True
        thread.join()
        sock.close()


@pytest.fixture
def listening() -> Iterator[Receiving]:
    with receiver() as running:
        yield running


@dataclass
class App:
    """The developer's app behind --forward-to: records each request, answers `status`."""

    status: int = 200
    requests: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def app() -> Iterator[App]:
    recorded = App()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            recorded.requests.append(
                (self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            self.send_response(recorded.status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    recorded.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/bnpl"
    try:
        yield recorded
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


class TestAccepted:
    def test_a_signed_event_is_answered_204_and_printed(self, listening: Receiving) -> None:
        # GIVEN an event signed with the receiver's secret
        body = body_of(EVENT)
        # WHEN it is delivered
        response = listening.post(body, signed(body, SECRET))
        # THEN it is accepted and printed with its type, sequence, checkout and webhook id
        assert response.status_code == 204
        assert len(listening.lines) == 1
        line = listening.lines[0]
        assert "--> checkout.approved #3 checkout=chk_42 [evt_0001]" in line
        assert "again" not in line
        assert "REFUSED" not in line

    def test_any_path_is_the_endpoint(self, listening: Receiving) -> None:
        body = body_of(EVENT)
        response = httpx.post(
            listening.url + "hooks/x", content=body, headers=signed(body, SECRET), trust_env=False
        )
        assert response.status_code == 204

    @pytest.mark.parametrize("known", ["old", "new"])
    def test_during_a_rotation_either_secret_verifies(self, known: str) -> None:
        # GIVEN a sender signing with the old and the new secret, and a receiver holding one
        old, new = new_secret(), new_secret()
        body = body_of(EVENT)
        headers = signed(body, old, new)
        assert len(headers["webhook-signature"].split(" ")) == 2
        with receiver(old if known == "old" else new) as listening:
            # WHEN the event arrives THEN it is accepted
            assert listening.post(body, headers).status_code == 204
            assert "--> checkout.approved" in listening.lines[0]

    def test_a_redelivery_is_accepted_and_marked_again(self, listening: Receiving) -> None:
        body = body_of(EVENT)
        first = listening.post(body, signed(body, SECRET))
        # The sender's retry: the same webhook-id, a fresh timestamp and signature.
        second = listening.post(body, signed(body, SECRET, at=datetime.now(UTC)))
        other = listening.post(body, signed(body, SECRET, webhook_id="evt_0002"))
        assert [first.status_code, second.status_code, other.status_code] == [204, 204, 204]
        assert [line.endswith("again") for line in listening.lines] == [False, True, False]

    def test_plan_events_name_their_checkout(self, listening: Receiving) -> None:
        event = {
            "id": "evt_7",
            "type": "plan.instalment_paid",
            "timestamp": "2026-12-05T07:00:00Z",
            "sequence": 5,
            "data": {"plan": {"id": "plan_1", "checkoutId": "chk_7"}, "instalment": {}},
        }
        body = body_of(event)
        assert listening.post(body, signed(body, SECRET, webhook_id="evt_7")).status_code == 204
        assert "--> plan.instalment_paid #5 checkout=chk_7 [evt_7]" in listening.lines[0]

    def test_json_prints_the_event_itself(self) -> None:
        body = body_of(EVENT)
        with receiver(as_json=True) as listening:
            listening.post(body, signed(body, SECRET))
            listening.post(body, signed(body, SECRET))
        assert [json.loads(line) for line in listening.lines] == [EVENT, EVENT]
        assert len(listening.notes) == 1
        assert "again [evt_0001]" in listening.notes[0]


class TestRefused:
    def test_a_tampered_body_is_refused(self, listening: Receiving) -> None:
        # GIVEN a correctly signed event whose body was changed on the way
        body = body_of(EVENT)
        headers = signed(body, SECRET)
        tampered = body.replace(b'"sequence":3', b'"sequence":4')
        assert tampered != body
        # WHEN it arrives THEN it is refused, and printed as refused
        response = listening.post(tampered, headers)
        assert response.status_code == 400
        assert len(listening.lines) == 1
        assert "REFUSED (400) [evt_0001]" in listening.lines[0]
        assert "no signature matches" in listening.lines[0]

    def test_a_stale_timestamp_is_refused(self, listening: Receiving) -> None:
        # A request captured and replayed ten minutes later: the signature is right for it.
        body = body_of(EVENT)
        headers = signed(body, SECRET, at=datetime.now(UTC) - timedelta(minutes=10))
        response = listening.post(body, headers)
        assert response.status_code == 400
        assert "REFUSED (400)" in listening.lines[0]
        assert "more than 5 minutes old" in listening.lines[0]

    def test_a_future_timestamp_is_refused(self, listening: Receiving) -> None:
        body = body_of(EVENT)
        headers = signed(body, SECRET, at=datetime.now(UTC) + timedelta(minutes=10))
        assert listening.post(body, headers).status_code == 400
        assert "in the future" in listening.lines[0]

    def test_a_signature_by_another_secret_is_refused(self, listening: Receiving) -> None:
        body = body_of(EVENT)
        response = listening.post(body, signed(body, new_secret()))
        assert response.status_code == 400
        assert "REFUSED (400) [evt_0001]: no signature matches" in listening.lines[0]

    @pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
    def test_a_missing_header_is_refused(self, listening: Receiving, missing: str) -> None:
        body = body_of(EVENT)
        headers = signed(body, SECRET)
        del headers[missing]
        assert listening.post(body, headers).status_code == 400
        assert f"no {missing} header" in listening.lines[0]

    def test_a_signed_body_that_is_not_json_is_refused(self, listening: Receiving) -> None:
        body = b"not json"
        assert listening.post(body, signed(body, SECRET)).status_code == 400
        assert "not JSON" in listening.lines[0]

    def test_a_refused_id_is_not_remembered(self, listening: Receiving) -> None:
        # A forger cannot make a real event look like a redelivery.
        body = body_of(EVENT)
        assert listening.post(body, signed(body, new_secret())).status_code == 400
        assert listening.post(body, signed(body, SECRET)).status_code == 204
        assert not listening.lines[1].endswith("again")

    @pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
    def test_other_methods_are_405(self, listening: Receiving, method: str) -> None:
        response = httpx.request(method, listening.url, trust_env=False)
        assert response.status_code == 405
        assert response.headers["allow"] == "POST"
        assert f"REFUSED (405) [no webhook-id]: {method} /" in listening.lines[0]

    def test_what_a_request_sends_is_printed_safely(self, listening: Receiving) -> None:
        body = body_of(EVENT)
        # Header bytes beyond ASCII arrive as Latin-1 text, which may hold terminal controls.
        headers = {**signed(body, new_secret()), "webhook-id": "evt_\u00e9\u202e"}
        response = httpx.post(
            listening.url,
            content=body,
            headers={name.encode(): value.encode() for name, value in headers.items()},
            trust_env=False,
        )
        assert response.status_code == 400
        assert listening.lines[0].isascii()
        assert "[evt_" not in listening.lines[0]  # shown as a literal: ['evt_...']


class TestForwarding:
    def test_the_body_and_headers_arrive_unchanged_and_its_status_is_answered(
        self, app: App
    ) -> None:
        # GIVEN the developer's app answering 202
        app.status = 202
        body = body_of(EVENT)
        headers = signed(body, SECRET)
        with receiver(forward_to=app.url) as listening:
            # WHEN a signed event arrives
            response = listening.post(body, headers)
        # THEN the app got the very bytes and signed headers, and its answer is the answer
        assert response.status_code == 202
        [(path, forwarded_headers, forwarded_body)] = app.requests
        assert path == "/hooks/bnpl"
        assert forwarded_body == body
        for name in ("webhook-id", "webhook-timestamp", "webhook-signature", "content-type"):
            assert forwarded_headers[name] == headers[name]
        # The app can verify the forwarded request with the same secret.
        assert Webhook(SECRET).verify(forwarded_body, forwarded_headers) == EVENT
        assert "--> checkout.approved" in listening.lines[0]
        assert f"<-- [202] POST {app.url} [evt_0001]" in listening.lines[1]

    def test_a_failing_app_makes_the_sender_retry(self, app: App) -> None:
        app.status = 500
        body = body_of(EVENT)
        with receiver(forward_to=app.url) as listening:
            assert listening.post(body, signed(body, SECRET)).status_code == 500
        assert "<-- [500]" in listening.lines[1]

    def test_an_unreachable_app_is_answered_502(self) -> None:
        down = f"http://127.0.0.1:{free_port()}/"
        body = body_of(EVENT)
        with receiver(forward_to=down) as listening:
            assert listening.post(body, signed(body, SECRET)).status_code == 502
        assert f"<-- [502] POST {down} [evt_0001]: ConnectError" in listening.lines[1]

    def test_a_refused_request_is_not_forwarded(self, app: App) -> None:
        body = body_of(EVENT)
        with receiver(forward_to=app.url) as listening:
            assert listening.post(body, signed(body, new_secret())).status_code == 400
        assert app.requests == []


class TestPureParts:
    def test_recent_ids_are_bounded_oldest_first(self) -> None:
        recent = RecentIds(capacity=2)
        assert [recent.seen(i) for i in ("a", "b", "a", "c")] == [False, False, True, False]
        # "b" was the oldest when "c" came: it is forgotten; "a" was seen again and is kept.
        assert recent.seen("a") is True
        assert recent.seen("b") is False

    @pytest.mark.parametrize(
        ("event", "expected"),
        [
            (
                {"type": "webhook.test", "sequence": 1, "data": {"endpointId": "we_1"}},
                "webhook.test #1",
            ),
            (
                {"type": "checkout.captured", "data": {"checkout": {"id": "c"}}},
                "checkout.captured checkout=c",
            ),
            ([1, 2], "(no type)"),
        ],
    )
    def test_summary(self, event: object, expected: str) -> None:
        assert summary(event) == expected

    def test_console_lines_start_with_the_time(self) -> None:
        lines: list[str] = []
        clock: Callable[[], datetime] = lambda: datetime(2026, 12, 5, 7, 1, 2)  # noqa: E731
        console = Console(out=lines.append, notes=lines.append, clock=clock)
        console.accepted(Verified(webhook_id="evt_1", event=EVENT), again=True)
        assert lines == ["07:01:02  --> checkout.approved #3 checkout=chk_42 [evt_1]  again"]

    def test_a_taken_port_raises(self) -> None:
        with listening_socket(0) as taken, pytest.raises(OSError, match="in use"):
            listening_socket(taken.getsockname()[1])
