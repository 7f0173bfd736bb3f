"""`bnpl dev`: the whole local stack, each part its own supervised process, until Ctrl-C.

Order follows the dependencies: DynamoDB Local and the dev identity provider (they need nothing),
then the tables and sandbox data, then the user and credit services (they need the tables), then
the emulator (it calls the services), and last the webhook sender, which nothing waits for.
Each step waits until what it depends on is healthy.

The hosted checkout page (`web`, web/dist) and the demo shop (`shop`) need nothing at start-up:
they start in the first batch. They, the emulator and the dev identity provider each listen
twice, over HTTP and over HTTPS/WSS, from one process (bnpl.serve); their certificate comes from
the data folder's local CA (bnpl.tls). The Amplify configuration of the stack is written into
the data folder before anything starts.

A part that exits after it served is started again (up to `RESTARTS` times a minute): the rest
of the stack answers `DependencyFailure` meanwhile and recovers on its own. DynamoDB Local in
memory is the exception: its data would be gone, so its exit stops the stack.
"""

from __future__ import annotations

import os
import socket
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from bnpl import dynamodb_local, log_view, sandbox, tables
from bnpl.bank_notifications import SECRET_ENV, bank_webhook_secret
from bnpl.commands import (
    UsageError,
    amplify_config,
    data_folder,
    dev_settings,
    reset as reset_command,
)
from bnpl.commands.banner import banner
from bnpl.idp.keys import signing_key
from bnpl.settings import PROJECT_ROOT, DevSettings
from bnpl.supervisor import (
    ChildFailedError,
    ChildSpec,
    StopRequestedError,
    Supervisor,
    all_ready,
    http_probe,
)
from bnpl.tls import LocalTls, local_tls, server_names
from services.shared.settings import Settings

READY_TIMEOUT_S = 30.0
STOP_GRACE_S = 5.0
# A part that dies after it served is started again, as ECS replaces a task, so a crash or a
# kill is something the rest of the stack rides out; one that keeps dying stops the stack.
RESTARTS = 3
# The start-up token is for an interactive session: valid for a working day, not Cognito's hour.
_TAIL_LINES = 15


def _port_owners(settings: DevSettings) -> dict[str, tuple[int, str]]:
    return {
        "dynamodb": (settings.dynamodb_port, "BNPL_DYNAMODB_PORT"),
        "idp": (settings.idp_port, "BNPL_IDP_PORT"),
        "user": (settings.user_port, "BNPL_USER_PORT"),
        "credit": (settings.credit_port, "BNPL_CREDIT_PORT"),
        "scoring": (settings.scoring_port, "BNPL_SCORING_PORT"),
        "appsync": (settings.appsync_port, "BNPL_APPSYNC_PORT"),
        "appsync HTTPS": (settings.appsync_tls_port, "BNPL_APPSYNC_TLS_PORT"),
        "idp HTTPS": (settings.idp_tls_port, "BNPL_IDP_TLS_PORT"),
        "web": (settings.web_port, "BNPL_WEB_PORT"),
        "web HTTPS": (settings.web_tls_port, "BNPL_WEB_TLS_PORT"),
        "shop": (settings.shop_port, "BNPL_SHOP_PORT"),
        "shop HTTPS": (settings.shop_tls_port, "BNPL_SHOP_TLS_PORT"),
    }


def check_prerequisites(settings: DevSettings) -> tuple[str, Path]:
    """Java, the DynamoDB Local jar and free ports.

    Returns:
        The java executable and the DynamoDB Local jar.

    Raises:
        UsageError: with a one-line message naming what to install or change.
    """
    try:
        java = dynamodb_local.find_java()
        jar = dynamodb_local.find_jar()
    except (dynamodb_local.JavaNotFoundError, FileNotFoundError) as exc:
        raise UsageError(str(exc)) from None
    for name, (port, variable) in _port_owners(settings).items():
        if not _port_free(settings.host, port):
            raise UsageError(
                f"port {port} ({name}) is in use: stop what listens there "
                f"(another `bnpl dev`?) or set {variable}"
            )
    return java, jar


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As the servers themselves do, so a port in TIME_WAIT from a previous run counts as free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _uvicorn(
    name: str,
    factory: str,
    port: int,
    settings: DevSettings,
    env: Mapping[str, str],
    *,
    workers: int = 1,
) -> ChildSpec:
    return ChildSpec(
        name=name,
        argv=[
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            factory,
            "--host",
            settings.host,
            "--port",
            str(port),
            # Shorter than the supervisor's grace, so open connections cannot turn a clean stop
            # into a SIGKILL.
            "--timeout-graceful-shutdown",
            str(int(STOP_GRACE_S) - 2),
            # Nothing stands in front of these servers: the client of a connection is who it
            # is, and an X-Forwarded-For it writes must not become its address in the access
            # log or the app (uvicorn trusts the header from 127.0.0.1 by default).
            "--no-proxy-headers",
            # The services log each request themselves, with its status and duration.
            "--no-access-log",
            # No banner naming the server and its make.
            "--no-server-header",
            # Worker processes share the port; the supervisor's killpg stops them with it.
            *(["--workers", str(workers)] if workers > 1 else []),
        ],
        ready=http_probe(f"{settings.url(port)}/health"),
        env=env,
        cwd=PROJECT_ROOT,
        ready_timeout_s=READY_TIMEOUT_S,
        restarts=RESTARTS,
    )


