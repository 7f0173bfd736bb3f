"""Run a whole `bnpl dev` stack as a child process on free ports, for tests and benchmarks.

The stack is the real thing (`bnpl dev --in-memory` by default): every process, DynamoDB Local,
real HTTP. Only the ports and the data folder differ, so several stacks never collide.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

from bnpl.settings import DevSettings
from bnpl.tls import LocalTls, trusting

READY_LINE = b"bnpl dev: ready in"


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class RunningStack:
    """A started stack: its settings, the process, and how long it took to become ready."""

    settings: DevSettings
    environ: dict[str, str]
    process: subprocess.Popen[bytes]
    log_path: Path
    ready_after_s: float

    def log(self) -> str:
        """Everything the stack printed so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    @property
    def ca_path(self) -> Path:
        """The local CA the stack's HTTPS listeners chain to: what clients verify against."""
        return LocalTls(self.settings.tls_dir).ca_path


def distinct_free_ports(count: int) -> list[int]:
    """`count` different ports nothing listens on right now.

    Every socket stays bound until all are chosen: a port released at once may be handed out
    again by the very next bind, and two services would then race for it.
    """
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]


def stack_environ(data_dir: Path) -> dict[str, str]:
    """The environment of a stack on fresh free ports, keeping its files in `data_dir`."""
    env = dict(os.environ)
    names = (
        *("APPSYNC", "USER", "CREDIT", "IDP", "DYNAMODB", "SCORING", "APPSYNC_TLS", "IDP_TLS"),
        *("WEB", "WEB_TLS", "SHOP", "SHOP_TLS"),
    )
    for name, port in zip(names, distinct_free_ports(len(names)), strict=True):
        env[f"BNPL_{name}_PORT"] = str(port)
    env["BNPL_DATA_DIR"] = str(data_dir)
    env["BNPL_HOST"] = "127.0.0.1"
    env.pop("NO_COLOR", None)
    return env


def _healthy(settings: DevSettings, client: httpx.Client, secure: httpx.Client) -> bool:
    checks = [
        (client, settings.url(port))
        for port in (
            settings.idp_port,
            settings.user_port,
            settings.credit_port,
            settings.appsync_port,
            settings.scoring_port,
            settings.web_port,
            settings.shop_port,
        )
    ] + [
        (secure, settings.https_url(port))
        for port in (
            settings.idp_tls_port,
            settings.appsync_tls_port,
            settings.web_tls_port,
            settings.shop_tls_port,
        )
    ]
    for http, base in checks:
        try:
            if http.get(f"{base}/health").status_code != 200:
                return False
        except httpx.HTTPError:
            return False
    return True


def _healthy_now(settings: DevSettings, client: httpx.Client) -> bool:
    # The CA exists once bnpl dev has made it, before any listener starts; verified against it,
    # and nothing else, the HTTPS checks pass only for the stack's own certificate.
    ca_path = LocalTls(settings.tls_dir).ca_path
    if not ca_path.is_file():
        return False
    with httpx.Client(timeout=1.0, verify=trusting(ca_path)) as secure:
        return _healthy(settings, client, secure)


@contextmanager
def running_stack(
    data_dir: Path,
    *,
    timeout_s: float = 90.0,
    in_memory: bool = True,
    reset: bool = False,
    env: Mapping[str, str] | None = None,
) -> Iterator[RunningStack]:
    """Start `bnpl dev` on free ports; stop it (SIGTERM) on exit.

    Args:
        data_dir: the stack's data folder.
        timeout_s: how long it may take to become ready.
        in_memory: `--in-memory`; otherwise DynamoDB Local keeps its data in `data_dir`.
        reset: `--reset`: delete the data kept in `data_dir` first.
        env: more of the stack's environment (`BNPL_LOG_LEVEL`, say).

    Raises:
        RuntimeError: the stack exited or did not become healthy in time (with its log).
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {**stack_environ(data_dir), **(env or {})}
    settings = DevSettings.from_environ(env)
    log_path = data_dir / "bnpl-dev.log"
    started = time.perf_counter()
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
            [
                str(Path(sys.executable).parent / "bnpl"),
                "dev",
                *(["--in-memory"] if in_memory else []),
                *(["--reset"] if reset else []),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    stack = None
    try:
        with httpx.Client(timeout=1.0) as client:
            # Ready means healthy *and* announced: the banner is printed right after the last
            # health check bnpl dev makes, so a caller may read it from the log.
            while READY_LINE not in log_path.read_bytes() or not _healthy_now(settings, client):
                if process.poll() is not None or time.perf_counter() - started > timeout_s:
                    raise RuntimeError(
                        f"bnpl dev did not become ready:\n{log_path.read_text(errors='replace')}"
                    )
                time.sleep(0.1)
        stack = RunningStack(settings, env, process, log_path, time.perf_counter() - started)
        yield stack
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes], *, grace_s: float = 20.0) -> int:
    """SIGTERM the stack and wait for it; SIGKILL its whole session if it hangs."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
    return process.wait()
