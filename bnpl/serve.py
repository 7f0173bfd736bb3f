"""Serve one ASGI app over plain HTTP and over HTTPS at once: two uvicorn servers, one app
instance, one event loop, one process.

`bnpl dev` runs the emulator and the dev identity provider this way. One instance behind both
listeners means one set of subscriptions: a browser subscribed over `wss://` hears a mutation a
script sent over `http://`. One process per service keeps `bnpl dev`'s cold start where it was.

    python -m bnpl.serve --factory bnpl.emulator:create_app --host 127.0.0.1 --port 4000 \\
        --tls-port 4443 --certfile server.pem --keyfile server-key.pem

The app's lifespan runs once, around both servers: startup before either listens, shutdown after
both have closed their connections. SIGTERM or SIGINT stops both together; the process then
exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.importer import import_from_string
from uvicorn.lifespan.on import LifespanOn

from services.shared.logs import configure_logging

# uvicorn's exit code when the app's startup fails.
STARTUP_FAILURE = 3
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _Listener(uvicorn.Server):
    """A uvicorn server that leaves signals to the launcher.

    uvicorn installs its handler with `signal.signal` per server, so of two servers in one
    process only the last one started would hear SIGTERM, and the other would stop only after
    it had finished: one after the other, past the supervisor's grace period.
    """

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _config(
    app: Callable[..., Any],
    *,
    host: str,
    port: int,
    graceful_shutdown_s: int,
    certfile: Path | None = None,
    keyfile: Path | None = None,
    access_log: bool = True,
) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        # The process logs JSON lines through the root logger (`services.shared.logs`);
        # uvicorn's own configuration would give its loggers handlers of their own.
        log_config=None,
        access_log=access_log,
        ssl_certfile=certfile,
        ssl_keyfile=keyfile,
        # Nothing stands in front of these servers: the client of a connection is who it is, and
        # an X-Forwarded-For it writes must not become its address (uvicorn trusts the header
        # from 127.0.0.1 by default).
        proxy_headers=False,
        server_header=False,  # no banner naming the server and its make
        timeout_graceful_shutdown=graceful_shutdown_s,
        # The launcher runs the lifespan once, around both servers.
        lifespan="off",
    )


async def serve(
    app: Callable[..., Any],
    *,
    host: str,
    port: int,
    tls_port: int,
    certfile: Path,
    keyfile: Path,
    graceful_shutdown_s: int,
    access_log: bool = True,
) -> int:
    """Serve `app` on `host:port` (HTTP) and `host:tls_port` (HTTPS) until SIGTERM or SIGINT.

    Returns:
        0 after a stop signal, `STARTUP_FAILURE` when the app's startup failed.
    """
    servers = [
        _Listener(
            _config(
                app,
                host=host,
                port=port,
                graceful_shutdown_s=graceful_shutdown_s,
                access_log=access_log,
            )
        ),
        _Listener(
            _config(
                app,
                host=host,
                port=tls_port,
                graceful_shutdown_s=graceful_shutdown_s,
                certfile=certfile,
                keyfile=keyfile,
                access_log=access_log,
            )
        ),
    ]
    lifespan_config = uvicorn.Config(app, lifespan="on", log_config=None)
    lifespan_config.load()
    lifespan = LifespanOn(lifespan_config)
    await lifespan.startup()
    if lifespan.should_exit:
        return STARTUP_FAILURE

    loop = asyncio.get_running_loop()

    def stop(signum: int) -> None:
        for server in servers:
            # uvicorn's own handler: a second SIGINT skips the graceful wait.
            server.handle_exit(signum, None)

    for signum in _STOP_SIGNALS:
        loop.add_signal_handler(signum, stop, signum)
    try:
        await asyncio.gather(*(server.serve() for server in servers))
    finally:
        for signum in _STOP_SIGNALS:
            loop.remove_signal_handler(signum)
        await lifespan.shutdown()
    return 0


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bnpl.serve", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--factory", required=True, help="module:callable that returns the app")
    parser.add_argument("--name", default="app", help="the service name its log lines carry")
    parser.add_argument(
        "--no-access-log",
        dest="access_log",
        action="store_false",
        help="the app logs its requests itself",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True, help="the plain HTTP port")
    parser.add_argument("--tls-port", type=int, required=True, help="the HTTPS port")
    parser.add_argument("--certfile", type=Path, required=True, help="certificate chain (PEM)")
    parser.add_argument("--keyfile", type=Path, required=True, help="its private key (PEM)")
    parser.add_argument(
        "--timeout-graceful-shutdown",
        type=int,
        default=3,
        metavar="S",
        help="how long open connections get to finish once stopping (seconds)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Build the app from its factory and serve it until a stop signal."""
    args = _arguments(argv)
    app = import_from_string(args.factory)()
    configure_logging(args.name)  # unless the app's factory configured its own
    return asyncio.run(
        serve(
            app,
            host=args.host,
            port=args.port,
            tls_port=args.tls_port,
            certfile=args.certfile,
            keyfile=args.keyfile,
            graceful_shutdown_s=args.timeout_graceful_shutdown,
            access_log=args.access_log,
        )
    )


if __name__ == "__main__":
    sys.exit(main())