def _webhook_sender(env: Mapping[str, str]) -> ChildSpec:
    """The webhook sender: it serves no port, so it counts as ready once it runs."""
    return ChildSpec(
        name="webhooks",
        argv=[sys.executable, "-m", "services.credit.webhooks.sender_task"],
        ready=lambda: True,
        env=env,
        cwd=PROJECT_ROOT,
        restarts=RESTARTS,
    )


def _with_tls(
    name: str,
    factory: str,
    *,
    ports: tuple[int, int],
    settings: DevSettings,
    env: Mapping[str, str],
    tls: LocalTls,
) -> ChildSpec:
    """One process serving the app over HTTP on `ports[0]` and HTTPS/WSS on `ports[1]`
    (bnpl.serve); ready once both answer, the HTTPS one with a certificate from the local CA."""
    port, tls_port = ports
    return ChildSpec(
        name=name,
        argv=[
            sys.executable,
            "-m",
            "bnpl.serve",
            "--factory",
            factory,
            "--name",
            name,
            # The emulator logs each request itself, with its request id.
            *(["--no-access-log"] if name == "appsync" else []),
            "--host",
            settings.host,
            "--port",
            str(port),
            "--tls-port",
            str(tls_port),
            "--certfile",
            str(tls.cert_path),
            "--keyfile",
            str(tls.key_path),
            # As for the others: open connections cannot turn a clean stop into a SIGKILL.
            "--timeout-graceful-shutdown",
            str(int(STOP_GRACE_S) - 2),
        ],
        ready=all_ready(
            http_probe(f"{settings.url(port)}/health"),
            http_probe(f"{settings.https_url(tls_port)}/health", ca_file=tls.ca_path),
        ),
        env=env,
        cwd=PROJECT_ROOT,
        ready_timeout_s=READY_TIMEOUT_S,
        restarts=RESTARTS,
    )


def _dynamodb(
    settings: DevSettings, env: Mapping[str, str], *, in_memory: bool, java: str, jar: Path
) -> ChildSpec:
    data_dir = None if in_memory else settings.data_dir / "dynamodb"
    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
    return ChildSpec(
        name="dynamodb",
        argv=dynamodb_local.command(
            port=settings.dynamodb_port, data_dir=data_dir, jar=jar, java=java
        ),
        # DynamoDB Local answers unsigned requests with an HTTP error: any answer means it serves.
        ready=http_probe(f"{settings.url(settings.dynamodb_port)}/", any_status=True),
        env=env,
        cwd=jar.parent,
        ready_timeout_s=READY_TIMEOUT_S,
        # Started again on its data folder, it serves what it held; in memory, everything would
        # be gone while the services still named it, so its death stops the stack instead.
        restarts=0 if in_memory else RESTARTS,
    )


class SetupError(Exception):
    """A step the supervisor runs itself (tables, sandbox data) failed."""


def _create_tables(supervisor: Supervisor, env: Mapping[str, str]) -> None:
    began = time.monotonic()
    settings = Settings.from_environ(env)
    try:
        tables.create_tables(settings)
        sandbox.seed(settings)
    except Exception as exc:
        # Whatever went wrong (DynamoDB refused, bad seed data), the children must still stop.
        raise SetupError(f"creating the tables and sandbox data failed: {exc!r}") from exc
    elapsed = time.monotonic() - began
    supervisor.write(
        f"{supervisor.prefix('bnpl')}tables ready, sandbox seeded in {elapsed:.1f} s\n"
    )


