"""Settings of the local stack that `bnpl dev` runs: ports, data folder, dev credentials.

Everything here is for a laptop or CI; nothing in AWS reads it. Each value can be overridden by the
environment variable named in its comment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from services.shared.settings import (
    DEFAULT_CONSOLE_CLIENT_ID,
    DEFAULT_REGION,
    DEFAULT_SERVICE_CLIENT_ID,
    DEFAULT_USER_POOL_ID,
    DEFAULT_WEB_CLIENT_ID,
    cognito_issuer,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The sandbox merchant's dev IAM credentials. They only ever sign requests to the local emulator,
# which verifies them by recomputing the signature; they are not AWS credentials.
SANDBOX_MERCHANT_ACCESS_KEY_ID = "AKIDBNPLSANDBOXMRCH1"
SANDBOX_MERCHANT_SECRET_ACCESS_KEY = "bnpl-sandbox-merchant-secret-not-for-aws-0000"  # noqa: S105
SANDBOX_ACCOUNT_ID = "000000000000"
SANDBOX_MERCHANT_USER = "bnpl-sandbox-merchant"
SANDBOX_MERCHANT_ARN = f"arn:aws:iam::{SANDBOX_ACCOUNT_ID}:user/{SANDBOX_MERCHANT_USER}"
SANDBOX_MERCHANT_ID = "m_sandbox"
# A second sandbox merchant with keys of its own: what one merchant may not do to another's
# checkouts and webhooks can be tried locally.
RIVAL_MERCHANT_ACCESS_KEY_ID = "AKIDBNPLSANDBOXMRCH2"
RIVAL_MERCHANT_SECRET_ACCESS_KEY = "bnpl-rival-merchant-secret-not-for-aws-00000"  # noqa: S105
RIVAL_MERCHANT_USER = "bnpl-rival-merchant"
RIVAL_MERCHANT_ARN = f"arn:aws:iam::{SANDBOX_ACCOUNT_ID}:user/{RIVAL_MERCHANT_USER}"
RIVAL_MERCHANT_ID = "m_rival"

# The credit service's dev IAM credentials: its default credential chain finds them in the
# environment (as an ECS task finds its role's), and it signs `publishCheckoutUpdate` with them.
# Only the local emulator knows them; DynamoDB Local accepts any credentials. They stand for a
# session of a role named like the deployed publisher roles (`<name>-checkout-publisher`), which
# the publishCheckoutUpdate resolver checks for.
CREDIT_SERVICE_ACCESS_KEY_ID = "AKIDBNPLCREDITSVC001"
CREDIT_SERVICE_SECRET_ACCESS_KEY = "bnpl-credit-service-secret-not-for-aws-00"  # noqa: S105
CREDIT_SERVICE_ROLE = "bnpl-local-checkout-publisher"
CREDIT_SERVICE_USER = "AROABNPLLOCALPUBLISHER:credit-service"
CREDIT_SERVICE_ARN = (
    f"arn:aws:sts::{SANDBOX_ACCOUNT_ID}:assumed-role/{CREDIT_SERVICE_ROLE}/credit-service"
)
# While this file exists in the data folder, the sandbox credit bureau answers as if it were down.
BUREAU_OUTAGE_FILE = "sandbox-bureau-outage"

# Client secret of the credit proxy's machine-to-machine app client on the dev identity provider.
DEV_SERVICE_CLIENT_SECRET = "bnpl-local-credit-proxy-secret"  # noqa: S105


@dataclass(frozen=True, kw_only=True)
class DevSettings:
    """Where the local stack listens and keeps its data.

    Attributes:
        host: interface every process binds (`BNPL_HOST`).
        appsync_port: the emulator, GraphiQL at `/graphql` (`BNPL_APPSYNC_PORT`).
        user_port: the user service (`BNPL_USER_PORT`).
        credit_port: the credit service (`BNPL_CREDIT_PORT`).
        idp_port: the dev identity provider (`BNPL_IDP_PORT`).
        dynamodb_port: DynamoDB Local (`BNPL_DYNAMODB_PORT`).
        scoring_port: the scoring server, SageMaker's API for the credit model
            (`BNPL_SCORING_PORT`).
        data_dir: project-local folder for DynamoDB Local's files and the dev signing key
            (`BNPL_DATA_DIR`); git ignores it.
        region: AWS region the stack pretends to be in (`AWS_REGION`).
        user_pool_id: the dev user pool's id, part of the token issuer (`BNPL_USER_POOL_ID`).
        web_client_id: app client of the checkout frontend (`BNPL_WEB_CLIENT_ID`).
        service_client_id: machine-to-machine app client of the credit proxy
            (`BNPL_SERVICE_CLIENT_ID`).
        appsync_tls_port: the emulator over HTTPS/WSS (`BNPL_APPSYNC_TLS_PORT`).
        idp_tls_port: the dev identity provider over HTTPS (`BNPL_IDP_TLS_PORT`).
        console_client_id: app client of the developer console, GraphiQL
            (`BNPL_CONSOLE_CLIENT_ID`); local only.
        web_port: the hosted checkout page, `web/dist` and its `/config.json`
            (`BNPL_WEB_PORT`).
        web_tls_port: the same over HTTPS, the page's origin (`BNPL_WEB_TLS_PORT`).
        shop_port: the demo merchant shop (`BNPL_SHOP_PORT`).
        shop_tls_port: the same over HTTPS, the origin of its return URLs
            (`BNPL_SHOP_TLS_PORT`).
        idp_first_lockout_s: how long the dev identity provider locks a user out after five
            failed sign-ins in a row, doubling with each further failure
            (`BNPL_IDP_FIRST_LOCKOUT_S`; Cognito's 1 second by default).
        credit_workers: processes serving the credit service's port, as ECS runs several
            tasks behind one load balancer (`BNPL_CREDIT_WORKERS`, 2 by default): one Python
            process decides on one core at most.
        challenger_dir: the model the scoring server holds as its Challenger variant, scored in
            shadow by the credit service (`BNPL_SCORING_CHALLENGER_DIR`, models/credit-v2 by
            default; empty for none).
    """

    host: str
    appsync_port: int
    user_port: int
    credit_port: int
    idp_port: int
    dynamodb_port: int
    data_dir: Path
    region: str
    user_pool_id: str
    web_client_id: str
    service_client_id: str
    scoring_port: int = 4004
    # Local TLS: the same emulator and identity provider, also over HTTPS/WSS (bnpl.tls).
    appsync_tls_port: int = 4443
    idp_tls_port: int = 4433
    console_client_id: str = DEFAULT_CONSOLE_CLIENT_ID
    idp_first_lockout_s: float = 1.0
    web_port: int = 4005
    web_tls_port: int = 4445
    shop_port: int = 4006
    shop_tls_port: int = 4446
    credit_workers: int = 2
    challenger_dir: str = str(PROJECT_ROOT / "models" / "credit-v2")

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> DevSettings:
        """Read the settings from `environ` (the process environment by default)."""
        env = os.environ if environ is None else environ
        return cls(
            host=env.get("BNPL_HOST", "127.0.0.1"),
            appsync_port=int(env.get("BNPL_APPSYNC_PORT", "4000")),
            user_port=int(env.get("BNPL_USER_PORT", "4001")),
            credit_port=int(env.get("BNPL_CREDIT_PORT", "4002")),
            idp_port=int(env.get("BNPL_IDP_PORT", "4003")),
            dynamodb_port=int(env.get("BNPL_DYNAMODB_PORT", "8000")),
            data_dir=Path(env.get("BNPL_DATA_DIR", str(PROJECT_ROOT / ".bnpl"))),
            region=env.get("AWS_REGION", DEFAULT_REGION),
            user_pool_id=env.get("BNPL_USER_POOL_ID", DEFAULT_USER_POOL_ID),
            web_client_id=env.get("BNPL_WEB_CLIENT_ID", DEFAULT_WEB_CLIENT_ID),
            service_client_id=env.get("BNPL_SERVICE_CLIENT_ID", DEFAULT_SERVICE_CLIENT_ID),
            scoring_port=int(env.get("BNPL_SCORING_PORT", "4004")),
            appsync_tls_port=int(env.get("BNPL_APPSYNC_TLS_PORT", "4443")),
            idp_tls_port=int(env.get("BNPL_IDP_TLS_PORT", "4433")),
            console_client_id=env.get("BNPL_CONSOLE_CLIENT_ID", DEFAULT_CONSOLE_CLIENT_ID),
            idp_first_lockout_s=float(env.get("BNPL_IDP_FIRST_LOCKOUT_S", "1")),
            credit_workers=int(env.get("BNPL_CREDIT_WORKERS", "2")),
            challenger_dir=env.get(
                "BNPL_SCORING_CHALLENGER_DIR", str(PROJECT_ROOT / "models" / "credit-v2")
            ),
            web_port=int(env.get("BNPL_WEB_PORT", "4005")),
            web_tls_port=int(env.get("BNPL_WEB_TLS_PORT", "4445")),
            shop_port=int(env.get("BNPL_SHOP_PORT", "4006")),
            shop_tls_port=int(env.get("BNPL_SHOP_TLS_PORT", "4446")),
        )

    @property
    def issuer(self) -> str:
        """The `iss` of every dev token: Cognito's shape, so the same verifier runs in AWS."""
        return cognito_issuer(self.region, self.user_pool_id)

    def url(self, port: int) -> str:
        """Base URL of a local process."""
        return f"http://{self.host}:{port}"

    # ---------------------------------------------------------------- local TLS

    def https_url(self, port: int) -> str:
        """Base URL of a local HTTPS listener (its certificate chains to the CA in `tls_dir`)."""
        return f"https://{self.host}:{port}"

    @property
    def tls_dir(self) -> Path:
        """The local CA and the HTTPS listeners' certificate (see bnpl.tls)."""
        return self.data_dir / "tls"

    @property
    def log_dir(self) -> Path:
        """Each process's log lines as written (`<process>.log`), for `bnpl trace` and
        `bnpl metrics`."""
        return self.data_dir / "logs"

    @property
    def graphql_url(self) -> str:
        """The emulator's GraphQL endpoint (GraphiQL on GET)."""
        return f"{self.url(self.appsync_port)}/graphql"

    @property
    def jwks_url(self) -> str:
        """Where the dev identity provider publishes its signing keys."""
        return f"{self.url(self.idp_port)}/{self.user_pool_id}/.well-known/jwks.json"

    @property
    def checkout_page_url(self) -> str:
        """The hosted checkout page's origin (the web process over HTTPS)."""
        return self.https_url(self.web_tls_port)

    @property
    def shop_url(self) -> str:
        """The demo shop's HTTPS origin: its return URLs start here."""
        return self.https_url(self.shop_tls_port)

    @property
    def bureau_outage_path(self) -> Path:
        """Create this file to take the sandbox credit bureau down; delete it to bring it back."""
        return self.data_dir / BUREAU_OUTAGE_FILE

    @property
    def signing_key_path(self) -> Path:
        """The dev identity provider's RSA private key (PEM), created on first use."""
        return self.data_dir / "dev-idp-key.pem"

    def service_environ(self) -> dict[str, str]:
        """Environment that points every service at this local stack (see services.shared)."""
        return {
            "AWS_REGION": self.region,
            "BNPL_HOST": self.host,
            "BNPL_DYNAMODB_ENDPOINT": self.url(self.dynamodb_port),
            "BNPL_COGNITO_ISSUER": self.issuer,
            "BNPL_COGNITO_JWKS_URL": self.jwks_url,
            "BNPL_COGNITO_CLIENT_IDS": f"{self.web_client_id},{self.console_client_id}",
            "BNPL_SERVICE_CLIENT_ID": self.service_client_id,
            "BNPL_SERVICE_CLIENT_SECRET": DEV_SERVICE_CLIENT_SECRET,
            "BNPL_TOKEN_ENDPOINT": f"{self.url(self.idp_port)}/oauth2/token",
            "BNPL_USER_SERVICE_URL": self.url(self.user_port),
            "BNPL_CREDIT_SERVICE_URL": self.url(self.credit_port),
            "BNPL_SCORING_ENDPOINT_URL": self.url(self.scoring_port),
            # The local stack tries a challenger (credit-v2) in shadow beside credit-v1.
            "BNPL_SCORING_CHALLENGER_DIR": self.challenger_dir,
            "BNPL_SCORING_CHALLENGER_VARIANT": "Challenger" if self.challenger_dir else "",
            "BNPL_APPSYNC_URL": self.graphql_url,
            "BNPL_SANDBOX_BUREAU_OUTAGE_FILE": str(self.bureau_outage_path),
            "BNPL_CHECKOUT_PAGE_URL": self.checkout_page_url,
            # Merchants trying the API from a laptop may return shoppers to http://localhost.
            "BNPL_ALLOW_LOCAL_HTTP_REDIRECTS": "true",
            # Developers' webhook receivers (`bnpl webhooks listen`) run on this machine.
            "BNPL_WEBHOOKS_ALLOW_LOCAL": "true",
            # The credit service's dev principal (see above); DynamoDB Local accepts any keys.
            "AWS_ACCESS_KEY_ID": CREDIT_SERVICE_ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": CREDIT_SERVICE_SECRET_ACCESS_KEY,
        }
