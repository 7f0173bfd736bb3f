"""Every process's logs as JSON lines (Powertools' formatter), each naming its request.

One handler on the root logger, so our modules', uvicorn's and the libraries' records all come
out the same way, on stderr, where ECS and Lambda collect them and `bnpl dev` keeps them. The
handler only attaches the trace and hands the record to a writer thread, which builds the JSON
and writes what was handed to it every few milliseconds: a request never waits on its log lines,
and a batch costs one wake-up where a line each cost one (`bench.decision --logging-overhead`).
On Lambda the lines are written as they are logged: an execution environment is frozen between
invocations, and lines waiting for a writer thread would wait with it. Each
line carries `service`, `level`, `message`, `timestamp` (RFC 3339, ms) and, inside a request,
`request_id`, `trace_id` (the X-Ray root) and the caller's `sub`.

A bearer token is never logged on purpose; should one reach a message anyway (an exception's
text quoting a header), it is cut out before the line is written.
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import sys
import threading
from collections import deque
from collections.abc import Mapping, Sequence
from typing import TextIO

from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

from services.shared import trace

# A JWT (three base64url parts, the first a JSON header) or a `Bearer` credential.
_TOKEN = re.compile(r"eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*|(?i:bearer)\s+[\w.~+/=-]{8,}")
_HANDLER_NAME = "bnpl-json"
# uvicorn gives its loggers handlers of their own: theirs would print beside ours.
_OWN_HANDLERS = ("uvicorn", "uvicorn.error", "uvicorn.access")
# How long a handed-off line may wait for the writer thread.
WRITE_INTERVAL_S = 0.02
# The process's handler and its writer thread (one, once configured; no thread on Lambda).
_writers: list[tuple[logging.Handler, _Writer | None]] = []


def redact(text: str) -> str:
    """`text` with anything that looks like a bearer token replaced."""
    return _TOKEN.sub("[redacted]", text) if ("eyJ" in text or "earer" in text) else text


class TraceFilter(logging.Filter):
    """Adds the current trace (request id, trace root, caller) to each record, names the
    service a record's logger belongs to, and cuts tokens out of its message."""

    def __init__(self, services: Mapping[str, str] | None = None) -> None:
        super().__init__()
        # Logger-name prefix → service, for a process that runs more than one (the emulator
        # runs the credit proxy's Lambda in process).
        self._services = sorted((services or {}).items(), key=lambda item: -len(item[0]))

    def filter(self, record: logging.LogRecord) -> bool:
        current = trace.current()
        if current is not None:
            record.request_id = current.request_id
            record.trace_id = current.root
            if current.sub is not None:
                record.sub = current.sub
        for prefix, service in self._services:
            if record.name.startswith(prefix):
                record.service = service
                break
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned is not message or record.args:
            record.msg, record.args = cleaned, None
        return True


def flush_logs() -> None:
    """Write every line handed off so far."""
    for _, writer in _writers:
        if writer is not None:
            writer.drain()


def stop_logging() -> None:
    """Write what is waiting, stop the writer threads and take the handlers off the root."""
    root = logging.getLogger()
    while _writers:
        handler, writer = _writers.pop()
        if writer is not None:
            atexit.unregister(writer.stop)
            writer.stop()
        root.removeHandler(handler)


class _Writer(threading.Thread):
    """Formats and writes the records handed to it, all that are waiting each time it wakes."""

    def __init__(self, target: logging.Handler) -> None:
        super().__init__(name="log-writer", daemon=True)
        self.records: deque[logging.LogRecord] = deque()  # appends are atomic: no lock to take
        self._target = target
        self._stopped = threading.Event()
        self._draining = threading.Lock()  # lines leave in the order they came

    def run(self) -> None:
        while not self._stopped.wait(WRITE_INTERVAL_S):
            self.drain()

    def drain(self) -> None:
        with self._draining:
            while self.records:
                self._target.handle(self.records.popleft())

    def stop(self) -> None:
        self._stopped.set()
        if self.is_alive():
            self.join()
        self.drain()


class _Handoff(logging.Handler):
    """Hands each record, its trace attached and its message formatted (`TraceFilter`), to the
    writer thread: a request thread never waits for the JSON to be built or for the pipe."""

    def __init__(self, writer: _Writer) -> None:
        super().__init__()
        self._writer = writer

    def emit(self, record: logging.LogRecord) -> None:
        self._writer.records.append(record)


def configure_logging(
    service: str,
    *,
    level: int | None = None,
    stream: TextIO | None = None,
    services: Mapping[str, str] | None = None,
    extra_filters: Sequence[logging.Filter] = (),
) -> None:
    """Log JSON lines for `service` from every logger of this process (idempotent).

    Args:
        service: the `service` field of each line.
        level: the root level; `BNPL_LOG_LEVEL` (a level's name), else INFO.
        stream: where the lines go (stderr).
        services: logger-name prefixes that belong to another service in this process.
        extra_filters: more filters for the handler (another tracer's ids, in the emulator).
    """
    root = logging.getLogger()
    if any(h.get_name() == _HANDLER_NAME for h in root.handlers):
        return
    if "AWS_LAMBDA_FUNCTION_NAME" in os.environ:
        # On Lambda the runtime's own handler is on the root already: its lines would double ours.
        root.handlers = []
    if level is None:
        named = logging.getLevelName(os.environ.get("BNPL_LOG_LEVEL", "INFO").upper())
        level = named if isinstance(named, int) else logging.INFO
    output = logging.StreamHandler(stream or sys.stderr)
    output.setFormatter(LambdaPowertoolsFormatter(service=service, utc=True, use_rfc3339=True))
    writer: _Writer | None = None
    handler: logging.Handler = output
    if "AWS_LAMBDA_FUNCTION_NAME" not in os.environ:
        writer = _Writer(output)
        handler = _Handoff(writer)
        writer.start()
        atexit.register(writer.stop)  # what is still waiting is written before the process ends
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(TraceFilter(services))
    for extra in extra_filters:
        handler.addFilter(extra)
    _writers.append((handler, writer))
    root.addHandler(handler)
    root.setLevel(level)
    for name in _OWN_HANDLERS:
        own = logging.getLogger(name)
        own.handlers = []
        # Its access log stays as uvicorn left it: off where the app logs its own requests.
        if name != "uvicorn.access":
            own.propagate = True
    # Chatty below WARNING, and nothing there names a request.
    for name in ("botocore", "boto3", "urllib3", "httpx", "httpcore", "pynamodb"):
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
