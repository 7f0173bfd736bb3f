"""Run a set of child processes as one unit: start in order, wait until healthy, stop together.

Each child runs in its own process group, so stopping it reaches everything it spawned; its output
is re-printed line by line behind an aligned `name |` prefix. A child that exits on its own or
never becomes healthy fails the whole set, and whatever runs is stopped: SIGTERM to each group,
SIGKILL after a grace period. Nothing is left behind.

A child may instead be given a few restarts (as a container's restart policy does): once it has
served, an exit of its own starts it again, with the same command, and the set goes on while it
becomes ready again. Only a child that exits more often than that within a minute, or does not
become ready again in time, fails the set.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import IO, TextIO

from bnpl.log_view import LogFile
from bnpl.probes import Probe, all_ready, http_probe, tcp_probe

__all__ = [
    "ChildFailedError",
    "ChildSpec",
    "Probe",
    "StopRequestedError",
    "Supervisor",
    "all_ready",
    "http_probe",
    "tcp_probe",
]

_COLORS = (36, 33, 35, 32, 34, 91, 96, 93)
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@dataclass(frozen=True, kw_only=True)
class ChildSpec:
    """One process to supervise.

    Attributes:
        name: short name shown in the log prefix and in failures.
        argv: the command.
        ready: returns True once the process serves; polled until then.
        env: the child's whole environment (the supervisor's own when `None`).
        cwd: working directory.
        ready_timeout_s: how long the child may take to become ready.
        restarts: how many times within `RESTART_WINDOW_S` the child is started again after it
            exits on its own, once it has been ready; 0 (the default): its exit fails the set.
    """

    name: str
    argv: Sequence[str]
    ready: Probe
    env: Mapping[str, str] | None = None
    cwd: Path | None = None
    ready_timeout_s: float = 30.0
    restarts: int = 0


# The window a child's restarts are counted in: a child that keeps dying is broken, not unlucky.
RESTART_WINDOW_S = 60.0


class ChildFailedError(Exception):
    """A child exited on its own or did not become ready in time."""

    def __init__(self, name: str, reason: str, tail: Sequence[str]) -> None:
        super().__init__(f"{name} {reason}")
        self.name = name
        self.reason = reason
        self.tail = tuple(tail)


class StopRequestedError(Exception):
    """SIGINT, SIGTERM or SIGHUP arrived: the caller should stop everything and exit."""


@dataclass(eq=False)  # identity: two children are never the same child
class _Child:
    spec: ChildSpec
    process: subprocess.Popen[bytes]
    pump: threading.Thread
    tail: deque[str]
    stopping: bool = False
    # When it was started again after an exit of its own, until it is ready again.
    restarted_at: float | None = None


class Supervisor:
    """Starts children, re-prints their output, watches them, and stops them all.

    Args:
        out: where prefixed child output and the supervisor's own lines go.
        color: color the prefixes; by default only when `out` is a terminal and `NO_COLOR` is
            unset (https://no-color.org).
        name_width: width the names are padded to, so the `|` columns line up.
        grace_s: how long children get between SIGTERM and SIGKILL.
        poll_s: how often readiness and liveness are checked.
        log_dir: where each child's output is kept as written, `<name>.log` (the previous
            run's moved to `<name>.log.1`); nowhere by default.
        render: what of a child's output line to show (none, one or several lines); the line
            as it is by default.
    """

    def __init__(
        self,
        *,
        out: TextIO | None = None,
        color: bool | None = None,
        name_width: int = 8,
        grace_s: float = 5.0,
        poll_s: float = 0.05,
        log_dir: Path | None = None,
        render: Callable[[str], list[str]] | None = None,
    ) -> None:
        self.out = out or sys.stdout
        if color is None:
            color = self.out.isatty() and "NO_COLOR" not in os.environ
        self.color = color
        self.name_width = name_width
        self.grace_s = grace_s
        self.poll_s = poll_s
        self._children: list[_Child] = []
        self._log_dir = log_dir
        self._render = render
        self._logs: dict[str, LogFile] = {}
        self._restarts: dict[str, deque[float]] = {}
        self._write_lock = threading.Lock()
        self._stop = threading.Event()
        self._hurry = threading.Event()

    # ------------------------------------------------------------ output

    def prefix(self, name: str) -> str:
        """The aligned (and maybe colored) `name |` that starts each of a child's lines."""
        text = f"{name:<{self.name_width}} | "
        if not self.color:
            return text
        code = _COLORS[sum(name.encode()) % len(_COLORS)]
        return f"\x1b[{code}m{text}\x1b[0m"

    def write(self, text: str) -> None:
        """Write `text` whole, never interleaved with a child's line."""
        with self._write_lock, suppress(OSError, ValueError):
            # A closed or broken stdout (`bnpl dev | head`) must not stop the supervision.
            self.out.write(text)
            self.out.flush()

    def _pump(self, name: str, stream: IO[bytes], tail: deque[str]) -> None:
        prefix = self.prefix(name)
        kept = self._logs.get(name)
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            tail.append(line)
            if kept is not None:
                kept.write(line)
            shown = self._render(line) if self._render is not None else [line]
            if shown:
                self.write("".join(f"{prefix}{part}\n" for part in shown))
        stream.close()

    # ------------------------------------------------------------ signals

    @property
    def stop_requested(self) -> bool:
        """Whether a stop signal arrived."""
        return self._stop.is_set()

    def check(self) -> None:
        """Raise StopRequestedError if a stop signal arrived."""
        if self._stop.is_set():
            raise StopRequestedError

    def request_stop(self) -> None:
        """Ask for a stop; a second request skips the remaining grace period."""
        if self._stop.is_set():
            self._hurry.set()
        self._stop.set()

    @contextmanager
    def handling_signals(self) -> Iterator[None]:
        """Turn SIGINT, SIGTERM and SIGHUP into stop requests while the block runs."""

        def handler(signum: int, frame: FrameType | None) -> None:
            self.request_stop()

        previous = {signum: signal.signal(signum, handler) for signum in _STOP_SIGNALS}
        try:
            yield
        finally:
            for signum, old in previous.items():
                signal.signal(signum, old)

    # ------------------------------------------------------------ lifecycle

    def start(self, *specs: ChildSpec) -> None:
        """Start the children together and return once every one is ready.

        Raises:
            ChildFailedError: one exited or was not ready within its `ready_timeout_s`.
            StopRequestedError: a stop signal arrived meanwhile.
        """
        self.check()
        started = time.monotonic()
        waiting = [self._spawn(spec) for spec in specs]
        while waiting:
            self._check_running(exclude=waiting)
            self._check_restarted()
            for child in list(waiting):
                code = child.process.poll()
                if code is not None:
                    raise self._failure(child, f"{_exit_reason(code)} before it was ready")
                if child.spec.ready():
                    waiting.remove(child)
                    elapsed = time.monotonic() - started
                    self.write(f"{self.prefix(child.spec.name)}ready after {elapsed:.1f} s\n")
                elif time.monotonic() - started > child.spec.ready_timeout_s:
                    limit = child.spec.ready_timeout_s
                    raise self._failure(child, f"was not ready after {limit:g} s")
            if waiting and self._stop.wait(self.poll_s):
                raise StopRequestedError

    def _spawn(self, spec: ChildSpec) -> _Child:
        try:
            process = subprocess.Popen(  # noqa: S603 - argv comes from the caller's fixed specs
                list(spec.argv),
                env=dict(spec.env) if spec.env is not None else None,
                cwd=spec.cwd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                # Its own group: the terminal's Ctrl-C reaches only the supervisor, which then
                # stops the children itself, and killpg reaches whatever a child spawned.
                process_group=0,
            )
        except OSError as exc:  # no such program, not executable, no such cwd
            raise ChildFailedError(spec.name, f"could not start: {exc}", []) from exc
        assert process.stdout is not None
        if self._log_dir is not None and spec.name not in self._logs:
            self._logs[spec.name] = LogFile(self._log_dir / f"{spec.name}.log", fresh=True)
        tail: deque[str] = deque(maxlen=20)
        pump = threading.Thread(
            target=self._pump, args=(spec.name, process.stdout, tail), daemon=True
        )
        child = _Child(spec=spec, process=process, pump=pump, tail=tail)
        self._children.append(child)
        pump.start()
        return child

    def watch(self) -> None:
        """Block until a stop signal arrives (return) or a child fails (raise); restart the
        children whose restarts allow it meanwhile.

        Raises:
            ChildFailedError: a child exited on its own, its restarts spent, or did not become
                ready again in time.
        """
        while not self._stop.wait(self.poll_s):
            self._check_running()
            self._check_restarted()

    def _check_running(self, *, exclude: Sequence[_Child] = ()) -> None:
        for child in list(self._children):
            if child in exclude or child.stopping or child.restarted_at is not None:
                continue
            code = child.process.poll()
            if code is not None:
                self._restart_or_fail(child, f"{_exit_reason(code)} unexpectedly")

    def _check_restarted(self) -> None:
        """Announce restarted children once ready again; one that exits or takes too long
        counts as another failure."""
        for child in [c for c in self._children if c.restarted_at is not None]:
            assert child.restarted_at is not None
            code = child.process.poll()
            if code is not None:
                self._restart_or_fail(child, f"{_exit_reason(code)} before it was ready again")
            elif child.spec.ready():
                elapsed = time.monotonic() - child.restarted_at
                child.restarted_at = None
                self.write(f"{self.prefix(child.spec.name)}ready again after {elapsed:.1f} s\n")
            elif time.monotonic() - child.restarted_at > child.spec.ready_timeout_s:
                limit = child.spec.ready_timeout_s
                raise self._failure(child, f"was not ready again after {limit:g} s")

    def _restart_or_fail(self, child: _Child, reason: str) -> None:
        """Start `child` again if its restarts within the window allow; raise otherwise."""
        now = time.monotonic()
        recent = self._restarts.setdefault(child.spec.name, deque())
        while recent and now - recent[0] > RESTART_WINDOW_S:
            recent.popleft()
        if len(recent) >= child.spec.restarts:
            raise self._failure(child, reason)
        recent.append(now)
        self._drain(child)  # its last lines come before the restart line
        allowed = child.spec.restarts
        self.write(
            f"{self.prefix(child.spec.name)}{reason}; starting it again "
            f"(restart {len(recent)} of {allowed} within {RESTART_WINDOW_S:g} s)\n"
        )
        _signal_group(child.process.pid, signal.SIGKILL)  # whatever it left in its group
        self._children.remove(child)
        self._spawn(child.spec).restarted_at = now

    def _failure(self, child: _Child, reason: str) -> ChildFailedError:
        self._drain(child)
        return ChildFailedError(child.spec.name, reason, list(child.tail))

    @staticmethod
    def _drain(child: _Child) -> None:
        # Let the pump print what an exited child wrote last; a grandchild holding the pipe open
        # must not block the report, hence the timeout.
        if child.process.poll() is not None:
            child.pump.join(timeout=1.0)

    @property
    def pids(self) -> dict[str, int]:
        """Process id (= process group id) of every child started so far."""
        return {child.spec.name: child.process.pid for child in self._children}

    def stop(self) -> None:
        """Stop every child: SIGTERM to each group, SIGKILL to what is left after the grace."""
        children = [c for c in reversed(self._children) if not c.stopping]
        for child in children:
            child.stopping = True
            _signal_group(child.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + self.grace_s
        pending = list(children)
        while pending and time.monotonic() < deadline and not self._hurry.is_set():
            for child in list(pending):
                if child.process.poll() is not None:
                    # The leader is gone; anything it left in its group goes with it.
                    _signal_group(child.process.pid, signal.SIGKILL)
                    pending.remove(child)
            if pending:
                time.sleep(self.poll_s)
        for child in pending:
            name = child.spec.name
            self.write(f"{self.prefix(name)}did not stop within {self.grace_s:g} s; killing it\n")
            _signal_group(child.process.pid, signal.SIGKILL)
        for child in children:
            child.process.wait()
            child.pump.join(timeout=1.0)
        for kept in self._logs.values():
            kept.close()


def _exit_reason(code: int) -> str:
    # Popen reports death by signal N as -N.
    if code < 0:
        with suppress(ValueError):
            return f"was killed by {signal.Signals(-code).name}"
        return f"was killed by signal {-code}"
    return f"exited with code {code}"


def _signal_group(pgid: int, signum: signal.Signals) -> None:
    # ProcessLookupError: the group is empty, everything in it has exited already.
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)
