"""The browsers the other tests drive: a request for another host fails inside Chromium, whether
named by host name or by address, over HTTP or WebSocket, and the watch records it."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, Error as PlaywrightError

from tests.browser.conftest import watched

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("url", ["http://192.0.2.1/", "https://example.com/"])
def test_a_page_of_another_host_is_refused_by_the_browser(context: BrowserContext, url: str):
    page = context.new_page()
    watch = watched(page)
    with pytest.raises(PlaywrightError, match="net::ERR_PROXY_CONNECTION_FAILED"):
        page.goto(url)
    assert watch.refused == [url]


def test_a_socket_to_another_host_is_refused_by_the_browser(context: BrowserContext):
    page = context.new_page()
    watch = watched(page)
    page.goto("about:blank")
    closed = page.evaluate(
        """() => new Promise((resolve) => {
            const socket = new WebSocket('ws://192.0.2.1/realtime');
            socket.onclose = (event) => resolve(event.code);
        })"""
    )
    assert closed == 1006  # closed without ever opening
    assert watch.sockets == ["ws://192.0.2.1/realtime"]
    with pytest.raises(AssertionError, match=r"192\.0\.2\.1"):
        watch.assert_stayed_local()
