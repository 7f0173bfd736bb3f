"""What a handler call produced, read from the shim's JSON answer."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

__all__ = ["Evaluation", "JsError", "encode", "errors_of", "evaluation_of"]


def encode(value: Any) -> str:
    """Compact JSON text for the shim.

    orjson encodes a browser-shaped ctx in ~1.5 µs against ~12 µs for the standard library,
    which made encoding most of the cost of a handler call. It writes NaN and infinities as
    null (as JSON.stringify does), and refuses integers beyond 64 bits and keys that are not
    strings. A string holding a lone surrogate (a request may carry `"\ud800"`, which AppSync's
    JVM strings hold as they are) goes to JS as that escape, so the resolver sees it and the
    service it calls can refuse it.

    Raises:
        TypeError: `value` is not JSON-compatible.
    """
    try:
        return orjson.dumps(value).decode()
    except TypeError as exc:
        if "surrogates" not in str(exc):
            raise
        return json.dumps(value, separators=(",", ":"), allow_nan=False)


def decode(text: str) -> Any:
    """The value of JSON text from the shim; lone surrogates escaped in it are kept.

    Raises:
        ValueError: `text` is not JSON.
    """
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        # orjson refuses an escaped lone surrogate, which JSON.stringify writes for half of a
        # split emoji; the standard library keeps it.
        return json.loads(text)


@dataclass(frozen=True)
class JsError:
    """One `util.error` / `util.appendError` call, or a runtime failure."""

    message: str
    error_type: str | None
    data: Any = None
    error_info: Any = None


@dataclass(frozen=True)
class Evaluation:
    """What one handler call produced."""

    result: Any
    """The handler's return value (JSON-compatible); None when it aborted."""
    error: JsError | None
    """Set when the handler aborted: util.error, util.unauthorized, an exception, a limit."""
    appended: tuple[JsError, ...]
    """`util.appendError` calls, in order."""
    stash: dict[str, Any]
    """`ctx.stash` after the call."""
    early_return: bool
    """`runtime.earlyReturn` was called."""
    response_headers: dict[str, str]
    """`util.http.addResponseHeader(s)`."""
    skip_to: str | None = None
    """`runtime.earlyReturn(value, {skipTo})`'s `skipTo` (`END` or `NEXT`), None when not given.

    For a pipeline function's early return: `END` goes to the resolver's response handler,
    `NEXT` to the next function."""
    subscription_filter: Any = None
    """What `extensions.setSubscriptionFilter` set (usually `util.transform.toSubscriptionFilter`'s
    `{filterGroup: [{filters: [{fieldName, operator, value}]}]}`), None when not called. Set by
    a subscription field's response handler; the subscription engine filters deliveries by it."""
    subscription_invalidation_filter: Any = None
    """What `extensions.setSubscriptionInvalidationFilter` set (same shape); None if not called."""
    invalidations: tuple[Any, ...] = ()
    """`extensions.invalidateSubscriptions` calls' arguments (`{subscriptionField, payload}`), in
    order. `extensions.evictFromApiCache` is a no-op: the emulator has no API cache."""


def evaluation_of(answer: Mapping[str, Any]) -> Evaluation:
    """The Evaluation of a completed call's answer, which leaves out what is at its default."""
    error = answer.get("error")
    errors = answer.get("errors")
    ext = answer.get("ext")
    if ext is not None:
        return Evaluation(
            result=answer["result"],
            error=None if error is None else _error(error),
            appended=() if errors is None else errors_of(errors),
            stash=answer["stash"],
            early_return=answer.get("early", False),
            response_headers=answer.get("headers") or {},
            skip_to=answer.get("skipTo"),
            subscription_filter=ext["filter"],
            subscription_invalidation_filter=ext["invalidationFilter"],
            invalidations=tuple(ext["invalidations"]),
        )
    return Evaluation(
        result=answer["result"],
        error=None if error is None else _error(error),
        appended=() if errors is None else errors_of(errors),
        stash=answer["stash"],
        early_return=answer.get("early", False),
        response_headers=answer.get("headers") or {},
        skip_to=answer.get("skipTo"),
    )


def errors_of(raw: list[Mapping[str, Any]]) -> tuple[JsError, ...]:
    """The appended errors of an answer or of a failed call's record."""
    return tuple(_error(item) for item in raw)


def _error(raw: Mapping[str, Any]) -> JsError:
    return JsError(raw["message"], raw["errorType"], raw["data"], raw["errorInfo"])
