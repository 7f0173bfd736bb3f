"""The authorization configurations AppSync refuses, refused at start-up here too."""

from __future__ import annotations

from typing import TYPE_CHECKING

from appsync.auth.modes import AuthMode

if TYPE_CHECKING:
    from appsync.config import ApiConfig


def check_auth_config(config: ApiConfig) -> None:
    """Refuse what AppSync would refuse to deploy, and modes configured without their settings.

    Raises:
        ValueError: naming the problem.
    """
    additional = config.additional_modes
    # Developer guide, "Authorization types": API_KEY, AWS_LAMBDA and AWS_IAM appear once at
    # most; Cognito and OIDC may repeat only with different pools/providers, and this emulator
    # configures one of each.
    if config.default_mode in additional or len(set(additional)) != len(additional):
        raise ValueError("an authorization mode is listed more than once")
    modes = config.modes
    required = {
        AuthMode.COGNITO: (config.user_pool, "user_pool"),
        AuthMode.IAM: (config.iam, "iam principals"),
        AuthMode.OIDC: (config.oidc, "oidc"),
        AuthMode.LAMBDA: (config.lambda_authorizer, "lambda_authorizer"),
    }
    for mode, (setting, name) in required.items():
        if mode in modes and setting is None:
            raise ValueError(f"{mode} is enabled but no {name} is configured")
    pool = config.user_pool
    if pool is not None and pool.default_action == "DENY" and AuthMode.COGNITO in modes:
        if config.default_mode is not AuthMode.COGNITO:
            # API reference: an additional provider's CognitoUserPoolConfig has no defaultAction.
            raise ValueError("an additional Cognito user pool has no default action (DENY)")
        if additional:
            # CloudFormation UserPoolConfig: with additional providers DefaultAction must be
            # ALLOW.
            raise ValueError("a default Cognito user pool with additional modes must ALLOW")
