"""The hosted checkout page in the local stack (`bnpl dev`'s `web` process): `web/dist` as built,
`/config.json` (the stack's Amplify configuration, `bnpl amplify-config`), and the headers the
page has in AWS (infra/): a Content-Security-Policy allowing the page's own origin and the API,
real-time and identity provider origins only.

A path with a file extension is a file of `web/dist` (404 when absent); any other path is a route
of the single-page app, answered with `index.html`. Vite's hashed files under `assets/` never
change, so browsers keep them; everything else is revalidated. Until the page is built, every
route answers a page saying how to build it.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from bnpl.commands import amplify_config
from bnpl.settings import PROJECT_ROOT, DevSettings

DIST = PROJECT_ROOT / "web" / "dist"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Checkout page not built</title></head>
<body><main><h1>The checkout page is not built yet</h1>
<p>Build it once, then reload:
<code>npm ci --prefix web &amp;&amp; npm run build --prefix web</code> (see the README).
<code>bnpl dev</code> serves <code>web/dist</code> as it is.</p></main></body></html>
"""


def _origin(url: str, scheme: str | None = None) -> str:
    parts = urlsplit(url)
    return f"{scheme or parts.scheme}://{parts.netloc}"


def content_security_policy(settings: DevSettings) -> str:
    """Self, plus the API (HTTPS and WSS) and identity provider origins of the stack."""
    graphql = amplify_config.graphql_endpoint(settings)
    connect = [
        "'self'",
        _origin(graphql),
        _origin(graphql, "wss"),
        _origin(amplify_config.user_pool_endpoint(settings)),
    ]
    # The policy CloudFront sends in AWS (infra/modules/web_page), with the stack's origins.
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self'",
            "font-src 'self'",
            f"connect-src {' '.join(connect)}",
            "manifest-src 'self'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
        ]
    )


def create_app(settings: DevSettings | None = None, *, dist: Path = DIST) -> Starlette:
    """The web host for the stack `settings` describes, serving the build in `dist`."""
    settings = settings or DevSettings.from_environ()
    config = json.dumps(amplify_config.resources_config(settings)).encode()
    security = {
        "content-security-policy": content_security_policy(settings),
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",  # the checkout id is in the path
        "x-frame-options": "DENY",
    }
    root = dist.resolve()

    def secured(response: Response, cache: str) -> Response:
        response.headers.update({**security, "cache-control": cache})
        return response

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def config_json(_: Request) -> Response:
        answer = Response(config, media_type="application/json")
        return secured(answer, REVALIDATE)

    async def page(request: Request) -> Response:
        index = root / "index.html"
        if not index.is_file():
            return secured(HTMLResponse(NOT_BUILT, status_code=503), "no-store")
        path = PurePosixPath(request.url.path)
        if not path.suffix:
            return secured(FileResponse(index), REVALIDATE)
        file = (root / path.relative_to("/")).resolve()
        if not file.is_relative_to(root) or not file.is_file():
            return secured(
                Response("Not found", status_code=404, media_type="text/plain"), "no-store"
            )
        hashed = file.parent == root / "assets"
        return secured(FileResponse(file), IMMUTABLE if hashed else REVALIDATE)

    return Starlette(
        routes=[
            Route("/health", health, methods=["GET"]),
            Route("/config.json", config_json, methods=["GET"]),
            Route("/{path:path}", page, methods=["GET", "HEAD"]),
        ]
    )
