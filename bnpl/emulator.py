"""The local AppSync for this product: the emulator wired to our schema, resolvers and services.

`bnpl dev` runs `create_app` under uvicorn; everything it needs comes from settings, so the same
wiring serves tests on free ports.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import httpx
from starlette.applications import Starlette

from appsync import tracing
from appsync.api import AppSyncApi
from appsync.app import create_app as create_asgi_app
from appsync.auth.cognito import UserPoolConfig
from appsync.auth.iam import IamConfig, IamPrincipal
from appsync.auth.iam_policy import PolicyDocument, field_arn
from appsync.auth.modes import AuthMode
from appsync.config import ApiConfig
from appsync.datasources.http import HttpDataSource, pooled_client
from appsync.datasources.lambda_function import LambdaDataSource
from appsync.graphiql import GraphiQLConfig, IamSigner, SignInUser, UserPoolSignIn
from appsync.limits import RESOLVER_COUNT_LIMIT
from appsync.resolver import DataSource
from appsync.sdl import appsync_sdl
from bnpl import settings as dev
from bnpl.personas import PERSONAS
from bnpl.resolver_metrics import resolver_error_counter
from bnpl.settings import PROJECT_ROOT, DevSettings
from resolvers.bindings import BINDINGS, IAM_CALLERS
from schema.operations import SCHEMA
from services.credit_proxy.proxy import CreditProxy
from services.shared.emf import EmfMetrics
from services.shared.logs import configure_logging
from services.shared.settings import Settings

LOCAL_API_ID = "bnpl-local"
"""The local API's id, in the ARNs its IAM policies name."""


def caller_policy(api_arn: str, caller: str) -> PolicyDocument:
    """The IAM policy a kind of caller gets (`IAM_CALLERS`), as Terraform writes it."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "appsync:GraphQL",
                "Resource": [field_arn(api_arn, *key.split(".", 1)) for key in IAM_CALLERS[caller]],
            }
        ],
    }


def sandbox_merchant(api_arn: str) -> IamPrincipal:
    """The IAM identity the sandbox merchant's backend signs requests as: a merchant's policy."""
    return IamPrincipal(
        access_key_id=dev.SANDBOX_MERCHANT_ACCESS_KEY_ID,
        secret_access_key=dev.SANDBOX_MERCHANT_SECRET_ACCESS_KEY,
        account_id=dev.SANDBOX_ACCOUNT_ID,
        user_arn=dev.SANDBOX_MERCHANT_ARN,
        username=dev.SANDBOX_MERCHANT_USER,
        policies=(caller_policy(api_arn, "merchant"),),
    )


def rival_merchant(api_arn: str) -> IamPrincipal:
    """A second sandbox merchant's identity, with a merchant's policy and checkouts of its own."""
    return IamPrincipal(
        access_key_id=dev.RIVAL_MERCHANT_ACCESS_KEY_ID,
        secret_access_key=dev.RIVAL_MERCHANT_SECRET_ACCESS_KEY,
        account_id=dev.SANDBOX_ACCOUNT_ID,
        user_arn=dev.RIVAL_MERCHANT_ARN,
        username=dev.RIVAL_MERCHANT_USER,
        policies=(caller_policy(api_arn, "merchant"),),
    )


def credit_service(api_arn: str) -> IamPrincipal:
    """The IAM identity the credit service signs `publishCheckoutUpdate` as."""
    return IamPrincipal(
        access_key_id=dev.CREDIT_SERVICE_ACCESS_KEY_ID,
        secret_access_key=dev.CREDIT_SERVICE_SECRET_ACCESS_KEY,
        account_id=dev.SANDBOX_ACCOUNT_ID,
        user_arn=dev.CREDIT_SERVICE_ARN,
        username=dev.CREDIT_SERVICE_USER,
        policies=(caller_policy(api_arn, "checkout_publisher"),),
    )


def api_config(settings: Settings) -> ApiConfig:
    """Cognito user pools by default, AWS_IAM for merchants: as `infra/` configures AppSync.

    The introspection switch and the execution limits come from `settings`, whose defaults are
    the dev environment's Terraform defaults; a resolver count limit of 0 means AppSync's
    default (10,000), as it does for Terraform's `resolver_count_limit`.

    Raises:
        ValueError: a limit is outside AppSync's range.
    """
    api_arn = f"arn:aws:appsync:{settings.region}:{dev.SANDBOX_ACCOUNT_ID}:apis/{LOCAL_API_ID}"
    return ApiConfig(
        name="bnpl",
        default_mode=AuthMode.COGNITO,
        additional_modes=(AuthMode.IAM,),
        user_pool=UserPoolConfig(
            issuer=settings.cognito_issuer,
            jwks_url=settings.cognito_jwks_url,
            default_action="ALLOW",
            app_id_client_regex="|".join(re.escape(c) for c in settings.cognito_client_ids),
        ),
        iam=IamConfig(
            region=settings.region,
            principals=(
                sandbox_merchant(api_arn),
                rival_merchant(api_arn),
                credit_service(api_arn),
            ),
            account_id=dev.SANDBOX_ACCOUNT_ID,
            api_id=LOCAL_API_ID,
        ),
        introspection_config=settings.introspection_config,
        query_depth_limit=settings.query_depth_limit,
        resolver_count_limit=settings.resolver_count_limit or RESOLVER_COUNT_LIMIT,
    )


# Lambda runs concurrent invocations in separate execution environments; locally a handful is
# enough to keep concurrent shoppers from queueing behind one another on a laptop.
CREDIT_PROXY_ENVIRONMENTS = 8


def data_sources(
    settings: Settings, http: httpx.AsyncClient | None = None
) -> dict[str, DataSource]:
    """The API's data sources, pointed where `settings` say.

    Args:
        settings: where the services are.
        http: the client the HTTP data source sends with (its owner closes it); by default
            the data source builds its own pool, which `close_data_sources` closes.
    """
    user_service = (
        HttpDataSource("user_service", endpoint=settings.user_service_url, client=http)
        if http is not None
        else HttpDataSource(
            "user_service",
            endpoint=settings.user_service_url,
            client_factory=lambda: pooled_client(settings.http_timeout_s),
        )
    )
    return {
        "user_service": user_service,
        "credit_proxy": LambdaDataSource(
            "credit_proxy",
            # One proxy per execution environment, as Lambda gives each its own module state.
            handler_factory=lambda: CreditProxy(settings=settings),
            environments=CREDIT_PROXY_ENVIRONMENTS,
            function_name="bnpl-credit-proxy",
            region=settings.region,
        ),
        # NONE: publishCheckoutUpdate's payload comes back as its result, for subscribers.
        "checkout_events": None,
    }


def stop_lambda_workers(sources: Mapping[str, DataSource]) -> None:
    """Stop the threads the Lambda data sources run their handlers on."""
    for source in sources.values():
        if isinstance(source, LambdaDataSource):
            source.close()


async def close_data_sources(sources: Mapping[str, DataSource]) -> None:
    """Close the HTTP data sources' own pools and stop the Lambda workers."""
    for source in sources.values():
        if isinstance(source, HttpDataSource):
            await source.aclose()
    stop_lambda_workers(sources)


