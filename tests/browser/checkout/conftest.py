"""One `bnpl dev` stack for every flow test (a package-scoped fixture), a Chromium trusting its
local CA through a throwaway NSS database, and a fresh browser context per test.

Screenshots go to docs/checkout/ when BNPL_UPDATE_DOCS_SCREENSHOT=1, else to a temporary folder.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize

from bnpl.devstack import RunningStack, running_stack
from tests.browser.checkout.backend import Backend
from tests.browser.checkout.pages import CheckoutFlow, Driver, Mouse, Steps
from tests.browser.conftest import ROOT, VIEWPORT, Chromium, Watch, watched

DIST = ROOT / "web" / "dist" / "index.html"
DOCS = ROOT / "docs" / "checkout"


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    if not DIST.is_file():
        pytest.fail(f"{DIST} is missing: build the page (cd web && npm ci && npm run build)")
    with running_stack(tmp_path_factory.mktemp("checkout-flows")) as running:
        yield running


@pytest.fixture(scope="package")
def backend(stack: RunningStack) -> Backend:
    return Backend(stack)


@pytest.fixture(scope="package")
def trusting_chromium(chromium: Chromium, stack: RunningStack) -> Iterator[Browser]:
    with chromium.trusting(stack.ca_path) as launched:
        yield launched


@pytest.fixture(scope="package")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if os.environ.get("BNPL_UPDATE_DOCS_SCREENSHOT") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        return DOCS
    return tmp_path_factory.mktemp("checkout-screenshots")


OpenPage = Callable[..., tuple[Page, Watch]]


@pytest.fixture
def open_page(trusting_chromium: Browser) -> Iterator[OpenPage]:
    """A page in a new context (no cookies, no stored session), watched."""
    contexts = []

    def opened(viewport: ViewportSize = VIEWPORT, *, mobile: bool = False) -> tuple[Page, Watch]:
        context = trusting_chromium.new_context(
            viewport=viewport,
            locale="en-GB",
            timezone_id="Europe/London",
            is_mobile=mobile,
            has_touch=mobile,
            device_scale_factor=2 if mobile else 1,
        )
        contexts.append(context)
        page = context.new_page()
        return page, watched(page)

    yield opened
    for context in contexts:
        context.close()


MakeFlow = Callable[..., CheckoutFlow]


@pytest.fixture
def flow(
    open_page: OpenPage, backend: Backend, axe_source: str, shots: Path, tmp_path: Path
) -> MakeFlow:
    """`flow()`: a checkout flow driven by the mouse on a desktop; `flow(driver=Keyboard,
    viewport=..., mobile=True, docs=False)` otherwise."""

    def made(
        *,
        driver: Callable[[Page], Driver] = Mouse,
        viewport: ViewportSize = VIEWPORT,
        mobile: bool = False,
        docs: bool = True,
    ) -> CheckoutFlow:
        page, watch = open_page(viewport, mobile=mobile)
        width = viewport["width"] if mobile else None
        steps = Steps(page, axe_source, shots if docs else tmp_path, width)
        return CheckoutFlow(page, driver(page), steps, backend, watch)

    return made
