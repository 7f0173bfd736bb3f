"""The Lambda behind AppSync's `credit_proxy` data source: forwards checkout fields to the credit
service.

AppSync invokes it with the direct-Lambda event. A shopper's call (Cognito) carries their token in
`request.headers.authorization`, forwarded unchanged; a merchant's call (IAM) carries no token, so
the proxy sends its own client-credentials token and names the IAM caller AppSync verified. An
error from the service is raised as an exception whose class name is the service's error code,
which AppSync reports as the GraphQL error's `errorType`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

import httpx
from aws_lambda_powertools.event_handler import AppSyncResolver
from aws_lambda_powertools.utilities.data_classes.appsync_resolver_event import (
    AppSyncResolverEvent,
)

from services.credit_proxy.client import Credentials, CreditClient
from services.credit_proxy.tokens import ServiceTokenProvider
from services.shared.errors import Unauthorized, UnauthorizedException
from services.shared.settings import Settings

logger = logging.getLogger(__name__)


def credentials(event: AppSyncResolverEvent) -> Credentials:
    """How to authenticate the call AppSync made: the shopper's token or the merchant's ARN.

    Raises:
        UnauthorizedException: a Cognito call without its token.
        Unauthorized: a caller that is neither a Cognito user nor an IAM principal (API key).
    """
    identity: Mapping[str, Any] | None = event.get("identity")
    if not identity:
        raise Unauthorized("The credit service needs a signed-in customer or a merchant")
    if "sub" in identity:
        # AppSync verified this token; the credit service verifies it again (zero trust).
        authorization = event.request_headers.get("authorization")
        if not authorization:
            raise UnauthorizedException("Missing authorization token")
        return Credentials(authorization=authorization)
    arn = identity.get("userArn")
    if not isinstance(arn, str) or not arn:
        raise Unauthorized("The IAM caller has no userArn")
    return Credentials(caller_arn=arn)


class CreditProxy:
    """The Lambda function: Powertools' AppSync resolver over a `CreditClient`.

    Example:
        >>> proxy = CreditProxy(settings=Settings.from_environ())  # doctest: +SKIP
        >>> proxy(event, context)  # doctest: +SKIP
        {'id': '...', 'status': 'CREATED', ...}
    """

    def __init__(self, *, settings: Settings, http: httpx.Client | None = None) -> None:
        self._http = http or httpx.Client(timeout=settings.http_timeout_s)
        tokens = ServiceTokenProvider(
            endpoint=settings.token_endpoint,
            client_id=settings.service_client_id,
            client_secret=settings.service_client_secret,
            http=self._http,
        )
        self._client = CreditClient(
            base_url=settings.credit_service_url, http=self._http, tokens=tokens
        )
        self.app = AppSyncResolver()  # type: ignore[no-untyped-call]  # untyped __init__
        self.app.resolver(type_name="Mutation", field_name="createCheckout")(self.create_checkout)
        self.app.resolver(type_name="Query", field_name="checkout")(self.checkout)

    def __call__(self, event: Any, context: Any) -> Any:
        """Resolve one AppSync event."""
        return self.app.resolve(event, context)

    def create_checkout(self, input: Mapping[str, Any]) -> Any:
        """`Mutation.createCheckout(input)`: the created (or replayed) checkout."""
        return self._client.create_checkout(credentials(self._event()), input)

    def checkout(self, id: str) -> Any | None:
        """`Query.checkout(id)`: the checkout, or null when the caller may not see it."""
        return self._client.get_checkout(credentials(self._event()), id)

    def _event(self) -> AppSyncResolverEvent:
        event = self.app.current_event
        assert event is not None, "Powertools sets the event before calling a resolver"
        return event

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()


_default: CreditProxy | None = None
_default_lock = threading.Lock()


def _proxy() -> CreditProxy:
    # Built on first use, not at import: settings are read from the environment Lambda (or the
    # emulator) gives the function, and the connection pool and token cache then live as long
    # as the execution environment does.
    global _default  # noqa: PLW0603
    with _default_lock:
        if _default is None:
            _default = CreditProxy(settings=Settings.from_environ())
        return _default


def handler(event: Any, context: Any) -> Any:
    """The Lambda entry point (`services.credit_proxy.handler.handler`)."""
    return _proxy()(event, context)
