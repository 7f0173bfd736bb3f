"""Each served request's X-Ray segment, sent to a daemon over UDP as the daemon reads them."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest

from services.shared.trace import Trace
from services.shared.xray import SegmentSender

ROOT = "1-6b14344d-eb4fcbefb9acda40b29a8652"


@pytest.fixture
def daemon() -> Iterator[socket.socket]:
    listening = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listening.bind(("127.0.0.1", 0))
    listening.settimeout(2)
    yield listening
    listening.close()


def received(daemon: socket.socket) -> dict[str, object]:
    header, _, body = daemon.recv(65536).partition(b"\n")
    assert json.loads(header) == {"format": "json", "version": 1}
    document: dict[str, object] = json.loads(body)
    return document


def send(sender: SegmentSender, hop: Trace, status: int) -> None:
    """Report one hop, then close the sender."""
    sender.send(
        hop,
        name="credit",
        began=1796486221.5,
        ended=1796486221.75,
        method="POST",
        path="/applications",
        status=status,
    )
    sender.close()


def test_a_segment_names_its_trace_parent_timing_and_http_outcome(daemon):
    sender = SegmentSender(daemon.getsockname())
    hop = Trace(request_id="req-12345678", root=ROOT, parent="53995c3f42cd8ad8")
    send(sender, hop, 201)
    assert received(daemon) == {
        "name": "credit",
        "id": hop.segment,
        "trace_id": ROOT,
        "parent_id": "53995c3f42cd8ad8",
        "start_time": 1796486221.5,
        "end_time": 1796486221.75,
        "http": {
            "request": {"method": "POST", "url": "/applications"},
            "response": {"status": 201},
        },
        "annotations": {"request_id": "req-12345678"},
    }


@pytest.mark.parametrize(
    ("status", "flags"),
    [(404, {"error"}), (429, {"error", "throttle"}), (502, {"fault"})],
)
def test_errors_throttles_and_faults_are_flagged_as_x_ray_reads_them(daemon, status, flags):
    send(SegmentSender(daemon.getsockname()), Trace(request_id="r-12345678", root=ROOT), status)
    document = received(daemon)
    assert {flag for flag in ("error", "throttle", "fault") if document.get(flag)} == flags
    assert "parent_id" not in document  # the edge of the trace


def test_an_unsampled_trace_is_not_sent(daemon):
    sender = SegmentSender(daemon.getsockname())
    send(sender, Trace(request_id="r-12345678", root=ROOT, sampled="0"), 200)
    with pytest.raises(TimeoutError):
        daemon.recv(65536)


@pytest.mark.parametrize("value", [None, "", "not-an-address"])
def test_without_a_daemon_address_nothing_is_sent(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("AWS_XRAY_DAEMON_ADDRESS", raising=False)
    else:
        monkeypatch.setenv("AWS_XRAY_DAEMON_ADDRESS", value)
    sender = SegmentSender.from_environ()
    assert sender.address is None
    send(sender, Trace(request_id="r-12345678", root=ROOT), 200)  # and does not fail


def test_the_daemon_address_is_read_as_the_sdk_reads_it(monkeypatch):
    for value, address in [
        ("127.0.0.1:2000", ("127.0.0.1", 2000)),
        # The SDKs' two-address form; segments go over UDP.
        ("tcp:127.0.0.1:2000 udp:127.0.0.1:2001", ("127.0.0.1", 2001)),
    ]:
        monkeypatch.setenv("AWS_XRAY_DAEMON_ADDRESS", value)
        sender = SegmentSender.from_environ()
        assert sender.address == address
        sender.close()
