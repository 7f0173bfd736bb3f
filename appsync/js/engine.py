"""One QuickJS context with the APPSYNC_JS shim: loads resolver scripts and calls handlers.

An `Engine` is not thread-safe: QuickJS aborts the whole process (SIGABRT) when two threads use
one context at the same time. `JsRuntime` gives each thread its own engine, and calls parked
between their two phases (`begin`, `finish`) stay in the engine that began them.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
import quickjs

from appsync.js.outcome import decode
from appsync.js.rewrite import Script
from appsync.js.shim import SOURCE as _SHIM

_LOCATION = re.compile(r"<input>:(\d+):(\d+)")
_LOG = logging.getLogger("appsync.js")
_LEVELS = {"DEBUG": logging.DEBUG, "INFO": logging.INFO, "WARN": logging.WARNING}

# How QuickJS reports a limit. Under memory pressure it may fail to allocate the error object
# itself, and then the exception is a bare `null` (or an uninitialised value).
_INTERRUPTED = "InternalError: interrupted"
_OUT_OF_MEMORY = ("InternalError: out of memory", "null", "[uninitialized]")


@dataclass(frozen=True)
class Failure:
    """Why a call or a load did not complete."""

    kind: str
    """`code` (a JS exception), `time` or `memory` (a limit)."""
    message: str
    """The exception's first line (`TypeError: …`), without the stack."""
    line: int | None = None
    column: int | None = None


class EngineError(Exception):
    """A call or load failed; `failure` says how."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.message)
        self.failure = failure


class Engine:
    """A QuickJS context holding the shim and the resolver scripts loaded into it."""

    def __init__(
        self, *, time_limit_s: float, memory_limit_bytes: int, max_parked: int = 1024
    ) -> None:
        self._context = quickjs.Context()
        self._context.eval(_SHIM)
        self._context.get("__appsync_seed")(os.urandom(16).hex())
        self._context.get("__appsync_limit_parked")(max_parked)
        # Limits are set after the shim, so they only ever interrupt resolver code.
        self._context.set_memory_limit(memory_limit_bytes)
        # CPU time per eval or call (not cumulative), checked by QuickJS's interrupt handler.
        self._context.set_time_limit(time_limit_s)
        self._invoke = self._context.get("__appsync_invoke")
        self._last_call = self._context.get("__appsync_last_call")
        self._begin = self._context.get("__appsync_begin")
        self._finish = self._context.get("__appsync_finish")
        self._release = self._context.get("__appsync_release")
        self._parked = self._context.get("__appsync_parked")
        self._call_ids = itertools.count(1)
        self.loaded: dict[str, Script] = {}
        """The script each resolver id runs in this context."""
        self.thread_name = threading.current_thread().name
        """The thread that created this engine, the only one that may use it."""

    def exports(self) -> dict[str, frozenset[str]]:
        """The importable modules and the names each one provides."""
        names = orjson.loads(self._context.eval("__appsync_exports()"))
        return {module: frozenset(exported) for module, exported in names.items()}

    def load(self, script: Script) -> None:
        """Run a rewritten resolver script, registering its handlers.

        Raises:
            EngineError: the script does not compile or throws while it runs; the location
                is the module's line and column.
        """
        try:
            self._context.eval(script.text)
        except quickjs.JSException as exc:
            raise EngineError(self._failure(exc, script, locate=True)) from None
        self.loaded[script.resolver_id] = script

    def invoke(self, script: Script, phase: str, ctx_json: str, auth_type: str) -> dict[str, Any]:
        """Call one handler; the shim's decoded JSON answer.

        Raises:
            EngineError: the handler raised a JS exception or hit a limit. `last_call()` then
                gives what it had recorded before.
        """
        answer = self._call(script, self._invoke, script.resolver_id, phase, ctx_json, auth_type)
        assert answer is not None
        return answer

    def begin(self, script: Script, ctx_json: str, auth_type: str) -> tuple[int, dict[str, Any]]:
        """Call the request handler, as `invoke` does: (call id, answer).

        Unless the handler failed or returned early, the ctx stays parked in this context under
        the call id until `finish` or `release`.

        Raises:
            EngineError: as `invoke`; nothing is parked then.
        """
        call_id = next(self._call_ids)
        try:
            answer = self._call(
                script, self._begin, call_id, script.resolver_id, ctx_json, auth_type
            )
        except EngineError:
            self.release(call_id)  # parked if only the answer could not be read
            raise
        assert answer is not None
        return call_id, answer

    def finish(self, script: Script, call_id: int, changed_json: str) -> dict[str, Any] | None:
        """Call the response handler of a parked call, unparking it; None if it is not parked.

        Raises:
            EngineError: as `invoke`; the call is unparked all the same.
        """
        try:
            return self._call(script, self._finish, call_id, script.resolver_id, changed_json)
        except EngineError:
            self.release(call_id)
            raise

    def release(self, call_id: int) -> None:
        """Drop a parked call, if it still is."""
        self._release(call_id)

    def parked(self) -> int:
        """How many calls are parked in this context."""
        count: int = self._parked()
        return count

    def _call(self, script: Script, entry: quickjs.Object, *args: Any) -> dict[str, Any] | None:
        try:
            answer: str | None = entry(*args)
        except quickjs.JSException as exc:
            failure = self._failure(exc, script, locate=False)
            if failure.kind == "memory":
                # Free what the aborted call left behind, so the next one starts clean.
                self._context.gc()
            raise EngineError(failure) from None
        if answer is None:
            return None
        try:
            decoded: dict[str, Any] = decode(answer)
        except ValueError as exc:
            raise EngineError(
                Failure("code", f"TypeError: the handler's output is not JSON ({exc})")
            ) from None
        _log(script.resolver_id, decoded.get("logs", ()))
        return decoded

    def last_call(self, script: Script) -> dict[str, Any]:
        """Appended errors, stash and headers of the call that just failed."""
        try:
            recorded: dict[str, Any] = decode(self._last_call())
        except (quickjs.JSException, ValueError):
            return {"errors": [], "logs": [], "stash": {}, "headers": None}
        _log(script.resolver_id, recorded["logs"])
        return recorded

    def _failure(self, exc: Exception, script: Script, *, locate: bool) -> Failure:
        text = str(exc.args[0]) if exc.args else str(exc)
        first = text.split("\n", 1)[0].strip()
        if first == _INTERRUPTED:
            return Failure("time", first)
        # `throw null` in the resolver's own code would look the same as a failed allocation.
        if first in _OUT_OF_MEMORY and (first.startswith("InternalError") or not script.uses_throw):
            return Failure("memory", first)
        line = column = None
        if locate and (where := _LOCATION.search(text)):
            line = max(int(where.group(1)) - script.line_offset, 1)
            column = int(where.group(2))
        return Failure("code", first, line, column)


def _log(resolver_id: str, lines: Iterable[Mapping[str, str]]) -> None:
    """Replay a call's `console.*` output on the `appsync.js` logger."""
    for line in lines:
        _LOG.log(_LEVELS.get(line["level"], logging.ERROR), "%s: %s", resolver_id, line["message"])