def run(*, in_memory: bool, started: float, reset: bool = False, out: TextIO | None = None) -> int:
    """Start the stack, print the banner, supervise until a signal or a failure.

    Args:
        in_memory: DynamoDB Local keeps nothing on disk.
        started: `time.monotonic()` when the command began, for the start-up time.
        reset: delete the kept data first, as `bnpl reset` does.
        out: where logs and the banner go (stdout by default).

    Returns:
        0 after a stop signal, 1 when a part failed or the reset was refused, 2 when a
        prerequisite is missing.
    """
    out = out or sys.stdout
    settings = dev_settings()
    java, jar = check_prerequisites(settings)
    if reset and reset_command.run(out=out, command="dev") != 0:
        return 1
    try:
        with data_folder.in_use(settings.data_dir):
            return _run(settings, in_memory=in_memory, started=started, out=out, java=java, jar=jar)
    except data_folder.DataInUseError as exc:
        raise UsageError(str(exc)) from None


def _run(
    settings: DevSettings, *, in_memory: bool, started: float, out: TextIO, java: str, jar: Path
) -> int:
    signing_key(settings.signing_key_path)  # created once here, before the IdP and the banner
    # Made (or renewed) here, once, before the two processes that present the certificate.
    tls = local_tls(settings.tls_dir, names=server_names(settings.host))
    amplify_config.write_files(settings)
    # This process runs the table step with boto3, which reads its credentials from os.environ:
    # it gets the same environment as the children.
    os.environ.update(settings.service_environ())
    # The sandbox bank's webhook secret, made once in the data folder (0600): the user service
    # verifies with it, `bnpl bank` signs with it. An exported BNPL_BANK_WEBHOOK_SECRET wins.
    try:
        os.environ[SECRET_ENV] = bank_webhook_secret(settings.data_dir)
    except ValueError as exc:  # a damaged secret file: the message says to delete it
        raise UsageError(str(exc)) from None
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    supervisor = Supervisor(
        out=out,
        name_width=8,
        grace_s=STOP_GRACE_S,
        log_dir=settings.log_dir,
        render=log_view.render,
    )
    with supervisor.handling_signals():
        try:
            supervisor.start(
                _dynamodb(settings, env, in_memory=in_memory, java=java, jar=jar),
                _with_tls(
                    "idp",
                    "bnpl.idp.app:create_app",
                    ports=(settings.idp_port, settings.idp_tls_port),
                    settings=settings,
                    env=env,
                    tls=tls,
                ),
                # The model server needs nothing else, so it loads while DynamoDB starts.
                _uvicorn(
                    "scoring",
                    "services.scoring.app:create_app",
                    settings.scoring_port,
                    settings,
                    env,
                ),
                # Nor do the page's host and the shop: they call the API only when asked to.
                _with_tls(
                    "web",
                    "bnpl.web_host:create_app",
                    ports=(settings.web_port, settings.web_tls_port),
                    settings=settings,
                    env=env,
                    tls=tls,
                ),
                _with_tls(
                    "shop",
                    "bnpl.shop.app:create_app",
                    ports=(settings.shop_port, settings.shop_tls_port),
                    settings=settings,
                    env=env,
                    tls=tls,
                ),
            )
            _create_tables(supervisor, env)
            supervisor.check()
            supervisor.start(
                _uvicorn("user", "services.user.app:create_app", settings.user_port, settings, env),
                _uvicorn(
                    "credit",
                    "services.credit.app:create_app",
                    settings.credit_port,
                    settings,
                    env,
                    workers=settings.credit_workers,
                ),
            )
            supervisor.start(
                _with_tls(
                    "appsync",
                    "bnpl.emulator:create_app",
                    ports=(settings.appsync_port, settings.appsync_tls_port),
                    settings=settings,
                    env=env,
                    tls=tls,
                )
            )
            # Last, once the rest serve: nothing waits for it, so it must not slow their start.
            supervisor.start(_webhook_sender(env))
            ready_after_s = time.monotonic() - started
            supervisor.write(
                banner(settings, ready_after_s=ready_after_s, ca_created=tls.ca_created)
            )
            supervisor.watch()
        except StopRequestedError:
            pass
        except ChildFailedError as failure:
            _report(failure)
            return 1
        except SetupError as exc:
            sys.stderr.write(f"bnpl dev: {exc}\n")
            return 1
        finally:
            supervisor.write(f"{supervisor.prefix('bnpl')}stopping\n")
            supervisor.stop()
            supervisor.write(f"{supervisor.prefix('bnpl')}stopped\n")
    return 0


def _report(failure: ChildFailedError) -> None:
    lines = failure.tail[-_TAIL_LINES:]
    shown = "\n".join(f"    {line}" for line in lines) or "    (it printed nothing)"
    sys.stderr.write(f"bnpl dev: {failure.name} {failure.reason}; its last lines:\n{shown}\n")
