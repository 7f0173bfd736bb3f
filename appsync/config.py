"""How an API is configured: its authorization modes and request limits."""

from __future__ import annotations

from dataclasses import dataclass

from appsync.auth.cognito import UserPoolConfig
from appsync.auth.iam import IamConfig
from appsync.auth.modes import AuthMode


@dataclass(frozen=True, kw_only=True)
class ApiConfig:
    """The parts of `aws_appsync_graphql_api` the emulator honours.

    Attributes:
        name: the API's name (shown in GraphiQL and logs).
        default_mode: `authentication_type`.
        additional_modes: `additional_authentication_provider` types.
        user_pool: `user_pool_config`, required when Cognito is one of the modes.
        iam: the principals that may sign requests, required when AWS_IAM is one of the modes.
        max_body_bytes: largest request body accepted.
    """

    name: str = "local"
    default_mode: AuthMode = AuthMode.COGNITO
    additional_modes: tuple[AuthMode, ...] = ()
    user_pool: UserPoolConfig | None = None
    iam: IamConfig | None = None
    # AppSync publishes no request-size quota; 1 MiB is far above any real operation and keeps a
    # runaway client from filling the emulator's memory.
    max_body_bytes: int = 1 << 20

    @property
    def modes(self) -> frozenset[AuthMode]:
        """Every mode the API accepts."""
        return frozenset((self.default_mode, *self.additional_modes))

    def __post_init__(self) -> None:
        if AuthMode.COGNITO in self.modes and self.user_pool is None:
            raise ValueError("Cognito user pools is enabled but no user_pool is configured")
        if AuthMode.IAM in self.modes and self.iam is None:
            raise ValueError("AWS_IAM is enabled but no iam principals are configured")
        unsupported = self.modes - {AuthMode.COGNITO, AuthMode.IAM}
        if unsupported:
            names = ", ".join(sorted(unsupported))
            raise ValueError(f"authorization modes not yet emulated: {names}")
