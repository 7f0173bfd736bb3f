"""The Lambda behind AppSync's `credit_proxy` data source: forwards checkout fields to the credit
service through one `CreditProxy` (`proxy`) per execution environment.

Lambda reports any exception as the GraphQL error's `errorType`, so a function that cannot start
answers each event with `InternalError`, never with Python's error.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from services.credit_proxy.invocation import field_of
from services.credit_proxy.proxy import INTERNAL_ERROR, CreditProxy
from services.shared.errors import InternalError
from services.shared.logs import configure_logging
from services.shared.settings import Settings

logger = logging.getLogger(__name__)


_default: CreditProxy | None = None
_default_lock = threading.Lock()


def _proxy() -> CreditProxy:
    # Built on first use, not at import: settings are read from the environment Lambda (or the
    # emulator) gives the function, and the connection pool and token cache then live as long
    # as the execution environment does.
    global _default  # noqa: PLW0603
    with _default_lock:
        if _default is None:
            configure_logging("credit-proxy")
            _default = CreditProxy(settings=Settings.from_environ())
        return _default


def handler(event: Any, context: Any) -> Any:
    """The Lambda entry point (`services.credit_proxy.handler.handler`)."""
    try:
        proxy = _proxy()
    except Exception:
        # A broken environment (settings) fails each event the same way, never as Python's error.
        logger.exception(
            "the credit proxy could not start for %s (request %s)",
            field_of(event),
            getattr(context, "aws_request_id", None),
        )
        raise InternalError(INTERNAL_ERROR) from None
    return proxy(event, context)
