"""The APPSYNC_JS runtime the emulator calls: load resolver files, evaluate their handlers.

Resolver files run unmodified: `rewrite.py` turns each ES module into a script, and QuickJS
(quickjs-ng) runs it next to the `@aws-appsync/utils` shim in `shim/`. A handler
call is one JSON string in and one JSON string out, a single crossing into C.

Threads: each thread gets its own QuickJS context (`threading.local`), into which the loaded
resolvers are compiled lazily on first use. Both designs were measured on the project's 2-core
machine. A shared context behind a lock costs ~0.2 µs per call uncontended (the thread-local
lookup ~0.06 µs), but it serialises every thread behind the slowest handler: a quick call waited
995 ms while another thread ran into the 1 s time limit, against 0.3 ms with a context per
thread. A thread's context costs ~2 ms to create (mostly compiling the shim) and ~150-180 KiB.
So: one context per thread, never shared, no lock on the call path; a context is freed with its
thread.

The emulator runs a resolver in two phases, `begin` (the request handler) and `finish` (the
response handler, once the data source has answered), on the thread of its event loop. The ctx
stays in the JS context between the two, so the response phase sends only the data source's
result and error: a browser-shaped ctx (2.6 KB of JSON) is encoded once instead of twice, and,
unless the request handler wrote to it, parsed once. How the shim keeps the response handler's
ctx as if sent afresh is described in `shim/two_phase.js`.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, Literal

from appsync.js.engine import Engine, EngineError, Failure
from appsync.js.module_edit import RewriteError
from appsync.js.outcome import Evaluation, JsError, encode, errors_of, evaluation_of
from appsync.js.rewrite import HANDLERS, Script, to_script

__all__ = ["Evaluation", "JsCodeError", "JsError", "JsRuntime", "PendingCall"]


class JsCodeError(Exception):
    """A resolver's code was refused when loaded; the message says why and where."""

    def __init__(
        self,
        *,
        resolver_id: str,
        reason: str,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        where = f" (line {line}, column {column})" if line is not None else ""
        super().__init__(f"{resolver_id}: {reason}{where}")
        self.resolver_id = resolver_id
        self.reason = reason
        self.line = line
        self.column = column


class JsRuntime:
    """Runs APPSYNC_JS resolver code; safe to call from many threads at once.

    Args:
        time_limit_s: CPU time one handler call may take before it is interrupted.
        memory_limit_bytes: heap limit of each thread's JS context.
        max_pending: how many calls between `begin` and `finish` one thread may hold; past
            it, the oldest is dropped. A held ctx counts against the memory limit (~8 KB
            for a browser's).
    """

    def __init__(
        self,
        *,
        time_limit_s: float = 1.0,
        memory_limit_bytes: int = 32 << 20,
        max_pending: int = 1024,
    ) -> None:
        if time_limit_s <= 0:
            raise ValueError("time_limit_s must be positive")
        if memory_limit_bytes < 1 << 20:
            raise ValueError("memory_limit_bytes must be at least 1 MiB")
        if max_pending < 1:
            raise ValueError("max_pending must be at least 1")
        self.time_limit_s = time_limit_s
        self.memory_limit_bytes = memory_limit_bytes
        self.max_pending = max_pending
        self._scripts: dict[str, Script] = {}
        self._local = threading.local()
        self._modules = self._engine().exports()

    def _engine(self) -> Engine:
        engine: Engine | None = getattr(self._local, "engine", None)
        if engine is None:
            engine = Engine(
                time_limit_s=self.time_limit_s,
                memory_limit_bytes=self.memory_limit_bytes,
                max_parked=self.max_pending,
            )
            self._local.engine = engine
        return engine

    def load(self, resolver_id: str, source: str) -> None:
        """Validate and compile a resolver's code; later evaluations under this id run it.

        Loading the same id again replaces its code in every thread.

        Args:
            resolver_id: the resolver's key, `Type.field`.
            source: the APPSYNC_JS module, as deployed.

        Raises:
            JsCodeError: AppSync would refuse the code, or it does not compile or load.
        """
        try:
            script = to_script(resolver_id, source, modules=self._modules)
        except RewriteError as exc:
            raise JsCodeError(
                resolver_id=resolver_id, reason=exc.message, line=exc.line, column=exc.column
            ) from None
        try:
            self._engine().load(script)
        except EngineError as exc:
            raise JsCodeError(
                resolver_id=resolver_id,
                reason=self._load_reason(exc.failure),
                line=exc.failure.line,
                column=exc.failure.column,
            ) from None
        # One dict store: atomic, so threads see the old script or the new one.
        self._scripts[resolver_id] = script

    def evaluate(
        self,
        resolver_id: str,
        handler: Literal["request", "response"],
        ctx: Mapping[str, Any],
        *,
        auth_type: str,
    ) -> Evaluation:
        """Run a loaded resolver's `request` or `response` handler on `ctx`.

        Args:
            resolver_id: an id given to `load`.
            handler: which handler to call.
            ctx: AppSync's context object (JSON-compatible); `ctx.args` is made an alias of
                `ctx.arguments`.
            auth_type: the caller's AppSync authorization mode, e.g. `AWS_IAM`.

        Returns:
            The outcome; a failing handler gives an `Evaluation` with `error` set.

        Raises:
            KeyError: nothing was loaded under `resolver_id`.
            ValueError: `handler` is neither `request` nor `response`, or `ctx` is not JSON.
        """
        script = self._script(resolver_id)
        if handler not in HANDLERS:
            raise ValueError(f"handler must be 'request' or 'response', not {handler!r}")
        ctx_json = _ctx_json(resolver_id, ctx)
        engine = self._engine()
        try:
            if engine.loaded.get(resolver_id) is not script:
                engine.load(script)
            answer = engine.invoke(script, handler, ctx_json, auth_type)
        except EngineError as exc:
            return self._failed(engine, script, exc, handler)
        return evaluation_of(answer)

    def begin(
        self, resolver_id: str, ctx: Mapping[str, Any], *, auth_type: str
    ) -> tuple[Evaluation, PendingCall]:
        """Run a resolver's `request` handler and keep `ctx` for its response handler.

        `begin` then `finish` is `evaluate(…, "request", ctx)` then `evaluate(…, "response",
        ctx)` with `ctx["stash"]`, `ctx["result"]` and `ctx["error"]` set in between, with the
        same outcomes, but `ctx` crosses into JS once: it stays in this thread's JS context,
        and the response handler gets it as it was given here (whatever the request handler
        did to it), with the stash the request handler left, and `result` and `error`.

        Unless the request handler failed or returned early (AppSync then skips the data
        source and the response handler), the `PendingCall` is active: pass it to `finish`,
        on this thread, or `release` it when the response phase will not run; it is a context
        manager that releases. A call left active is dropped once `max_pending` newer ones
        wait in its thread.

        Args:
            resolver_id: an id given to `load`.
            ctx: AppSync's context object (JSON-compatible); `ctx.args` is made an alias of
                `ctx.arguments`.
            auth_type: the caller's AppSync authorization mode, e.g. `AWS_IAM`.

        Returns:
            The request handler's outcome, and the call waiting for its response phase.

        Raises:
            KeyError: nothing was loaded under `resolver_id`.
            ValueError: `ctx` is not JSON.
        """
        script = self._script(resolver_id)
        ctx_json = _ctx_json(resolver_id, ctx)
        engine = self._engine()
        try:
            if engine.loaded.get(resolver_id) is not script:
                engine.load(script)
            call_id, answer = engine.begin(script, ctx_json, auth_type)
        except EngineError as exc:  # nothing is parked
            failed = self._failed(engine, script, exc, "request")
            return failed, PendingCall(self, engine, 0, resolver_id, active=False)
        evaluation = evaluation_of(answer)
        # The shim parks the call on these same conditions.
        active = evaluation.error is None and not evaluation.early_return
        return evaluation, PendingCall(self, engine, call_id, resolver_id, active=active)

    def finish(self, pending: PendingCall, *, result: Any, error: Any) -> Evaluation:
        """Run the response handler of a call `begin` started on this thread.

        The call is inactive afterwards, whatever the outcome.

        Args:
            pending: an active call from this runtime's `begin`.
            result: `ctx.result`, what the data source returned (JSON-compatible).
            error: `ctx.error`, the data source's failure (`{message, type}`), or None.

        Returns:
            The response handler's outcome, as `evaluate` gives it.

        Raises:
            RuntimeError: `pending` was begun by another runtime or on another thread (where
                it stays active), is not active (finished, released, or begun without a
                response phase), or was dropped because `max_pending` newer calls waited.
            ValueError: `result` or `error` is not JSON; `pending` stays active.
        """
        engine = self._owning_engine(pending, "finish")
        if not pending.active:
            raise RuntimeError(
                f"the call to {pending.resolver_id} has no response phase to run: it was "
                "finished or released, or its request handler failed or returned early"
            )
        try:
            changed = encode({"result": result, "error": error})
        except TypeError as exc:
            raise ValueError(
                f"result or error for {pending.resolver_id} is not JSON-compatible: {exc}"
            ) from None
        pending._active = False
        script = self._script(pending.resolver_id)
        try:
            if engine.loaded.get(pending.resolver_id) is not script:
                engine.load(script)
            answer = engine.finish(script, pending._call_id, changed)
        except EngineError as exc:
            return self._failed(engine, script, exc, "response")
        if answer is None:
            raise RuntimeError(
                f"the call to {pending.resolver_id} was dropped: {self.max_pending} newer calls "
                "were waiting for their response phase in this thread"
            )
        return evaluation_of(answer)

    def pending_calls(self) -> int:
        """How many calls begun on this thread wait for their response phase."""
        return self._engine().parked()

    def _owning_engine(self, pending: PendingCall, action: str) -> Engine:
        """This thread's engine, provided `pending` was begun in it."""
        if pending._runtime is not self:
            raise RuntimeError(
                f"cannot {action} the call to {pending.resolver_id}: another runtime began it"
            )
        engine: Engine | None = getattr(self._local, "engine", None)
        if engine is not pending._engine:
            # Each thread has its own JS context, which only that thread may use.
            raise RuntimeError(
                f"cannot {action} the call to {pending.resolver_id} on thread "
                f"{threading.current_thread().name!r}: it was begun on thread "
                f"{pending._engine.thread_name!r}, whose JS context holds it"
            )
        return pending._engine

    def _script(self, resolver_id: str) -> Script:
        script = self._scripts.get(resolver_id)
        if script is None:
            raise KeyError(f"no APPSYNC_JS code is loaded for {resolver_id!r}")
        return script

    def _failed(self, engine: Engine, script: Script, exc: EngineError, handler: str) -> Evaluation:
        recorded = engine.last_call(script)
        return Evaluation(
            result=None,
            error=self._call_error(exc.failure, script.resolver_id, handler),
            appended=errors_of(recorded["errors"]),
            stash=recorded["stash"],
            early_return=False,
            response_headers=recorded["headers"] or {},
        )

    def _load_reason(self, failure: Failure) -> str:
        if failure.kind == "time":
            return f"loading the code exceeded the time limit of {self.time_limit_s:g} s"
        if failure.kind == "memory":
            return f"loading the code exceeded the memory limit of {self.memory_limit_bytes} bytes"
        return failure.message

    def _call_error(self, failure: Failure, resolver_id: str, handler: str) -> JsError:
        if failure.kind == "time":
            return JsError(
                f"The {handler} handler of {resolver_id} exceeded the time limit of "
                f"{self.time_limit_s:g} s",
                "ExecutionTimeout",
            )
        if failure.kind == "memory":
            return JsError(
                f"The {handler} handler of {resolver_id} exceeded the memory limit of "
                f"{self.memory_limit_bytes} bytes",
                "Code",
            )
        return JsError(failure.message, "Code")


class PendingCall:
    """A call whose request phase ran in `JsRuntime.begin`, waiting for `JsRuntime.finish`.

    Its ctx is held in the JS context of the thread that ran `begin`; only that thread may
    finish or release it. As a context manager, it releases the call on leaving the block.
    """

    def __init__(
        self, runtime: JsRuntime, engine: Engine, call_id: int, resolver_id: str, *, active: bool
    ) -> None:
        self._runtime = runtime
        self._engine = engine
        self._call_id = call_id
        self._active = active
        self.resolver_id = resolver_id

    @property
    def active(self) -> bool:
        """The response phase has yet to run, and the ctx is held for it."""
        return self._active

    def release(self) -> None:
        """Drop the held ctx unless the call is inactive; safe to call more than once.

        Raises:
            RuntimeError: the call is active and this is not the thread that began it.
        """
        if self._active:
            engine = self._runtime._owning_engine(self, "release")
            self._active = False
            engine.release(self._call_id)

    def __enter__(self) -> PendingCall:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()


def _ctx_json(resolver_id: str, ctx: Mapping[str, Any]) -> str:
    try:
        return encode(ctx if isinstance(ctx, dict) else dict(ctx))
    except TypeError as exc:
        raise ValueError(f"ctx for {resolver_id} is not JSON-compatible: {exc}") from None
