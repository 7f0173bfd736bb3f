"""`CreditProxy`: the credit proxy's resolvers, each forwarding its field to the credit service.

AppSync invokes it with the direct-Lambda event. A shopper's call (Cognito) carries their token in
`request.headers.authorization`, forwarded unchanged; a merchant's call (IAM) carries no token, so
the proxy sends its own client-credentials token and names the IAM caller AppSync verified
(`callers`). An error from the service is raised as an exception whose class name is the
service's error code, which AppSync reports as the GraphQL error's `errorType`. Lambda reports
*any* exception that way, so nothing else leaves a resolver: an unexpected one is logged (with
the invocation's request id) and raised as `InternalError`. Ids are checked before they reach a
URL (`arguments`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

import httpx
from aws_lambda_powertools.event_handler import AppSyncResolver
from aws_lambda_powertools.utilities.data_classes.appsync_resolver_event import (
    AppSyncResolverEvent,
)

from services.credit_proxy.arguments import (
    check_ids,
    header_value,
    lookup_id,
    next_token,
    required_id,
)
from services.credit_proxy.callers import credentials, shopper, source_ip
from services.credit_proxy.client import DEVICE_ID_HEADER, CreditClient
from services.credit_proxy.invocation import field_of, invocation_trace
from services.credit_proxy.tokens import ServiceTokenProvider
from services.credit_proxy.webhooks import WebhookResolvers
from services.shared import trace
from services.shared.errors import InternalError, ServiceError, Unauthorized, error_class
from services.shared.settings import Settings

logger = logging.getLogger(__name__)

INTERNAL_ERROR = "An internal error occurred"


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
        self.app.resolver(type_name="Query", field_name="applicationAudit")(self.application_audit)
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
        self.app.resolver(type_name="Subscription", field_name="onCheckoutUpdated")(
            self.on_checkout_updated
        )
        WebhookResolvers(self._client, self._event, credentials).register(self.app)

    def __call__(self, event: Any, context: Any) -> Any:
        """Resolve one AppSync event.

        Raises:
            ServiceError: the subclass named by its wire code (AppSync's `errorType`); any other
                exception is logged once, with the request id, and raised as `InternalError`.
        """
        with trace.bound(invocation_trace(event, context)):
            return self._resolve(event, context)

    def _resolve(self, event: Any, context: Any) -> Any:
        began = time.perf_counter()
        outcome = "error"
        try:
            result = self.app.resolve(event, context)
            outcome = "ok"
            return result
        except ServiceError as error:
            outcome = error.code
            if type(error).__name__ == error.code:
                raise
            # Lambda names the class, not the code (PayloadTooLarge is sent as ValidationError).
            raise error_class(error.code)(error.message, details=error.details) from None
        except Exception:
            logger.exception(
                "unhandled error resolving %s (request %s)",
                field_of(event),
                getattr(context, "aws_request_id", None),
            )
            raise InternalError(INTERNAL_ERROR) from None
        finally:
            logger.info(
                "%s %s",
                field_of(event),
                outcome,
                extra={
                    "hop": "credit-proxy",
                    "outcome": outcome,
                    "duration_ms": round((time.perf_counter() - began) * 1000, 1),
                },
            )

    def create_checkout(self, input: Mapping[str, Any]) -> Any:
        """`Mutation.createCheckout(input)`: the created (or replayed) checkout."""
        return self._client.create_checkout(credentials(self._event()), input)

    def checkout(self, id: str) -> Any | None:
        """`Query.checkout(id)`: the checkout, or null when the caller may not see it or no
        checkout can have the id (then the service is not asked)."""
        creds = credentials(self._event())
        checked = lookup_id(id)
        return None if checked is None else self._client.get_checkout(creds, checked)

    def apply_for_credit(self, input: Mapping[str, Any]) -> Any:
        """`Mutation.applyForCredit(input)`: the decided application (shoppers only).

        Raises:
            ValidationError: `checkoutId` or `bankConsentId` is no possible id.
        """
        event = self._event()
        creds = shopper(event)
        check_ids(input, "checkoutId", optional=("bankConsentId",))
        device = event.request_headers.get(DEVICE_ID_HEADER.lower())
        return self._client.apply_for_credit(
            creds,
            input,
            source_ip=source_ip(event),
            device_id=header_value(device) if device else None,
        )

    def application(self, id: str) -> Any | None:
        """`Query.application(id)`: to its customer or an underwriter, else null (and null,
        unasked, for an id no application can have)."""
        creds = shopper(self._event())
        checked = lookup_id(id)
        return None if checked is None else self._client.get_application(creds, checked)

    def application_audit(self, applicationId: str) -> Any:  # noqa: N803 - GraphQL's name
        """`Query.applicationAudit(applicationId)`: the application's audit entries, to
        underwriters (AppSync admits only their group; the service checks again).

        Raises:
            ValidationError: `applicationId` is no possible id.
            NotFound: no such application, or the caller is no underwriter.
        """
        creds = shopper(self._event())
        application_id = required_id(applicationId, "applicationId")
        return self._client.application_audit(creds, application_id)

    def review_application(self, input: Mapping[str, Any]) -> Any:
        """`Mutation.reviewApplication(input)`: an underwriter settles a referral.

        Raises:
            ValidationError: `applicationId` is no possible id.
        """
        creds = shopper(self._event())
        application_id = required_id(input.get("applicationId"), "applicationId")
        body = {key: value for key, value in input.items() if key != "applicationId"}
        return self._client.review_application(creds, application_id, body)

    def checkout_application(self) -> Any | None:
        """`Checkout.application`: the application that decided the checkout, to whoever may
        see it (its customer, an underwriter); null for merchants and before a decision."""
        event = self._event()
        source = event.source or {}
        application_id = lookup_id(source.get("applicationId"))
        identity = event.get("identity") or {}
        if application_id is None or "sub" not in identity:
            return None
        return self._client.get_application(credentials(event), application_id)

    def accept_offer(self, input: Mapping[str, Any]) -> Any:
        """`Mutation.acceptOffer(input)`: the plan (shoppers only).

        Raises:
            ValidationError: `applicationId` or `offerId` is no possible id.
        """
        creds = shopper(self._event())
        check_ids(input, "applicationId", "offerId")
        return self._client.accept_offer(creds, input)

    def pay_instalment(self, input: Mapping[str, Any]) -> Any:
        """`Mutation.payInstalment(input)`: the payment (the plan's customer only).

        Raises:
            ValidationError: `planId` is no possible id.
        """
        creds = shopper(self._event())
        plan_id = required_id(input.get("planId"), "planId")
        body = {key: value for key, value in input.items() if key != "planId"}
        return self._client.pay_instalment(creds, plan_id, body)

    def pay_off_plan(self, input: Mapping[str, Any]) -> Any:
        """`Mutation.payOffPlan(input)`: the payment of everything left (the plan's customer).

        Raises:
            ValidationError: `planId` is no possible id.
        """
        creds = shopper(self._event())
        plan_id = required_id(input.get("planId"), "planId")
        body = {key: value for key, value in input.items() if key != "planId"}
        return self._client.pay_off_plan(creds, plan_id, body)

    def capture_checkout(self, input: Mapping[str, Any]) -> Any:
        """`Mutation.captureCheckout(input)`: the captured checkout (its merchant only)."""
        return self._checkout_action(input, "capture")

    def void_checkout(self, checkoutId: str) -> Any:  # noqa: N803 - GraphQL's name
        """`Mutation.voidCheckout(checkoutId)`: the voided checkout (its merchant only)."""
        return self._checkout_action({"checkoutId": checkoutId}, "void")

    def refund_checkout(self, input: Mapping[str, Any]) -> Any:
        """`Mutation.refundCheckout(input)`: the checkout after the refund (its merchant only)."""
        return self._checkout_action(input, "refunds")

    def _checkout_action(self, input: Mapping[str, Any], action: str) -> Any:
        """A merchant's money move on a checkout.

        Raises:
            ValidationError: `checkoutId` is no possible id.
        """
        creds = credentials(self._event())
        checkout_id = required_id(input.get("checkoutId"), "checkoutId")
        body = {key: value for key, value in input.items() if key != "checkoutId"}
        return self._client.checkout_action(creds, checkout_id, action, body)

    def plan(self, id: str) -> Any | None:
        """`Query.plan(id)`: to its customer, else null (and null, unasked, for an id no plan
        can have)."""
        creds = shopper(self._event())
        checked = lookup_id(id)
        return None if checked is None else self._client.get_plan(creds, checked)

    def my_plans(self, limit: int | None = None, nextToken: str | None = None) -> Any:  # noqa: N803 - GraphQL's name
        """`Query.myPlans(limit, nextToken)`: the caller's plans, newest first.

        Raises:
            ValidationError: a `nextToken` no page can have (`NEXT_TOKEN_MAX_CHARS`).
        """
        creds = shopper(self._event())
        return self._client.my_plans(creds, limit=limit, next_token=next_token(nextToken))

    def checkout_plan(self) -> Any | None:
        """`Checkout.plan`: the plan of the accepted offer, to its customer; null otherwise."""
        event = self._event()
        source = event.source or {}
        plan_id = lookup_id(source.get("planId"))
        identity = event.get("identity") or {}
        if plan_id is None or "sub" not in identity:
            return None
        return self._client.get_plan(credentials(event), plan_id)

    def on_checkout_updated(self, id: str) -> dict[str, str]:
        """`Subscription.onCheckoutUpdated(id)`: whom the subscription's updates are for, which
        its resolver turns into the subscription's filter: `{"customerId"}` for a shopper (the
        verified `sub`: they hear only updates addressed to them), `{"merchantId"}` for a
        merchant whose checkout it is.

        Raises:
            Unauthorized: a merchant asking about a checkout that is not theirs (or none).
        """
        event = self._event()
        identity = event.get("identity") or {}
        sub = identity.get("sub")
        if isinstance(sub, str) and sub:
            return {"customerId": sub}
        creds = credentials(event)
        checked = lookup_id(id)
        checkout = None if checked is None else self._client.get_checkout(creds, checked)
        if not isinstance(checkout, Mapping) or not isinstance(checkout.get("merchantId"), str):
            raise Unauthorized("Merchants may subscribe to their own checkouts only")
        return {"merchantId": checkout["merchantId"]}

    def _event(self) -> AppSyncResolverEvent:
        event = self.app.current_event
        assert event is not None, "Powertools sets the event before calling a resolver"
        return event

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()
