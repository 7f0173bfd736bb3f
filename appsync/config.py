"""How an API is configured: its authorization modes and request limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from appsync.admission import AdmissionLimits
from appsync.auth.api_key import ApiKey
from appsync.auth.cognito import UserPoolConfig
from appsync.auth.iam import IamConfig
from appsync.auth.lambda_authorizer import LambdaAuthorizerConfig
from appsync.auth.modes import AuthMode
from appsync.auth.oidc import OidcConfig
from appsync.auth.rules import check_auth_config
from appsync.limits import (
    MAX_RESPONSE_BYTES,
    QUERY_DEPTH_LIMIT_OFF,
    REQUEST_TIMEOUT_S,
    RESOLVER_COUNT_LIMIT,
    check_limits,
)


@dataclass(frozen=True, kw_only=True)
class ApiConfig:
    """The parts of `aws_appsync_graphql_api` the emulator honours.

    Attributes:
        name: the API's name (shown in GraphiQL and logs).
        default_mode: `authentication_type`.
        additional_modes: `additional_authentication_provider` types.
        user_pool: `user_pool_config`, required when Cognito is one of the modes.
        iam: the principals that may sign requests, required when AWS_IAM is one of the modes.
        api_keys: the API's keys (`aws_appsync_api_key`), for API_KEY.
        oidc: `openid_connect_config`, required when OPENID_CONNECT is one of the modes.
        lambda_authorizer: `lambda_authorizer_config`, required when AWS_LAMBDA is one of the
            modes.
        max_body_bytes: largest request body accepted.
        query_depth_limit: `query_depth_limit`, 1-75; 0 (AppSync's default) for no limit.
        resolver_count_limit: `resolver_count_limit`, 1-10,000 (AppSync's default 10,000).
        request_timeout_s: execution time of one request (AppSync: 30 s, not configurable).
        max_response_bytes: evaluated response size of one resolver (AppSync: 5 MB).
        introspection_config: `introspection_config`; DISABLED refuses `__schema` and `__type`.
        admission: how many resolvers call data sources at once, per request and in all
            (the emulator's own bound, see `appsync.admission`; not an AppSync setting).
    """

    name: str = "local"
    default_mode: AuthMode = AuthMode.COGNITO
    additional_modes: tuple[AuthMode, ...] = ()
    user_pool: UserPoolConfig | None = None
    iam: IamConfig | None = None
    api_keys: tuple[ApiKey, ...] = ()
    oidc: OidcConfig | None = None
    lambda_authorizer: LambdaAuthorizerConfig | None = None
    # AppSync publishes no request-size quota; 1 MiB is far above any real operation and keeps a
    # runaway client from filling the emulator's memory.
    max_body_bytes: int = 1 << 20
    # Execution limits (appsync.md §8), AppSync's defaults; see appsync/limits.py.
    query_depth_limit: int = QUERY_DEPTH_LIMIT_OFF
    resolver_count_limit: int = RESOLVER_COUNT_LIMIT
    request_timeout_s: float = REQUEST_TIMEOUT_S
    max_response_bytes: int = MAX_RESPONSE_BYTES
    # `introspection_config` (appsync.md §8): ENABLED, AppSync's default, or DISABLED.
    introspection_config: Literal["ENABLED", "DISABLED"] = "ENABLED"
    admission: AdmissionLimits = field(default_factory=AdmissionLimits)

    @property
    def modes(self) -> frozenset[AuthMode]:
        """Every mode the API accepts."""
        return frozenset((self.default_mode, *self.additional_modes))

    def __post_init__(self) -> None:
        check_auth_config(self)
        check_limits(
            query_depth_limit=self.query_depth_limit,
            resolver_count_limit=self.resolver_count_limit,
        )
