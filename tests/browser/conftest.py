"""Headless Chromium (Debian's: Playwright cannot download browsers here) driving GraphiQL.

Every Chromium runs with a HOME of its own whose NSS database (`~/.pki/nssdb`, where Linux
Chromium keeps the user's trusted CAs) is made here: empty for plain HTTP, holding a local CA for
HTTPS, so a page over HTTPS loads only because that CA is trusted, never because certificate
errors are ignored.

Every Chromium also sends all but loopback traffic to a proxy that does not answer, so a request
for another host fails in the browser itself. Pages are watched rather than intercepted (an
intercepted page's CORS preflights are answered by Playwright instead of the server asked):
requests for other hosts, WebSocket URLs and uncaught errors are recorded, so a test can assert
the page reached nothing outside this machine.
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import uvicorn
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    Request,
    ViewportSize,
    sync_playwright,
)

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CERTUTIL = "/usr/bin/certutil"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT: ViewportSize = {"width": 1400, "height": 860}
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})


@dataclass
class Watch:
    """What a page tried: every request, those for other hosts (which the browser's dead proxy
    refused), WebSockets, errors and Content Security Policy violations."""

    requests: list[Request] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    sockets: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    policy_violations: list[str] = field(default_factory=list)

    def posts_to(self, url: str) -> list[Request]:
        """The POST requests the page sent to `url`."""
        return [r for r in self.requests if r.method == "POST" and r.url == url]

    def assert_stayed_local(self) -> None:
        assert self.refused == [], f"the page tried to reach other hosts: {self.refused}"
        for url in self.sockets:
            assert urlsplit(url).hostname in LOCAL_HOSTS, url
        assert self.policy_violations == []
        assert self.errors == []


def watched(page: Page) -> Watch:
    """Record what `page` asks for from now on, and every request that would leave this machine."""
    watch = Watch()

    def request(sent: Request) -> None:
        watch.requests.append(sent)
        parts = urlsplit(sent.url)
        if parts.scheme in {"http", "https", "ws", "wss"} and parts.hostname not in LOCAL_HOSTS:
            watch.refused.append(sent.url)

    def console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            watch.policy_violations.append(message.text)

    page.on("request", request)
    page.on("websocket", lambda ws: watch.sockets.append(ws.url))
    page.on("pageerror", lambda error: watch.errors.append(str(error)))
    page.on("console", console)
    return watch


def nss_database(home: Path, authorities: tuple[Path, ...]) -> Path:
    """A new NSS database at `home/.pki/nssdb`, trusting `authorities` (CA certificates, PEM) to
    issue server certificates ("C,,"), and nothing else."""
    database = home / ".pki" / "nssdb"
    database.mkdir(parents=True)
    where = f"sql:{database}"
    subprocess.run([CERTUTIL, "-N", "-d", where, "--empty-password"], check=True)
    for index, authority in enumerate(authorities):
        name = f"local-ca-{index}"
        subprocess.run(
            [CERTUTIL, "-A", "-d", where, "-n", name, "-t", "C,,", "-i", str(authority)],
            check=True,
        )
    return database


@dataclass
class Chromium:
    """Launches Chromiums, each with a fresh HOME and NSS database."""

    playwright: Playwright
    homes: pytest.TempPathFactory
    dead_proxy: str

    def launch(self, *authorities: Path) -> Browser:
        """A Chromium trusting `authorities` (CA certificates, PEM) beyond its built-in roots;
        the caller closes it."""
        home = self.homes.mktemp("home")
        nss_database(home, authorities)
        return self.playwright.chromium.launch(
            executable_path=CHROMIUM,
            # Not Playwright's `proxy` option: that one sends loopback through the proxy too.
            args=[*CHROMIUM_ARGS, f"--proxy-server={self.dead_proxy}"],
            env={**os.environ, "HOME": str(home)},
        )

    @contextmanager
    def trusting(self, *authorities: Path) -> Iterator[Browser]:
        """`launch`, closed when the block ends."""
        browser = self.launch(*authorities)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="package")
def dead_proxy() -> Iterator[str]:
    """A local port held but never listened on: connecting to it is refused at once."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{held.getsockname()[1]}"


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    # Package scope: Playwright's sync API keeps an event loop running in this thread until it
    # stops, and tests outside this folder run event loops of their own.
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="package")
def chromium(
    playwright: Playwright, tmp_path_factory: pytest.TempPathFactory, dead_proxy: str
) -> Chromium:
    return Chromium(playwright, tmp_path_factory, dead_proxy)


@pytest.fixture(scope="package")
def browser(chromium: Chromium) -> Iterator[Browser]:
    """The Chromium for plain HTTP pages: it trusts no local CA."""
    with chromium.trusting() as launched:
        yield launched


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    opened = browser.new_context(viewport=VIEWPORT)
    yield opened
    opened.close()


class Served:
    """An ASGI app served by uvicorn on a free local port, in a thread of its own; over HTTPS
    when given a certificate and its key (PEM files)."""

    def __init__(self, app: Any, *, tls: tuple[Path, Path] | None = None) -> None:
        # Listening before the thread starts: a request sent at once waits in the backlog.
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(64)
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self._socket.getsockname()[1]}"
        config = uvicorn.Config(
            app,
            log_level="warning",
            ws="websockets-sansio",
            lifespan="off",
            ssl_certfile=tls[0] if tls else None,
            ssl_keyfile=tls[1] if tls else None,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)
        self._socket.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core, as the project installs it (npm), to run inside a page."""
    return (ROOT / "node_modules" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
