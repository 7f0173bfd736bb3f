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

from services.credit_proxy.client import DEVICE_ID_HEADER, Credentials, CreditClient
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


def _shopper(event: AppSyncResolverEvent) -> Credentials:
    """A signed-in customer's credentials; merchants (IAM) may not act on applications."""
    found = credentials(event)
    if found.authorization is None:
        raise Unauthorized("Credit applications are for signed-in customers")
    return found


def _source_ip(event: AppSyncResolverEvent) -> str | None:
    # AppSync gives `identity.sourceIp` as a list (the client, then any proxies).
    identity = event.get("identity") or {}
    value = identity.get("sourceIp")
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, str) and value else None


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
        self.app.resolver(type_name="Mutation", field_name="applyForCredit")(self.apply_for_credit)
        self.app.resolver(type_name="Query", field_name="application")(self.application)
        self.app.resolver(type_name="Mutation", field_name="reviewApplication")(
            self.review_application
        )
        self.app.resolver(type_name="Checkout", field_name="application")(self.checkout_application)
        self.app.resolver(type_name="Mutation", field_name="acceptOffer")(self.accept_offer)
        self.app.resolver(type_name="Mutation", field_name="payInstalment")(self.pay_instalment)
        self.app.resolver(type_name="Mutation", field_name="payOffPlan")(self.pay_off_plan)
        self.app.resolver(type_name="Mutation", field_name="captureCheckout")(self.capture_checkout)
        self.app.resolver(type_name="Mutation", field_name="voidCheckout")(self.void_checkout)
        self.app.resolver(type_name="Mutation", field_name="refundCheckout")(self.refund_checkout)
        self.app.resolver(type_name="Query", field_name="plan")(self.plan)
        self.app.resolver(type_name="Query", field_name="myPlans")(self.my_plans)
        self.app.resolver(type_name="Checkout", field_name="plan")(self.checkout_plan)

    def __call__(self, event: Any, context: Any) -> Any:
        """Resolve one AppSync event."""
        return self.app.resolve(event, context)

    def create_checkout(self, input: Mapping[str, Any]) -> Any:
        """`Mutation.createCheckout(input)`: the created (or replayed) checkout."""
        return self._client.create_checkout(credentials(self._event()), input)

    def checkout(self, id: str) -> Any | None:
        """`Query.checkout(id)`: the checkout, or null when the caller may not see it."""
        return self._client.get_checkout(credentials(self._event()), id)

    def apply_for_credit(self, input: Mapping[str, Any]) -> Any:
        """`Mutation.applyForCredit(input)`: the decided application (shoppers only)."""
        event = self._event()
        creds = _shopper(event)
        device = event.request_headers.get(DEVICE_ID_HEADER.lower())
        return self._client.apply_for_credit(
            creds, input, source_ip=_source_ip(event), device_id=device
        )

    def application(self, id: str) -> Any | None:
        """`Query.application(id)`: to its customer or an underwriter, else null."""
        return self._client.get_application(_shopper(self._event()), id)

    def review_application(self, input: Mapping[str, Any]) -> Any:
        """`Mutation.reviewApplication(input)`: an underwriter settles a referral."""
        body = {key: value for key, value in input.items() if key != "applicationId"}
        return self._client.review_application(
            _shopper(self._event()), str(input.get("applicationId", "")), body
        )

    def checkout_application(self) -> Any | None:
        """`Checkout.application`: the application that decided the checkout, to whoever may
        see it (its customer, an underwriter); null for merchants and before a decision."""
        event = self._event()
        source = event.source or {}
        application_id = source.get("applicationId")
        identity = event.get("identity") or {}
        if not isinstance(application_id, str) or "sub" not in identity:
            return None
        return self._client.get_application(credentials(event), application_id)

    def accept_offer(self, input: Mapping[str, Any]) -> Any:
        """`Mutation.acceptOffer(input)`: the plan (shoppers only)."""
        return self._client.accept_offer(_shopper(self._event()), input)

    def pay_instalment(self, input: Mapping[str, Any]) -> Any:
        """`Mutation.payInstalment(input)`: the payment (the plan's customer only)."""
        body = {key: value for key, value in input.items() if key != "planId"}
        return self._client.pay_instalment(
            _shopper(self._event()), str(input.get("planId", "")), body
        )

    def pay_off_plan(self, input: Mapping[str, Any]) -> Any:
        """`Mutation.payOffPlan(input)`: the payment of everything left (the plan's customer)."""
        body = {key: value for key, value in input.items() if key != "planId"}
        return self._client.pay_off_plan(
            _shopper(self._event()), str(input.get("planId", "")), body
        )

    def capture_checkout(self, input: Mapping[str, Any]) -> Any:
        """`Mutation.captureCheckout(input)`: the captured checkout (its merchant only)."""
        body = {key: value for key, value in input.items() if key != "checkoutId"}
        checkout_id = str(input.get("checkoutId", ""))
        return self._client.checkout_action(
            credentials(self._event()), checkout_id, "capture", body
        )

    def void_checkout(self, checkoutId: str) -> Any:  # noqa: N803 - GraphQL's name
        """`Mutation.voidCheckout(checkoutId)`: the voided checkout (its merchant only)."""
        return self._client.checkout_action(credentials(self._event()), checkoutId, "void", {})

    def refund_checkout(self, input: Mapping[str, Any]) -> Any:
        """`Mutation.refundCheckout(input)`: the checkout after the refund (its merchant only)."""
        body = {key: value for key, value in input.items() if key != "checkoutId"}
        checkout_id = str(input.get("checkoutId", ""))
        return self._client.checkout_action(
            credentials(self._event()), checkout_id, "refunds", body
        )

    def plan(self, id: str) -> Any | None:
        """`Query.plan(id)`: to its customer, else null."""
        return self._client.get_plan(_shopper(self._event()), id)

    def my_plans(self, limit: int | None = None, nextToken: str | None = None) -> Any:  # noqa: N803 - GraphQL's name
        """`Query.myPlans(limit, nextToken)`: the caller's plans, newest first."""
        return self._client.my_plans(_shopper(self._event()), limit=limit, next_token=nextToken)

    def checkout_plan(self) -> Any | None:
        """`Checkout.plan`: the plan of the accepted offer, to its customer; null otherwise."""
        event = self._event()
        source = event.source or {}
        plan_id = source.get("planId")
        identity = event.get("identity") or {}
        if not isinstance(plan_id, str) or "sub" not in identity:
            return None
        return self._client.get_plan(credentials(event), plan_id)

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
