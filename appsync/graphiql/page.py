"""The GraphiQL page: GraphiQL under a panel that picks the requests' authorization.

The page is rendered from `page.html`; what it offers comes from the API's configuration (its
modes, IAM region and API keys) and the `GraphiQLConfig` its app was given, embedded as JSON.
"""

from __future__ import annotations

import html
import json
import time
from pathlib import Path
from string import Template
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from appsync.auth.modes import AuthMode
from appsync.config import ApiConfig
from appsync.graphiql.assets import ASSET_PATH, AssetStore
from appsync.graphiql.config import GraphiQLConfig

__all__ = ["GraphiQLPage", "page_config"]

_TEMPLATE = Template((Path(__file__).resolve().parent / "page.html").read_text(encoding="utf-8"))
ENDPOINT = "/graphql"
REALTIME_PATH = "/graphql/realtime"
# Modes whose credential is a token in `Authorization`, which may be pasted.
_TOKEN_MODES = frozenset({AuthMode.COGNITO, AuthMode.OIDC, AuthMode.LAMBDA})


def page_config(api: ApiConfig, config: GraphiQLConfig, *, now: float | None = None) -> Any:
    """What the page is told, as JSON values: where to send requests and as whom.

    Passwords and IAM secrets are included as given. The page is a development tool served by
    the emulator; whoever configures it chooses to offer those credentials to its users.
    """
    modes = api.modes
    user_pool = config.user_pool if AuthMode.COGNITO in modes else None
    signers = config.iam_signers if AuthMode.IAM in modes and api.iam is not None else ()
    moment = time.time() if now is None else now
    keys = [k.id for k in api.api_keys if k.expires > moment] if AuthMode.API_KEY in modes else []
    return {
        "title": config.title,
        "endpoint": ENDPOINT,
        "realtimePath": REALTIME_PATH,
        "defaultQuery": config.default_query,
        "defaultMode": api.default_mode.value,
        "modes": sorted(mode.value for mode in modes),
        "tokens": bool(modes & _TOKEN_MODES),
        "userPool": None
        if user_pool is None
        else {
            "endpoint": user_pool.endpoint,
            "secureEndpoint": user_pool.secure_endpoint or user_pool.endpoint,
            "clientId": user_pool.client_id,
            "users": [
                {
                    "name": user.name,
                    "email": user.email,
                    "password": user.password,
                    "description": user.description,
                }
                for user in user_pool.users
            ],
        },
        "iam": None
        if not signers or api.iam is None
        else {
            "region": api.iam.region,
            "signers": [
                {
                    "label": signer.label,
                    "accessKeyId": signer.access_key_id,
                    "secretAccessKey": signer.secret_access_key,
                }
                for signer in signers
            ],
        },
        "apiKeys": keys,
    }


def _script_json(value: Any) -> str:
    # JSON inside <script>: no `<`, `>` or `&` may appear raw, or `</script>` in a persona's
    # name would end the element.
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


class GraphiQLPage:
    """Renders the page, or says which assets are missing.

    Args:
        api: the configuration of the API the page sends requests to.
        config: what the page offers.
    """

    def __init__(self, api: ApiConfig, config: GraphiQLConfig) -> None:
        self._api, self._config = api, config
        self.assets = AssetStore(config.vendor_files())

    def render(self, request: Request) -> Response:
        """The page for a browser that opened `GET /graphql`."""
        missing = self.assets.missing()
        if not self.assets.configured or missing:
            return self._not_installed(missing)
        urls = {name: self.assets.url(name) for name in self.assets.names}
        body = _TEMPLATE.substitute(
            title=html.escape(self._config.title),
            config=_script_json(page_config(self._api, self._config)),
            graphiql_css=urls["graphiql.min.css"],
            panel_css=urls["panel.css"],
            react=urls["react.production.min.js"],
            react_dom=urls["react-dom.production.min.js"],
            graphiql_js=urls["graphiql.min.js"],
            sigv4_js=urls["sigv4.js"],
            realtime_js=urls["realtime.js"],
            auth_js=urls["auth.js"],
            main_js=urls["main.js"],
        )
        return HTMLResponse(
            body,
            headers={
                "cache-control": "no-store",
                "content-security-policy": self._policy(request),
            },
        )

    def _policy(self, request: Request) -> str:
        """Only this server's own scripts run, and the page talks to this server (HTTP and the
        real-time WebSocket) and to the user pool's sign-in endpoint: nothing on the internet.
        Styles may be inline because GraphiQL's editors set them; its fonts are data: URLs."""
        host = request.url.netloc
        connect = ["'self'", f"ws://{host}", f"wss://{host}"]
        user_pool = self._config.user_pool
        if user_pool is not None:
            for endpoint in (user_pool.endpoint, user_pool.secure_endpoint or ""):
                origin = _origin(endpoint)
                if origin is not None and origin not in connect:
                    connect.append(origin)
        return "; ".join(
            [
                "default-src 'none'",
                "script-src 'self'",
                "style-src 'self' 'unsafe-inline'",
                "img-src 'self' data:",
                "font-src 'self' data:",
                f"connect-src {' '.join(connect)}",
                "base-uri 'none'",
                "form-action 'none'",
                "frame-ancestors 'none'",
            ]
        )

    def _not_installed(self, missing: list[Path]) -> Response:
        if not self.assets.configured:
            detail = "<p>This emulator was started without a folder of GraphiQL's assets.</p>"
        else:
            files = "".join(f"<li><code>{html.escape(str(path))}</code></li>" for path in missing)
            detail = f"<p>Missing:</p><ul>{files}</ul>"
        body = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            "<title>GraphiQL is not installed</title></head><body><main>"
            "<h1>GraphiQL's assets are not installed: run <code>npm ci</code></h1>"
            f"{detail}<p>GraphQL requests still work: <code>POST {ENDPOINT}</code>.</p>"
            "</main></body></html>"
        )
        return HTMLResponse(body, status_code=503, headers={"cache-control": "no-store"})


ASSET_ROUTE = f"{ASSET_PATH}/{{name}}"