def build_api(settings: Settings, sources: Mapping[str, DataSource]) -> AppSyncApi:
    """The API over our schema and resolvers, reaching `sources`."""
    return AppSyncApi(
        sdl=appsync_sdl(SCHEMA),
        config=api_config(settings),
        bindings=BINDINGS,
        data_sources=sources,
        code_dir=PROJECT_ROOT / "resolvers",
    )


GRAPHIQL_QUERY = """# Pick who you are above, then run.
query Me {
  me { id email verificationStatus }
}
"""


def graphiql_config(settings: DevSettings) -> GraphiQLConfig:
    """GraphiQL of the local API: the npm packages `make` installs, sign-in for every persona at
    the dev identity provider (its developer-console app client), and the sandbox merchant's IAM
    keys.

    The personas' passwords and the merchant's secret are embedded in the page, so a click signs
    in. They are dev-only credentials that `bnpl dev` prints at start-up anyway; they verify only
    against this stack's own identity provider and emulator, never against AWS.
    """
    users = tuple(
        SignInUser(
            name=persona.name,
            email=persona.email,
            password=persona.password,
            description=persona.summary,
        )
        for persona in PERSONAS.values()
    )
    return GraphiQLConfig(
        node_modules=PROJECT_ROOT / "node_modules",
        title="bnpl",
        user_pool=UserPoolSignIn(
            endpoint=f"{settings.url(settings.idp_port)}/",
            secure_endpoint=f"{settings.https_url(settings.idp_tls_port)}/",
            client_id=settings.console_client_id,
            users=users,
        ),
        iam_signers=(
            IamSigner(
                label=f"sandbox merchant ({dev.SANDBOX_MERCHANT_ID})",
                access_key_id=dev.SANDBOX_MERCHANT_ACCESS_KEY_ID,
                secret_access_key=dev.SANDBOX_MERCHANT_SECRET_ACCESS_KEY,
            ),
            IamSigner(
                label=f"another merchant ({dev.RIVAL_MERCHANT_ID})",
                access_key_id=dev.RIVAL_MERCHANT_ACCESS_KEY_ID,
                secret_access_key=dev.RIVAL_MERCHANT_SECRET_ACCESS_KEY,
            ),
        ),
        default_query=GRAPHIQL_QUERY,
    )


def create_app() -> Starlette:
    """The ASGI app `bnpl dev` serves (uvicorn `--factory bnpl.emulator:create_app`)."""
    # The credit proxy's Lambda runs in this process; its lines name it, as its own log group
    # would in AWS, and carry the request ids its events bring.
    configure_logging(
        "appsync",
        services={"services.credit_proxy": "credit-proxy"},
        extra_filters=(tracing.TraceFilter(),),
    )
    settings = Settings.from_environ()
    sources = data_sources(settings)

    async def close() -> None:
        await close_data_sources(sources)

    api = build_api(settings, sources)
    api.on_errors = resolver_error_counter(EmfMetrics(service="appsync"))
    return create_asgi_app(
        api,
        on_shutdown=[close],
        graphiql=graphiql_config(DevSettings.from_environ()),
    )
