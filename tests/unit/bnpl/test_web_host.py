"""The `web` process's app: web/dist with the single-page app's fallback, /config.json, and the
page's headers (CSP, caching)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bnpl.commands.amplify_config import resources_config
from bnpl.settings import PROJECT_ROOT as ROOT, DevSettings
from bnpl.web_host import IMMUTABLE, REVALIDATE, create_app

pytestmark = pytest.mark.anyio

INDEX = "<!doctype html><title>Checkout</title><div id=root></div>"
CONNECT = "connect-src 'self' https://127.0.0.1:4443 wss://127.0.0.1:4443 https://127.0.0.1:4433"


@pytest.fixture
def settings() -> DevSettings:
    return DevSettings.from_environ({})


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    built = tmp_path / "dist"
    (built / "assets").mkdir(parents=True)
    (built / "index.html").write_text(INDEX)
    (built / "assets" / "index-3f2a9c.js").write_text("console.log('page')")
    (built / "favicon.svg").write_text("<svg/>")
    (tmp_path / "secret.txt").write_text("not the page's")
    return built


async def client(settings: DevSettings, dist: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, dist=dist)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://127.0.0.1:4445") as web:
        yield web


@pytest.fixture
async def web(settings: DevSettings, dist: Path) -> AsyncIterator[httpx.AsyncClient]:
    async for each in client(settings, dist):
        yield each


@pytest.fixture
async def unbuilt(settings: DevSettings, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async for each in client(settings, tmp_path / "nothing-here"):
        yield each


@pytest.mark.parametrize("path", ["/", "/checkout/0b7c1f9e-2f4d-4d2a-9a57-5b1e8f3c2d10", "/x/y"])
async def test_paths_without_an_extension_answer_index_html_revalidated(
    web: httpx.AsyncClient, path: str
) -> None:
    answer = await web.get(path)
    assert answer.status_code == 200
    assert answer.text == INDEX
    assert answer.headers["cache-control"] == REVALIDATE
    assert answer.headers["content-type"].startswith("text/html")


async def test_hashed_assets_are_immutable_other_files_revalidated(web: httpx.AsyncClient) -> None:
    asset = await web.get("/assets/index-3f2a9c.js")
    assert asset.status_code == 200
    assert asset.headers["cache-control"] == IMMUTABLE
    icon = await web.get("/favicon.svg")
    assert icon.status_code == 200
    assert icon.headers["cache-control"] == REVALIDATE


@pytest.mark.parametrize("path", ["/missing.js", "/assets/gone-123.css", "/%2E%2E/secret.txt"])
async def test_a_file_that_is_not_in_the_build_is_404(web: httpx.AsyncClient, path: str) -> None:
    answer = await web.get(path)
    assert answer.status_code == 404
    assert "not the page's" not in answer.text


async def test_config_json_is_the_stacks_amplify_configuration(
    web: httpx.AsyncClient, settings: DevSettings
) -> None:
    answer = await web.get("/config.json")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == resources_config(settings)
    assert answer.headers["cache-control"] == REVALIDATE


async def test_the_csp_allows_only_self_and_the_stacks_api_and_idp(web: httpx.AsyncClient) -> None:
    for path in ("/", "/assets/index-3f2a9c.js", "/config.json", "/missing.js"):
        csp = (await web.get(path)).headers["content-security-policy"]
        directives = [d.strip() for d in csp.split(";")]
        assert CONNECT in directives
        # Every other directive is the one CloudFront sends in AWS, so the page is tried locally
        # under the policy it will live under.
        assert [d for d in directives if not d.startswith("connect-src")] == deployed_directives()
        assert "unsafe-inline" not in csp
        assert "unsafe-eval" not in csp


def deployed_directives() -> list[str]:
    """The Content-Security-Policy of infra/modules/web_page, but for its connect-src."""
    text = (ROOT / "infra" / "modules" / "web_page" / "main.tf").read_text(encoding="utf-8")
    block = re.search(r"content_security_policy = join\(\"; \", \[(.*?)\]\)", text, re.S)
    assert block is not None
    directives = re.findall(r'^\s*"([^"]+)",\s*$', block.group(1), re.M)
    assert "default-src 'none'" in directives
    return [d for d in directives if not d.startswith("connect-src")]


async def test_the_csp_follows_the_stacks_ports(dist: Path) -> None:
    settings = DevSettings.from_environ(
        {"BNPL_APPSYNC_TLS_PORT": "5443", "BNPL_IDP_TLS_PORT": "5433"}
    )
    async for web in client(settings, dist):
        csp = (await web.get("/")).headers["content-security-policy"]
        assert "https://127.0.0.1:5443 wss://127.0.0.1:5443 https://127.0.0.1:5433" in csp


async def test_before_the_build_every_page_says_how_to_build(unbuilt: httpx.AsyncClient) -> None:
    for path in ("/", "/checkout/abc"):
        answer = await unbuilt.get(path)
        assert answer.status_code == 503
        assert "npm run build" in answer.text
        assert answer.headers["cache-control"] == "no-store"
    assert (await unbuilt.get("/config.json")).status_code == 200
    assert (await unbuilt.get("/health")).json() == {"status": "ok"}
