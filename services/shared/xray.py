"""This hop's X-Ray segment, sent to the X-Ray daemon that runs beside the service in AWS.

The services propagate X-Ray's trace header themselves (`services.shared.trace`); what X-Ray
then needs from each hop is one segment document: its id, its trace and parent, when it began
and ended, and how the HTTP request went. The daemon takes those over UDP, a JSON header line
then the document (the daemon's documented protocol), and forwards them in batches. The X-Ray
SDK does this too, but patches libraries process-wide and is in maintenance; one small sender
is all a service needs. With no daemon (`AWS_XRAY_DAEMON_ADDRESS` unset, as locally) nothing is
sent, and an unsampled trace is never sent.
"""

from __future__ import annotations

import json
import logging
import os
import socket

from services.shared.trace import Trace

DAEMON_ENV = "AWS_XRAY_DAEMON_ADDRESS"
_HEADER = b'{"format": "json", "version": 1}\n'

logger = logging.getLogger(__name__)


def _address(value: str | None) -> tuple[str, int] | None:
    """The daemon's UDP address from `host:port`, or from the SDKs' two-address form
    `tcp:host:port udp:host:port` (segments go over UDP)."""
    if not value:
        return None
    given = value.split()
    udp = [part.removeprefix("udp:") for part in given if part.startswith("udp:")]
    plain = [part for part in given if not part.startswith(("udp:", "tcp:"))]
    host, _, port = (udp or plain or [""])[0].rpartition(":")
    try:
        return host or "127.0.0.1", int(port)
    except ValueError:
        logger.warning("%s=%r is not host:port; no segments are sent", DAEMON_ENV, value)
        return None


class SegmentSender:
    """Sends one segment per served request to the daemon at `address` (none: sends nothing)."""

    def __init__(self, address: tuple[str, int] | None) -> None:
        self.address = address
        self._socket = (
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) if address is not None else None
        )

    @classmethod
    def from_environ(cls) -> SegmentSender:
        """The daemon `AWS_XRAY_DAEMON_ADDRESS` names, if any."""
        return cls(_address(os.environ.get(DAEMON_ENV)))

    def send(
        self,
        trace: Trace,
        *,
        name: str,
        began: float,
        ended: float,
        method: str,
        path: str,
        status: int,
    ) -> None:
        """Report the hop `trace` names: `began` and `ended` are epoch seconds."""
        if self._socket is None or self.address is None or trace.sampled == "0":
            return
        document: dict[str, object] = {
            "name": name,
            "id": trace.segment,
            "trace_id": trace.root,
            "start_time": began,
            "end_time": ended,
            "http": {"request": {"method": method, "url": path}, "response": {"status": status}},
            "annotations": {"request_id": trace.request_id},
        }
        if trace.parent is not None:
            document["parent_id"] = trace.parent
        if status >= 500:
            document["fault"] = True
        elif status == 429:
            document["throttle"] = document["error"] = True
        elif status >= 400:
            document["error"] = True
        try:
            self._socket.sendto(_HEADER + json.dumps(document).encode(), self.address)
        except OSError as exc:  # a daemon that is not there must not fail the request
            logger.debug("segment not sent: %r", exc)

    def close(self) -> None:
        """Close the socket."""
        if self._socket is not None:
            self._socket.close()
