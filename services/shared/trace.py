"""Which request a piece of work belongs to, carried from the API's edge through every hop.

Two ids travel together:
- the **request id**, which the API gives each request and returns as `x-amzn-RequestId`
  (AppSync's header); everything done for that request, in every process, logs it;
- the **trace header**, X-Ray's `X-Amzn-Trace-Id` (`Root=1-<8 hex time>-<24 hex>;Parent=<16 hex>;
  Sampled=1`), whose root stays the same across hops and across the requests one request causes
  (a service publishing a real-time update through the API is a new request in the same trace).

The current one lives in a context variable, so a log line written anywhere below a request
carries it without being passed down. Threads do not inherit context variables: work handed to
a pool goes through `ContextThreadPool`, which runs each task in its submitter's context.
"""

from __future__ import annotations

import contextvars
import os
import re
import secrets
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import ParamSpec, TypeVar

# Lower case, as ASGI gives them and as httpx sends what it is given.
REQUEST_ID_HEADER = "x-amzn-requestid"
TRACE_HEADER = "x-amzn-trace-id"
LAMBDA_TRACE_ENV = "_X_AMZN_TRACE_ID"
"""Where Lambda puts the running invocation's own trace header when tracing is active."""

_ROOT = re.compile(r"^1-[0-9a-f]{8}-[0-9a-f]{24}$")
_PARENT = re.compile(r"^[0-9a-f]{16}$")
# A request id arriving from another process is kept only when it looks like one of ours, so a
# caller cannot write arbitrary text into every log line of the request.
_REQUEST_ID = re.compile(r"^[0-9A-Za-z-]{8,64}$")


def lambda_trace_header() -> str | None:
    """The running Lambda invocation's trace header: its segment of the request's trace, whose
    children are the calls it makes; None off Lambda or without active tracing."""
    return os.environ.get(LAMBDA_TRACE_ENV) or None


def new_request_id() -> str:
    """A request id as AppSync makes them: a random UUID."""
    return str(uuid.uuid4())


def new_root(now: float | None = None) -> str:
    """A new X-Ray trace id: version 1, the epoch second in hex, 96 random bits."""
    epoch = int(time.time() if now is None else now)
    return f"1-{epoch:08x}-{secrets.token_hex(12)}"


def new_span_id() -> str:
    """A segment id for the `Parent` of the next hop: 64 random bits in hex."""
    return secrets.token_hex(8)


@dataclass(frozen=True)
class Trace:
    """One request's ids, and who asked (once known).

    Attributes:
        request_id: the API request's id.
        root: the X-Ray trace id shared by every hop.
        parent: the segment id of the hop that called this one (None at the edge).
        sampled: X-Ray's sampling decision, passed on unchanged.
        sub: the caller's subject (a shopper, an analyst, a merchant's principal), once verified.
        segment: this hop's own segment id: the `Parent` of every call it makes, and the id of
            the segment it reports to X-Ray (`services.shared.xray`).
    """

    request_id: str
    root: str
    parent: str | None = None
    sampled: str = "1"
    sub: str | None = None
    segment: str = field(default_factory=new_span_id)

    def header(self) -> str:
        """The `X-Amzn-Trace-Id` value for a call made from this hop."""
        return f"Root={self.root};Parent={self.segment};Sampled={self.sampled}"

    def outgoing(self) -> dict[str, str]:
        """The headers a call to another service carries."""
        return {REQUEST_ID_HEADER: self.request_id, TRACE_HEADER: self.header()}

    def as_caller(self, sub: str | None) -> Trace:
        """The same trace, once the caller is known."""
        return replace(self, sub=sub)


def parse_trace_header(value: str | None) -> dict[str, str]:
    """The fields of an `X-Amzn-Trace-Id` (`Root`, `Parent`, `Sampled`, ...); {} when absent."""
    fields: dict[str, str] = {}
    for part in (value or "").split(";"):
        key, sep, text = part.strip().partition("=")
        if sep and key:
            fields[key] = text
    return fields


def from_headers(headers: Mapping[str, str], *, request_id: str | None = None) -> Trace:
    """The trace a request arriving with `headers` belongs to: its trace header's root when
    valid (else a new one), and its request id when it carries one (else `request_id`, else a
    new one). The edge of the API passes its own `request_id`: every API request gets a new id,
    even one a service makes on behalf of another request, whose root it keeps."""
    fields = parse_trace_header(headers.get(TRACE_HEADER))
    root = fields.get("Root", "")
    parent = fields.get("Parent")
    carried = headers.get(REQUEST_ID_HEADER, "")
    return Trace(
        request_id=request_id
        or (carried if _REQUEST_ID.fullmatch(carried) else None)
        or new_request_id(),
        root=root if _ROOT.fullmatch(root) else new_root(),
        parent=parent if parent and _PARENT.fullmatch(parent) else None,
        sampled="0" if fields.get("Sampled") == "0" else "1",
    )


_current: contextvars.ContextVar[Trace | None] = contextvars.ContextVar("trace", default=None)


def current() -> Trace | None:
    """The trace of the work under way, if any."""
    return _current.get()


def outgoing_headers() -> dict[str, str]:
    """The headers that carry the current trace to another service ({} outside a request)."""
    trace = _current.get()
    return trace.outgoing() if trace is not None else {}


@contextmanager
def bound(trace: Trace) -> Iterator[Trace]:
    """Make `trace` the current one while the block runs."""
    token = _current.set(trace)
    try:
        yield trace
    finally:
        _current.reset(token)


def set_caller(sub: str | None) -> None:
    """Record the verified caller on the current trace (for the rest of this context)."""
    trace = _current.get()
    if trace is not None:
        _current.set(trace.as_caller(sub))


P = ParamSpec("P")
R = TypeVar("R")


class ContextThreadPool(ThreadPoolExecutor):
    """A thread pool whose tasks run in their submitter's context, trace included."""

    def submit(self, fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> Future[R]:
        context = contextvars.copy_context()
        return super().submit(context.run, fn, *args, **kwargs)  # type: ignore[arg-type]
