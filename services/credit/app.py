"""The credit service's HTTP face: `/checkouts` for merchants (via the proxy) and shoppers,
`/applications` and `/plans` for shoppers.

Run it with `uvicorn --factory services.credit.app:create_app`.
"""

from __future__ import annotations

from starlette.applications import Starlette

from services.credit.applications.endpoints import application_routes
from services.credit.applications.service import ApplicationService
from services.credit.checkouts.endpoints import checkout_routes
from services.credit.checkouts.operations import CheckoutOperations
from services.credit.checkouts.ports import CheckoutRepository, MerchantRepository
from services.credit.checkouts.service import CheckoutService
from services.credit.checkouts.store import DynamoCheckoutRepository, DynamoMerchantRepository
from services.credit.openapi import OPENAPI
from services.credit.plans.endpoints import plan_routes
from services.credit.plans.service import PlanService
from services.credit.webhooks.endpoints import webhook_routes
from services.credit.webhooks.service import WebhookService
from services.credit.webhooks.wiring import webhook_service
from services.credit.wiring import application_service, checkout_operations, plan_service
from services.shared.auth import TokenVerifier
from services.shared.emf import EmfMetrics
from services.shared.http import create_service_app
from services.shared.metrics import MetricsSink
from services.shared.settings import Settings


def create_app(
    settings: Settings | None = None,
    *,
    checkouts: CheckoutRepository | None = None,
    merchants: MerchantRepository | None = None,
    applications: ApplicationService | None = None,
    plans: PlanService | None = None,
    operations: CheckoutOperations | None = None,
    webhooks: WebhookService | None = None,
    metrics: MetricsSink | None = None,
) -> Starlette:
    """The credit service's ASGI app.

    Args:
        settings: where the tables and the token keys are; the environment by default.
        checkouts: where checkouts are kept; DynamoDB by default.
        merchants: where merchants are kept; DynamoDB by default.
        applications: the credit application use cases; composed from `settings` by default
            (`services.credit.wiring`).
        plans: the plan use cases; composed from `settings` by default.
        operations: the merchant's capture, void and refund; composed from `settings` by
            default.
        webhooks: the merchant's webhook endpoints; composed from `settings` by default.
        metrics: where the use cases it composes count decisions, screening steps and money
            movements; EMF documents on stdout (`service` = `credit`) by default.
    """
    settings = settings or Settings.from_environ()
    checkouts = checkouts or DynamoCheckoutRepository(settings)
    merchants = merchants or DynamoMerchantRepository(settings)
    service = CheckoutService(
        checkouts=checkouts,
        merchants=merchants,
        allow_local_http=settings.allow_local_http_redirects,
    )
    metrics = metrics or EmfMetrics(service="credit")
    applications = applications or application_service(
        settings, checkouts=checkouts, metrics=metrics
    )
    plans = plans or plan_service(settings, checkouts=checkouts, metrics=metrics)
    operations = operations or checkout_operations(settings, checkouts=checkouts, metrics=metrics)
    return create_service_app(
        service="credit",
        routes=[
            *checkout_routes(service, operations, page_url=settings.checkout_page_url),
            *application_routes(applications),
            *plan_routes(plans),
            *webhook_routes(webhooks or webhook_service(settings, merchants=merchants)),
        ],
        verifier=TokenVerifier(settings),
        openapi=OPENAPI,
        metrics=metrics,
    )
