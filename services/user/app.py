"""The user service's HTTP face: `/customers` for the signed-in customer, `/bank/notifications`
for the bank (Starlette).

Run it with `uvicorn --factory services.user.app:create_app`.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.shared.auth import CustomerPrincipal, TokenVerifier
from services.shared.emf import EmfMetrics
from services.shared.errors import Unauthorized
from services.shared.http import create_service_app, principal, read_json
from services.shared.json_answers import JSONResponse
from services.shared.metrics import MetricsSink
from services.shared.settings import Settings
from services.user.consents.bank_secret import (
    BankSecret,
    FixedBankSecret,
    NoBankSecret,
    SecretsManagerBankSecret,
)
from services.user.consents.endpoints import consent_routes, notification_routes
from services.user.consents.service import ConsentService
from services.user.consents.store import DynamoConsentRepository
from services.user.customers.ports import CustomerRepository
from services.user.customers.service import UserService
from services.user.customers.store import DynamoCustomerRepository
from services.user.messaging import CodeSender
from services.user.messaging.metered import MeteredCodeSender
from services.user.openapi import OPENAPI
from services.user.sandbox_bank.bank import SandboxBank
from services.user.verification.endpoints import verification_routes
from services.user.verification.service import VerificationService


def _customer(request: Request) -> CustomerPrincipal:
    caller = principal(request)
    if not isinstance(caller, CustomerPrincipal):
        raise Unauthorized("Only customers may use their profile")
    return caller


class CustomerEndpoints:
    """Route handlers: parse the request, call the use case, answer JSON."""

    def __init__(self, service: UserService) -> None:
        self.service = service

    async def me(self, request: Request) -> Response:
        """`GET /customers/me`: the caller's profile, 404 before registration."""
        caller = _customer(request)
        customer = await run_in_threadpool(self.service.me, customer_id=caller.sub)
        return JSONResponse(customer.to_json())

    async def register(self, request: Request) -> Response:
        """`POST /customers`: 201 with the new profile, 200 with the existing one."""
        caller = _customer(request)
        payload = await read_json(request)
        outcome = await run_in_threadpool(
            self.service.register, customer_id=caller.sub, email=caller.email, payload=payload
        )
        return JSONResponse(outcome.customer.to_json(), status_code=201 if outcome.created else 200)

    async def update(self, request: Request) -> Response:
        """`PATCH /customers/me`: change any subset of the profile."""
        caller = _customer(request)
        payload = await read_json(request)
        customer = await run_in_threadpool(
            self.service.update, customer_id=caller.sub, payload=payload
        )
        return JSONResponse(customer.to_json())


def create_app(
    settings: Settings | None = None,
    *,
    repository: CustomerRepository | None = None,
    verification: VerificationService | None = None,
    consents: ConsentService | None = None,
    metrics: MetricsSink | None = None,
) -> Starlette:
    """The user service's ASGI app.

    Args:
        settings: where the tables and the token keys are; the environment by default.
        repository: where customers are kept; the DynamoDB table of `settings` by default.
        verification: the verification use cases; DynamoDB and the sender of `settings` by
            default (`verification_service`).
        consents: the open-banking use cases; DynamoDB and the sandbox bank by default.
        metrics: where the verification codes sent and failed are counted; EMF documents on
            stdout (`service` = `user`) by default.

    Raises:
        ValueError: `settings.bank_webhook_secret` is set but no `whsec_` value.
    """
    settings = settings or Settings.from_environ()
    service = UserService(repository=repository or DynamoCustomerRepository(settings))
    endpoints = CustomerEndpoints(service)
    consents = consents or default_consent_service(settings)
    return create_service_app(
        service="user",
        routes=[
            Route("/customers", endpoints.register, methods=["POST"]),
            Route("/customers/me", endpoints.me, methods=["GET"]),
            Route("/customers/me", endpoints.update, methods=["PATCH"]),
            *verification_routes(
                verification
                or verification_service(settings, metrics or EmfMetrics(service="user"))
            ),
            *consent_routes(consents),
        ],
        # The bank signs its notifications; it has no customer token to send.
        public_routes=notification_routes(consents, bank_secret(settings)),
        verifier=TokenVerifier(settings),
        openapi=OPENAPI,
    )


def verification_service(
    settings: Settings, metrics: MetricsSink | None = None
) -> VerificationService:
    """Verification on the settings' tables, sending codes the way `settings.messaging` says,
    each send counted in `metrics` when given."""
    from services.user.verification.store import DynamoChallengeRepository

    return VerificationService(
        customers=DynamoCustomerRepository(settings),
        challenges=DynamoChallengeRepository(settings),
        sender=code_sender(settings)
        if metrics is None
        else MeteredCodeSender(code_sender(settings), metrics),
    )


def default_consent_service(settings: Settings) -> ConsentService:
    """Consents in the settings' DynamoDB table, authorised against the sandbox bank (the only
    bank there is until a production OBIE adapter implements `BankGateway`)."""
    return ConsentService(repository=DynamoConsentRepository(settings), bank=SandboxBank())


def bank_secret(settings: Settings) -> BankSecret:
    """The bank's webhook secret: the settings' own, else the Secrets Manager secret they name
    (boto3 is imported only then), else none.

    Raises:
        ValueError: `settings.bank_webhook_secret` is no `whsec_` value.
    """
    if settings.bank_webhook_secret:
        return FixedBankSecret(settings.bank_webhook_secret)
    if settings.bank_webhook_secret_arn:
        import boto3
        from botocore.config import Config

        client = boto3.client(
            "secretsmanager",
            region_name=settings.region,
            config=Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard"}),
        )
        return SecretsManagerBankSecret(client, secret_id=settings.bank_webhook_secret_arn)
    return NoBankSecret()


def code_sender(settings: Settings) -> CodeSender:
    """The sender `settings.messaging` names (imported only when chosen: `aws` needs boto3)."""
    if settings.messaging == "aws":
        from services.user.messaging.aws import AwsCodeSender

        return AwsCodeSender(settings)
    from services.user.messaging.outbox import OutboxSender

    return OutboxSender(settings)
