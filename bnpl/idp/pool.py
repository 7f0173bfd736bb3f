"""The dev user pool's configuration: the same rules as the Terraform user pool
(infra/modules/user_pool), plus Cognito's own fixed behaviour (code lifetimes, lockout, quotas).

Terraform's pool: email is the username (case-insensitive) and is verified automatically;
passwords have at least `password_minimum_length` (12) characters with upper case, lower case,
digits and symbols; ID and access tokens last `access_token_validity_minutes` (60), the web
client's refresh tokens `refresh_token_validity_days` (30). The web client is public, signs in
with SRP and refreshes, and hides whether a user exists. Locally there is one more client: the
developer console (GraphiQL), which may also sign in with a plain password and, being a
developer's tool, says plainly when a user does not exist.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from bnpl.idp import srp
from bnpl.settings import DEV_SERVICE_CLIENT_SECRET, DevSettings

SRP_FLOW = "ALLOW_USER_SRP_AUTH"
PASSWORD_FLOW = "ALLOW_USER_PASSWORD_AUTH"  # noqa: S105 - a flow name
REFRESH_FLOW = "ALLOW_REFRESH_TOKEN_AUTH"

# InitiateAuth's AuthFlow → the explicit auth flow an app client must allow for it.
AUTH_FLOW_PERMISSIONS = MappingProxyType(
    {
        "USER_SRP_AUTH": SRP_FLOW,
        "USER_PASSWORD_AUTH": PASSWORD_FLOW,
        "REFRESH_TOKEN_AUTH": REFRESH_FLOW,
        "REFRESH_TOKEN": REFRESH_FLOW,
        "CUSTOM_AUTH": "ALLOW_CUSTOM_AUTH",
        "USER_AUTH": "ALLOW_USER_AUTH",
    }
)

# Cognito's special characters for the "symbols" requirement; a space counts too when it is
# neither the first nor the last character.
PASSWORD_SYMBOLS = frozenset("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ")

MINUTE_S = 60
HOUR_S = 3600
DAY_S = 86400

# Cognito's default request-rate quotas (requests per second) by operation category.
DEFAULT_QUOTAS = MappingProxyType(
    {
        "UserAuthentication": 120.0,
        "UserCreation": 50.0,
        "UserAccountRecovery": 30.0,
        "UserRead": 120.0,
        "UserUpdate": 25.0,
    }
)


@dataclass(frozen=True, kw_only=True)
class AppClient:
    """An app client of the pool: who may ask for tokens, with which flows, valid how long."""

    client_id: str
    auth_flows: frozenset[str]
    prevent_user_existence_errors: bool = True
    secret: str | None = field(default=None, repr=False)
    access_token_validity_s: int = HOUR_S
    id_token_validity_s: int = HOUR_S
    refresh_token_validity_s: int = 30 * DAY_S

    def allows(self, auth_flow: str) -> bool:
        """Whether this client may use InitiateAuth's `auth_flow`."""
        permission = AUTH_FLOW_PERMISSIONS.get(auth_flow)
        return permission is not None and permission in self.auth_flows


@dataclass(frozen=True, kw_only=True)
class PasswordPolicy:
    """Terraform's `password_policy`."""

    minimum_length: int = 12
    require_lowercase: bool = True
    require_uppercase: bool = True
    require_numbers: bool = True
    require_symbols: bool = True

    def violation(self, password: str) -> str | None:
        """Cognito's InvalidPasswordException message for `password`, or None if it conforms."""
        prefix = "Password did not conform with policy: "
        if len(password) < self.minimum_length:
            return f"{prefix}Password not long enough"
        if self.require_uppercase and not any(c in string.ascii_uppercase for c in password):
            return f"{prefix}Password must have uppercase characters"
        if self.require_lowercase and not any(c in string.ascii_lowercase for c in password):
            return f"{prefix}Password must have lowercase characters"
        if self.require_numbers and not any(c in string.digits for c in password):
            return f"{prefix}Password must have numeric characters"
        if self.require_symbols and not any(c in PASSWORD_SYMBOLS for c in password.strip()):
            return f"{prefix}Password must have symbol characters"
        return None


@dataclass(frozen=True, kw_only=True)
class UserPool:
    """One user pool and its app clients.

    Attributes:
        pool_id: `<region>_<id>`, as Cognito names pools.
        issuer: the `iss` of its tokens.
        clients: app clients by id.
        sign_up_code_ttl_s: how long a sign-up confirmation code stays valid (Cognito: 24 h).
        reset_code_ttl_s: how long a password-reset code stays valid (Cognito: 1 h).
        attribute_code_ttl_s: how long an attribute verification code stays valid (24 h).
        auth_session_ttl_s: how long an SRP challenge (its SECRET_BLOCK) may be answered
            (Cognito's default authentication session: 3 minutes).
        lockout_after: failed sign-ins before the first lockout (Cognito: 5).
        first_lockout_s: the first lockout; each further failure doubles it (Cognito: 1 s).
        max_lockout_s: the longest lockout (Cognito: about 15 minutes).
        failure_memory_s: quiet time after which failures are forgotten (Cognito: 15 minutes).
        code_attempts: wrong tries one code allows.
        codes_per_hour: codes one user may be sent in an hour.
        quotas: requests per second each operation category allows.
    """

    pool_id: str
    issuer: str
    clients: Mapping[str, AppClient]
    password_policy: PasswordPolicy = PasswordPolicy()
    sign_up_code_ttl_s: int = DAY_S
    reset_code_ttl_s: int = HOUR_S
    attribute_code_ttl_s: int = DAY_S
    auth_session_ttl_s: int = 3 * MINUTE_S
    lockout_after: int = 5
    first_lockout_s: float = 1.0
    max_lockout_s: float = 15 * MINUTE_S
    failure_memory_s: float = 15 * MINUTE_S
    code_attempts: int = 5
    codes_per_hour: int = 5
    quotas: Mapping[str, float] = field(default_factory=lambda: DEFAULT_QUOTAS)

    @property
    def name(self) -> str:
        """The part of the pool id that goes into every SRP hash."""
        return srp.pool_name(self.pool_id)

    def lockout_s(self, failures: int) -> float:
        """How long `failures` consecutive failed sign-ins lock the user out (0: not at all)."""
        if failures < self.lockout_after:
            return 0.0
        return float(
            min(self.first_lockout_s * 2 ** (failures - self.lockout_after), self.max_lockout_s)
        )

    @classmethod
    def from_settings(cls, settings: DevSettings) -> UserPool:
        """The local stack's pool: the web client, the console client and the service client."""
        clients = (
            AppClient(
                client_id=settings.web_client_id, auth_flows=frozenset({SRP_FLOW, REFRESH_FLOW})
            ),
            AppClient(
                client_id=settings.console_client_id,
                auth_flows=frozenset({PASSWORD_FLOW, SRP_FLOW, REFRESH_FLOW}),
                prevent_user_existence_errors=False,
            ),
            # The credit proxy's confidential client: client credentials only, no users.
            AppClient(
                client_id=settings.service_client_id,
                auth_flows=frozenset({REFRESH_FLOW}),
                secret=DEV_SERVICE_CLIENT_SECRET,
            ),
        )
        return cls(
            pool_id=settings.user_pool_id,
            issuer=settings.issuer,
            clients=MappingProxyType({c.client_id: c for c in clients}),
            first_lockout_s=settings.idp_first_lockout_s,
        )
