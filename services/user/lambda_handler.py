"""The user service on AWS Lambda: the same Starlette app, behind API Gateway (HTTP API).

AppSync's `user_service` HTTP data source signs each call with SigV4 for `execute-api`; API Gateway
checks the signature (IAM authorization on every route but `POST /bank/notifications`, which the
bank signs with its webhook secret and the app verifies) and hands the request to this function in
the HTTP API's payload format 2.0. Mangum turns that event into an ASGI request for the very app
`uvicorn --factory services.user.app:create_app` serves locally, and the app's answer into the
proxy response API Gateway returns. The shopper's token travels in `X-Forwarded-Authorization`
(SigV4 took `Authorization`), and the app verifies it again, as it does locally.

The container image runs it as `services.user.lambda_handler.handler`.
"""

from __future__ import annotations

import threading
from typing import Any

from mangum import Mangum

from services.shared.settings import Settings
from services.user.app import create_app


def asgi_handler(settings: Settings) -> Mangum:
    """The Lambda handler for the user service configured by `settings`.

    Lifespan is off: the app opens nothing at start-up (its DynamoDB and JWKS clients connect on
    first use), and Lambda gives no reliable shutdown in which to close anything.

    Example:
        >>> handle = asgi_handler(Settings.from_environ())  # doctest: +SKIP
        >>> handle({"version": "2.0", "rawPath": "/health", ...}, context)  # doctest: +SKIP
        {'statusCode': 200, 'headers': {...}, 'body': '{"status":"ok","service":"user"}', ...}
    """
    return Mangum(create_app(settings), lifespan="off")


_default: Mangum | None = None
_default_lock = threading.Lock()


def _adapter() -> Mangum:
    # Built on first use, not at import: settings are read from the environment Lambda gives the
    # function, and the app (token key cache, DynamoDB connections) then lives as long as the
    # execution environment does, so warm invocations skip the set-up.
    global _default  # noqa: PLW0603
    with _default_lock:
        if _default is None:
            _default = asgi_handler(Settings.from_environ())
        return _default


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The Lambda entry point (`services.user.lambda_handler.handler`)."""
    return _adapter()(event, context)
