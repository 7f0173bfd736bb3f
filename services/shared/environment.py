"""Every environment variable the services read, as data: which deployed component reads it and
which need Terraform to set it. `services.shared.settings` reads them; a unit test holds the two
equal, and tests/infra holds Terraform's Lambda functions and ECS task definitions to this list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# The deployed components that read settings: each runs this package's code in AWS. `webhooks`
# is the credit service's webhook sender Lambda (services.credit.webhooks.lambda_handler).
Component = Literal["user", "credit", "credit_proxy", "scoring", "webhooks"]
COMPONENTS: tuple[Component, ...] = ("user", "credit", "credit_proxy", "scoring", "webhooks")


@dataclass(frozen=True, kw_only=True)
class EnvVar:
    """One environment variable the services read, as data, so Terraform can be checked against it.

    Attributes:
        name: the variable.
        description: what it configures.
        read_by: the deployed components whose code uses it; empty for the local stack's own
            variables (ports, the emulator's limits), which nothing in AWS reads.
        required_by: the deployed components that need Terraform to set it, because its local
            default points at the local stack (127.0.0.1, the dev outboxes) or is only right for
            `bnpl dev`.
        reader: the code that reads it: `Settings.from_environ` for all but a few
            (`WebhookSettings.from_environ`, services/credit/webhooks/settings.py, for the
            webhook settings).
    """

    name: str
    description: str
    read_by: frozenset[Component] = frozenset()
    required_by: frozenset[Component] = frozenset()
    reader: str = "Settings.from_environ"


def _components(*names: Component) -> frozenset[Component]:
    return frozenset(names)


_TOKEN_VERIFIERS = _components("user", "credit")
_TABLE_USERS = _components("user", "credit", "webhooks")
# Who keeps merchants' webhook signing secrets: the credit service writes them, the sender reads.
_WEBHOOK_SECRET_USERS = _components("credit", "webhooks")
_WEBHOOK_SETTINGS = "WebhookSettings.from_environ"

# Every environment variable the services read, and who reads it. A unit test holds this equal to
# what `Settings.from_environ` reads; tests/infra holds Terraform's Lambda functions and ECS task
# definitions to it (each sets only variables its component reads, and every one it requires).
ENVIRONMENT: tuple[EnvVar, ...] = (
    EnvVar(
        name="AWS_REGION",
        description="Region of the tables, the user pool and AWS clients (Lambda and ECS set it).",
        read_by=_components("user", "credit", "webhooks"),
    ),
    EnvVar(name="BNPL_HOST", description="Interface of the local stack (local defaults only)."),
    EnvVar(
        name="BNPL_DYNAMODB_ENDPOINT",
        description="DynamoDB endpoint; empty for the region's AWS endpoint.",
        read_by=_TABLE_USERS,
        required_by=_TABLE_USERS,
    ),
    EnvVar(name="BNPL_DYNAMODB_PORT", description="DynamoDB Local's port (local defaults only)."),
    EnvVar(
        name="BNPL_TABLE_PREFIX",
        description="Prefix of every table name (Terraform's name_prefix).",
        read_by=_TABLE_USERS,
        required_by=_TABLE_USERS,
    ),
    EnvVar(
        name="BNPL_COGNITO_ISSUER",
        description="The `iss` every token must carry: the user pool's issuer URL.",
        read_by=_TOKEN_VERIFIERS,
        required_by=_TOKEN_VERIFIERS,
    ),
    EnvVar(
        name="BNPL_COGNITO_JWKS_URL",
        description="Where the user pool publishes its signing keys.",
        read_by=_TOKEN_VERIFIERS,
        required_by=_TOKEN_VERIFIERS,
    ),
    EnvVar(
        name="BNPL_COGNITO_CLIENT_IDS",
        description="App clients whose tokens customers use, comma-separated.",
        read_by=_TOKEN_VERIFIERS,
        required_by=_TOKEN_VERIFIERS,
    ),
    EnvVar(
        name="BNPL_SERVICE_CLIENT_ID",
        description="The credit proxy's machine-to-machine app client.",
        read_by=_components("user", "credit", "credit_proxy"),
        required_by=_components("user", "credit", "credit_proxy"),
    ),
    EnvVar(
        name="BNPL_TOKEN_ENDPOINT",
        description="OAuth2 token endpoint of the client-credentials grant.",
        read_by=_components("credit_proxy"),
        required_by=_components("credit_proxy"),
    ),
    EnvVar(name="BNPL_IDP_PORT", description="The dev identity provider's port (local only)."),
    EnvVar(
        name="BNPL_USER_SERVICE_URL",
        description="Base URL of the user service.",
        read_by=_components("credit"),
        required_by=_components("credit"),
    ),
    EnvVar(
        name="BNPL_PAYMENTS",
        description="The card network: sandbox (test tokens) or none (no payments).",
        read_by=_components("credit"),
        required_by=_components("credit"),
    ),
    EnvVar(
        name="BNPL_USER_SERVICE_AUTH",
        description="token locally; iam where the user service sits behind API Gateway IAM auth.",
        read_by=_components("credit"),
        required_by=_components("credit"),
    ),
    EnvVar(name="BNPL_USER_PORT", description="The user service's port (local defaults only)."),
    EnvVar(
        name="BNPL_CREDIT_SERVICE_URL",
        description="Base URL of the credit service (through PrivateLink in AWS).",
        read_by=_components("credit_proxy"),
        required_by=_components("credit_proxy"),
    ),
    EnvVar(name="BNPL_CREDIT_PORT", description="The credit service's port (local defaults only)."),
    EnvVar(
        name="BNPL_HTTP_TIMEOUT_S",
        description="Timeout of every call between services, in seconds.",
        read_by=_components("user", "credit", "credit_proxy"),
    ),
    EnvVar(
        name="BNPL_SERVICE_CLIENT_SECRET",
        description="The machine-to-machine app client's secret.",
        read_by=_components("credit_proxy"),
        required_by=_components("credit_proxy"),
    ),
    EnvVar(
        name="BNPL_INTROSPECTION_CONFIG",
        description="The local API's introspection switch (in AWS, the API's own setting).",
    ),
    EnvVar(
        name="BNPL_QUERY_DEPTH_LIMIT",
        description="The local API's query depth limit (in AWS, the API's own setting).",
    ),
    EnvVar(
        name="BNPL_RESOLVER_COUNT_LIMIT",
        description="The local API's resolver count limit (in AWS, the API's own setting).",
    ),
    EnvVar(
        name="BNPL_MESSAGING",
        description="How verification codes are sent: outbox (local) or aws.",
        read_by=_components("user"),
        required_by=_components("user"),
    ),
    EnvVar(
        name="BNPL_SMS_ORIGINATION_IDENTITY",
        description="Phone number, sender id or pool SMS codes come from (aws messaging).",
        read_by=_components("user"),
    ),
    EnvVar(
        name="BNPL_SMS_CONFIGURATION_SET",
        description="End User Messaging configuration set for delivery events, optional.",
        read_by=_components("user"),
    ),
    EnvVar(
        name="BNPL_EMAIL_FROM_ADDRESS",
        description="SES-verified address emailed codes come from (aws messaging).",
        read_by=_components("user"),
    ),
    EnvVar(
        name="BNPL_SCORING_ENDPOINT_URL",
        description="SageMaker Runtime's URL; empty for the region's AWS endpoint.",
        read_by=_components("credit"),
        required_by=_components("credit"),
    ),
    EnvVar(
        name="BNPL_SCORING_PORT", description="The scoring server's port (local defaults only)."
    ),
    EnvVar(
        name="BNPL_SCORING_ENDPOINT_NAME",
        description="The SageMaker endpoint serving the credit model.",
        read_by=_components("credit", "scoring"),
        required_by=_components("credit"),
    ),
    EnvVar(
        name="BNPL_APPSYNC_URL",
        description="The GraphQL API checkout updates are published to; empty for none.",
        read_by=_components("credit"),
        required_by=_components("credit"),
    ),
    EnvVar(name="BNPL_APPSYNC_PORT", description="The emulator's port (local defaults only)."),
    EnvVar(
        name="BNPL_EVENTS",
        description="Where credit events go: outbox (local) or eventbridge.",
        read_by=_components("credit"),
        required_by=_components("credit"),
    ),
    EnvVar(
        name="BNPL_EVENT_BUS_NAME",
        description="The EventBridge bus of credit events.",
        read_by=_components("credit"),
    ),
    EnvVar(
        name="BNPL_WORKFLOW_ENGINE",
        description="Where the pre-screening workflow runs: in_process (the default) or "
        "step_functions (the state machine BNPL_STATE_MACHINE_ARN names).",
        read_by=_components("credit"),
    ),
    EnvVar(
        name="BNPL_STATE_MACHINE_ARN",
        description="The pre-screening state machine the credit service starts when "
        "BNPL_WORKFLOW_ENGINE is step_functions.",
        read_by=_components("credit"),
    ),
    EnvVar(
        name="BNPL_SANDBOX_BUREAU_OUTAGE_FILE",
        description="Local stack only: while this file exists the sandbox bureau is down.",
    ),
    EnvVar(
        name="BNPL_CHECKOUT_PAGE_URL",
        description="The hosted checkout page's origin: a checkout's redirectUrl is "
        "<origin>/checkout/<id> (CloudFront in AWS).",
        read_by=_components("credit"),
        required_by=_components("credit"),
    ),
    EnvVar(
        name="BNPL_WEB_TLS_PORT",
        description="The checkout page's HTTPS port (local defaults only).",
    ),
    EnvVar(
        name="BNPL_ALLOW_LOCAL_HTTP_REDIRECTS",
        description="true lets return URLs be plain HTTP to localhost (the local stack only); "
        "off unless set.",
        read_by=_components("credit"),
    ),
    EnvVar(
        name="BNPL_SCORING_MODEL_DIR",
        description="Folder holding the credit model's model.json (default models/credit-v1).",
        read_by=_components("scoring"),
        reader="services.scoring.app.create_app",
    ),
    EnvVar(
        name="BNPL_SCORING_CHALLENGER_DIR",
        description="Folder holding a challenger model's model.json, served as the production "
        "variant Challenger; unset for none.",
        read_by=_components("scoring"),
        reader="services.scoring.app.create_app",
    ),
    EnvVar(
        name="BNPL_SCORING_CHALLENGER_VARIANT",
        description="The scoring endpoint's variant holding a challenger model, scored in shadow "
        "beside the champion and recorded, never deciding; unset for no shadow scoring.",
        read_by=_components("credit"),
    ),
    EnvVar(
        name="BNPL_BANK_WEBHOOK_SECRET",
        description="The bank's notification signing secret (whsec_...) itself: the local stack's "
        "way; in AWS the secret stays in Secrets Manager (BNPL_BANK_WEBHOOK_SECRET_ARN).",
        read_by=_components("user"),
    ),
    EnvVar(
        name="BNPL_BANK_WEBHOOK_SECRET_ARN",
        description="The Secrets Manager secret holding the bank's notification signing secret "
        "(whsec_...), read at run time; unset locally.",
        read_by=_components("user"),
        required_by=_components("user"),
    ),
    EnvVar(
        name="BNPL_WEBHOOK_SECRETS",
        description="Where merchants' webhook signing secrets are kept: dynamodb (the local "
        "stack's table) or secretsmanager.",
        read_by=_WEBHOOK_SECRET_USERS,
        required_by=_WEBHOOK_SECRET_USERS,
        reader=_WEBHOOK_SETTINGS,
    ),
    EnvVar(
        name="BNPL_WEBHOOK_SECRET_PREFIX",
        description="Prefix of the signing secrets' names in Secrets Manager (<prefix><endpoint>).",
        read_by=_WEBHOOK_SECRET_USERS,
        required_by=_WEBHOOK_SECRET_USERS,
        reader=_WEBHOOK_SETTINGS,
    ),
    EnvVar(
        name="BNPL_WEBHOOK_SECRETS_KMS_KEY_ID",
        description="The KMS key Secrets Manager encrypts the signing secrets with.",
        read_by=_WEBHOOK_SECRET_USERS,
        required_by=_WEBHOOK_SECRET_USERS,
        reader=_WEBHOOK_SETTINGS,
    ),
    EnvVar(
        name="BNPL_WEBHOOKS_ALLOW_LOCAL",
        description="true lets webhook endpoints be plain HTTP on loopback addresses (the local "
        "stack only); off unless set, never set in AWS.",
        read_by=_WEBHOOK_SECRET_USERS,
        reader=_WEBHOOK_SETTINGS,
    ),
    EnvVar(
        name="BNPL_WEBHOOK_DEAD_LETTER_QUEUE_URL",
        description="The SQS queue the sender also reports each dead-lettered delivery to.",
        read_by=_components("webhooks"),
        required_by=_components("webhooks"),
        reader=_WEBHOOK_SETTINGS,
    ),
    EnvVar(
        name="BNPL_WEBHOOK_POLL_INTERVAL_S",
        description="How often the local sender polls for new events and due deliveries "
        "(local only; in AWS the stream and the schedule invoke the sender).",
        reader=_WEBHOOK_SETTINGS,
    ),
)
