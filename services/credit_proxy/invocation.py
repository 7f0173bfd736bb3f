"""Which request an invocation of the credit proxy works for (its trace, from the event), and
which field it resolves."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from services.shared import trace


def invocation_trace(event: Any, context: Any) -> trace.Trace:
    """The invocation's trace: the API request's id and trace header from the event's request
    headers (AppSync passes `x-amzn-trace-id`; the local emulator also the request id), else
    Lambda's own request id and trace."""
    request = event.get("request") if isinstance(event, Mapping) else None
    headers = request.get("headers") if isinstance(request, Mapping) else None
    carried = {
        str(k).lower(): str(v)
        for k, v in (headers or {}).items()
        if isinstance(v, str) and str(k).lower() in (trace.REQUEST_ID_HEADER, trace.TRACE_HEADER)
    }
    # On Lambda with tracing active, the invocation is a segment of the request's trace: the
    # calls this function makes are its children.
    invocation = trace.lambda_trace_header()
    if invocation:
        carried[trace.TRACE_HEADER] = invocation
    found = trace.from_headers(
        carried,
        request_id=None
        if trace.REQUEST_ID_HEADER in carried
        else getattr(context, "aws_request_id", None),
    )
    if found.parent is not None and invocation:
        found = replace(found, segment=found.parent, parent=None)
    identity = event.get("identity") if isinstance(event, Mapping) else None
    sub = identity.get("sub") or identity.get("userArn") if isinstance(identity, Mapping) else None
    return found.as_caller(str(sub) if sub else None)


def field_of(event: Any) -> str:
    """`Type.field` of an event, for the log; whatever the event looks like."""
    info = event.get("info") if isinstance(event, Mapping) else None
    if not isinstance(info, Mapping):
        return "an unknown field"
    return f"{info.get('parentTypeName')}.{info.get('fieldName')}"
