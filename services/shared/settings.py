"""Settings every service reads: one place, from the environment, with local defaults.

The defaults describe the local stack that `bnpl dev` starts on 127.0.0.1; in AWS, Terraform sets
every variable below on the Lambda functions and the ECS task definition, except the API's
introspection switch and execution limits, which only the local AppSync reads: in AWS they are
the API's own settings, the Terraform variables of the same names.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

DEFAULT_REGION = "us-east-1"
DEFAULT_USER_POOL_ID = "us-east-1_bnplLocal"
DEFAULT_WEB_CLIENT_ID = "bnpl-local-web"
DEFAULT_SERVICE_CLIENT_ID = "bnpl-local-credit-proxy"
# The local developer console's (GraphiQL's) app client: only the dev identity provider has it.
DEFAULT_CONSOLE_CLIENT_ID = "bnpl-local-graphiql"

# The API's introspection switch and execution limits: the defaults of the dev environment's
# Terraform variables of the same names (infra/envs/dev/variables.tf), which are the source of
# truth, so the local API refuses what the deployed one refuses; tests/infra holds them equal.
# AppSync leaves the depth limit off (0) and allows 10,000 resolvers per request; this API's
# deepest honest query nests 4 levels and its largest runs a handful of resolvers, so the
# environments set 10 and 100: a document of a thousand aliases is refused, not run.
DEFAULT_INTROSPECTION_CONFIG: Literal["ENABLED", "DISABLED"] = "ENABLED"
DEFAULT_QUERY_DEPTH_LIMIT = 10
DEFAULT_RESOLVER_COUNT_LIMIT = 100


def cognito_issuer(region: str, user_pool_id: str) -> str:
    """The `iss` claim Cognito writes into the tokens of a user pool."""
    return f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"


def _csv(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _introspection_config(value: str) -> Literal["ENABLED", "DISABLED"]:
    if value == "ENABLED":
        return "ENABLED"
    if value == "DISABLED":
        return "DISABLED"
    raise ValueError(f"BNPL_INTROSPECTION_CONFIG must be ENABLED or DISABLED, not {value!r}")


def _events(value: str) -> Literal["outbox", "eventbridge"]:
    if value == "outbox":
        return "outbox"
    if value == "eventbridge":
        return "eventbridge"
    raise ValueError(f"BNPL_EVENTS must be outbox or eventbridge, not {value!r}")


def _workflow_engine(value: str) -> Literal["in_process", "step_functions"]:
    if value == "in_process":
        return "in_process"
    if value == "step_functions":
        return "step_functions"
    raise ValueError(f"BNPL_WORKFLOW_ENGINE must be in_process or step_functions, not {value!r}")


def _payments(value: str) -> Literal["sandbox", "none"]:
    if value == "sandbox":
        return "sandbox"
    if value == "none":
        return "none"
    raise ValueError(f"BNPL_PAYMENTS must be sandbox or none, not {value!r}")


def _user_service_auth(value: str) -> Literal["token", "iam"]:
    if value == "token":
        return "token"
    if value == "iam":
        return "iam"
    raise ValueError(f"BNPL_USER_SERVICE_AUTH must be token or iam, not {value!r}")


def _messaging(value: str) -> Literal["outbox", "aws"]:
    if value == "outbox":
        return "outbox"
    if value == "aws":
        return "aws"
    raise ValueError(f"BNPL_MESSAGING must be outbox or aws, not {value!r}")


def _flag(value: str, name: str) -> bool:
    if value in {"true", "1"}:
        return True
    if value in {"false", "0", ""}:
        return False
    raise ValueError(f"{name} must be true or false, not {value!r}")


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Configuration shared by the services (user, credit, credit proxy).

    Attributes:
        region: AWS region of the tables and the user pool (`AWS_REGION`).
        dynamodb_endpoint: DynamoDB endpoint; `None` means the AWS default for the region
            (`BNPL_DYNAMODB_ENDPOINT`, locally DynamoDB Local).
        table_prefix: prefix of every table name (`BNPL_TABLE_PREFIX`).
        cognito_issuer: expected `iss` of every token (`BNPL_COGNITO_ISSUER`).
        cognito_jwks_url: where the signing keys are published (`BNPL_COGNITO_JWKS_URL`).
        cognito_client_ids: app clients whose tokens customers use (`BNPL_COGNITO_CLIENT_IDS`).
        service_client_id: the machine-to-machine app client of the credit proxy, whose access
            tokens may assert a merchant's IAM identity (`BNPL_SERVICE_CLIENT_ID`).
        token_endpoint: OAuth2 token endpoint for client-credentials grants
            (`BNPL_TOKEN_ENDPOINT`).
        user_service_url: base URL of the user service (`BNPL_USER_SERVICE_URL`).
        payments: the card network: `sandbox` (test tokens, charges kept in the sandbox tables)
            or `none` (no card network: money-moving requests answer DependencyFailure)
            (`BNPL_PAYMENTS`).
        user_service_auth: how the credit service reaches it: `token` (the customer's JWT
            only, locally) or `iam` (also SigV4-signed for `execute-api`: the user service's
            API Gateway admits only IAM callers) (`BNPL_USER_SERVICE_AUTH`).
        credit_service_url: base URL of the credit service (`BNPL_CREDIT_SERVICE_URL`).
        http_timeout_s: timeout of every call between services (`BNPL_HTTP_TIMEOUT_S`).
        service_client_secret: the service app client's secret, which the credit proxy trades
            for access tokens (`BNPL_SERVICE_CLIENT_SECRET`); only the proxy needs it.
        introspection_config: whether the local API answers introspection queries, ENABLED or
            DISABLED (`BNPL_INTROSPECTION_CONFIG`; Terraform `introspection_config`).
        query_depth_limit: deepest nesting a query may have, 1-75, or 0 for no limit
            (`BNPL_QUERY_DEPTH_LIMIT`; Terraform `query_depth_limit`).
        resolver_count_limit: most resolvers one request may run, 1-10,000, or 0 for AppSync's
            default of 10,000 (`BNPL_RESOLVER_COUNT_LIMIT`; Terraform `resolver_count_limit`).

        messaging: how verification codes are sent (`BNPL_MESSAGING`): `outbox`, the dev
            outbox table (the local default), or `aws`, End User Messaging SMS and SES.
        sms_origination_identity: the phone number, sender id or pool SMS codes are sent from
            (`BNPL_SMS_ORIGINATION_IDENTITY`); with `aws` messaging only.
        sms_configuration_set: End User Messaging configuration set for delivery events
            (`BNPL_SMS_CONFIGURATION_SET`), optional.
        email_from_address: the SES-verified address emailed codes come from
            (`BNPL_EMAIL_FROM_ADDRESS`); with `aws` messaging only.
        scoring_endpoint_url: SageMaker Runtime's URL (`BNPL_SCORING_ENDPOINT_URL`, locally the
            scoring server on `BNPL_SCORING_PORT`, 4004); empty means the AWS default.
        scoring_endpoint_name: the SageMaker endpoint serving the credit model
            (`BNPL_SCORING_ENDPOINT_NAME`).
        scoring_challenger_variant: the endpoint's production variant holding a challenger
            model, scored in shadow beside the champion (`BNPL_SCORING_CHALLENGER_VARIANT`);
            None for no shadow scoring.
        appsync_url: the GraphQL API the credit service publishes checkout updates to, signed
            with the service's IAM credentials (`BNPL_APPSYNC_URL`, locally the emulator);
            empty means no publishing.
        events: where credit events (rejections) go (`BNPL_EVENTS`): `outbox`, a DynamoDB
            table (the local default), or `eventbridge`.
        event_bus_name: the EventBridge bus of credit events (`BNPL_EVENT_BUS_NAME`).
        checkout_page_url: the hosted checkout page's origin; a checkout's `redirectUrl` is
            `<checkout_page_url>/checkout/<id>` (`BNPL_CHECKOUT_PAGE_URL`; locally the web
            process's HTTPS origin, `BNPL_WEB_TLS_PORT`, 4445).
        allow_local_http_redirects: whether a checkout's return URLs may be plain HTTP to
            `localhost` or `127.0.0.1` (`BNPL_ALLOW_LOCAL_HTTP_REDIRECTS`, `true`; off unless
            set: `bnpl dev` sets it, AWS never does).
        sandbox_bureau_outage_file: local stack only: while this file exists the sandbox
            credit bureau answers as if it were down (`BNPL_SANDBOX_BUREAU_OUTAGE_FILE`).
        bank_webhook_secret: the secret the bank signs its consent notifications with, a
            Standard Webhooks `whsec_<base64>` value (`BNPL_BANK_WEBHOOK_SECRET`); only the user
            service needs it. Unset, the user service refuses bank notifications (503).
        bank_webhook_secret_arn: in AWS, the Secrets Manager secret that holds it
            (`BNPL_BANK_WEBHOOK_SECRET_ARN`), read at run time so that the value is in neither
            the function's configuration nor Terraform's state; `bank_webhook_secret` wins.

        The introspection switch and the two limits only configure the local AppSync (`bnpl dev`);
        their defaults are the dev environment's Terraform defaults, and the emulator refuses
        values AppSync would refuse.
    """

    region: str
    dynamodb_endpoint: str | None
    table_prefix: str
    cognito_issuer: str
    cognito_jwks_url: str
    cognito_client_ids: tuple[str, ...]
    service_client_id: str
    token_endpoint: str
    user_service_url: str
    credit_service_url: str
    http_timeout_s: float
    service_client_secret: str | None = field(default=None, repr=False)
    introspection_config: Literal["ENABLED", "DISABLED"] = DEFAULT_INTROSPECTION_CONFIG
    query_depth_limit: int = DEFAULT_QUERY_DEPTH_LIMIT
    resolver_count_limit: int = DEFAULT_RESOLVER_COUNT_LIMIT
    messaging: Literal["outbox", "aws"] = "outbox"
    sms_origination_identity: str | None = None
    sms_configuration_set: str | None = None
    email_from_address: str | None = None
    scoring_endpoint_url: str | None = None
    scoring_endpoint_name: str = "bnpl-credit-model"
    scoring_challenger_variant: str | None = None
    appsync_url: str | None = None
    events: Literal["outbox", "eventbridge"] = "outbox"
    event_bus_name: str = "bnpl-credit-events"
    user_service_auth: Literal["token", "iam"] = "token"
    payments: Literal["sandbox", "none"] = "sandbox"
    sandbox_bureau_outage_file: str | None = None
    checkout_page_url: str = "https://127.0.0.1:4445"
    allow_local_http_redirects: bool = False
    bank_webhook_secret: str | None = field(default=None, repr=False)
    bank_webhook_secret_arn: str | None = None
    # Where the pre-screening workflow runs: in the credit service (the latency budget's choice)
    # or as the state machine `state_machine_arn` names (`StartSyncExecution`).
    workflow_engine: Literal["in_process", "step_functions"] = "in_process"
    state_machine_arn: str | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from `environ` (the process environment by default)."""
        env = os.environ if environ is None else environ
        region = env.get("AWS_REGION", DEFAULT_REGION)
        issuer = env.get("BNPL_COGNITO_ISSUER", cognito_issuer(region, DEFAULT_USER_POOL_ID))
        host = env.get("BNPL_HOST", "127.0.0.1")
        return cls(
            region=region,
            dynamodb_endpoint=env.get(
                "BNPL_DYNAMODB_ENDPOINT", f"http://{host}:{env.get('BNPL_DYNAMODB_PORT', '8000')}"
            )
            or None,
            table_prefix=env.get("BNPL_TABLE_PREFIX", "bnpl-dev-"),
            cognito_issuer=issuer,
            cognito_jwks_url=env.get("BNPL_COGNITO_JWKS_URL", f"{issuer}/.well-known/jwks.json"),
            cognito_client_ids=_csv(
                env.get(
                    "BNPL_COGNITO_CLIENT_IDS",
                    f"{DEFAULT_WEB_CLIENT_ID},{DEFAULT_CONSOLE_CLIENT_ID}",
                )
            ),
            service_client_id=env.get("BNPL_SERVICE_CLIENT_ID", DEFAULT_SERVICE_CLIENT_ID),
            token_endpoint=env.get(
                "BNPL_TOKEN_ENDPOINT",
                f"http://{host}:{env.get('BNPL_IDP_PORT', '4003')}/oauth2/token",
            ),
            user_service_url=env.get(
                "BNPL_USER_SERVICE_URL", f"http://{host}:{env.get('BNPL_USER_PORT', '4001')}"
            ),
            user_service_auth=_user_service_auth(env.get("BNPL_USER_SERVICE_AUTH", "token")),
            payments=_payments(env.get("BNPL_PAYMENTS", "sandbox")),
            credit_service_url=env.get(
                "BNPL_CREDIT_SERVICE_URL", f"http://{host}:{env.get('BNPL_CREDIT_PORT', '4002')}"
            ),
            http_timeout_s=float(env.get("BNPL_HTTP_TIMEOUT_S", "5")),
            service_client_secret=env.get("BNPL_SERVICE_CLIENT_SECRET") or None,
            introspection_config=_introspection_config(
                env.get("BNPL_INTROSPECTION_CONFIG", DEFAULT_INTROSPECTION_CONFIG)
            ),
            query_depth_limit=int(
                env.get("BNPL_QUERY_DEPTH_LIMIT", str(DEFAULT_QUERY_DEPTH_LIMIT))
            ),
            resolver_count_limit=int(
                env.get("BNPL_RESOLVER_COUNT_LIMIT", str(DEFAULT_RESOLVER_COUNT_LIMIT))
            ),
            messaging=_messaging(env.get("BNPL_MESSAGING", "outbox")),
            sms_origination_identity=env.get("BNPL_SMS_ORIGINATION_IDENTITY") or None,
            sms_configuration_set=env.get("BNPL_SMS_CONFIGURATION_SET") or None,
            email_from_address=env.get("BNPL_EMAIL_FROM_ADDRESS") or None,
            scoring_endpoint_url=env.get(
                "BNPL_SCORING_ENDPOINT_URL", f"http://{host}:{env.get('BNPL_SCORING_PORT', '4004')}"
            )
            or None,
            scoring_endpoint_name=env.get("BNPL_SCORING_ENDPOINT_NAME", "bnpl-credit-model"),
            scoring_challenger_variant=env.get("BNPL_SCORING_CHALLENGER_VARIANT") or None,
            appsync_url=env.get(
                "BNPL_APPSYNC_URL",
                f"http://{host}:{env.get('BNPL_APPSYNC_PORT', '4000')}/graphql",
            )
            or None,
            events=_events(env.get("BNPL_EVENTS", "outbox")),
            workflow_engine=_workflow_engine(env.get("BNPL_WORKFLOW_ENGINE", "in_process")),
            state_machine_arn=env.get("BNPL_STATE_MACHINE_ARN") or None,
            event_bus_name=env.get("BNPL_EVENT_BUS_NAME", "bnpl-credit-events"),
            sandbox_bureau_outage_file=env.get("BNPL_SANDBOX_BUREAU_OUTAGE_FILE") or None,
            checkout_page_url=env.get(
                "BNPL_CHECKOUT_PAGE_URL", f"https://{host}:{env.get('BNPL_WEB_TLS_PORT', '4445')}"
            ).rstrip("/"),
            allow_local_http_redirects=_flag(
                env.get("BNPL_ALLOW_LOCAL_HTTP_REDIRECTS", "false"),
                "BNPL_ALLOW_LOCAL_HTTP_REDIRECTS",
            ),
            bank_webhook_secret=env.get("BNPL_BANK_WEBHOOK_SECRET") or None,
            bank_webhook_secret_arn=env.get("BNPL_BANK_WEBHOOK_SECRET_ARN") or None,
        )

    def table_name(self, short_name: str) -> str:
        """Physical name of one of our tables, e.g. `customers` → `bnpl-dev-customers`."""
        return f"{self.table_prefix}{short_name}"
