"""Authorization configurations AppSync refuses are refused at start-up (appsync.md §1.1)."""

from __future__ import annotations

from typing import Any

import pytest

from appsync.auth.api_key import ApiKey
from appsync.auth.iam import IamConfig
from appsync.auth.lambda_authorizer import LambdaAuthorizerConfig
from appsync.auth.modes import AuthMode
from appsync.auth.oidc import OidcConfig
from appsync.config import ApiConfig

IAM = IamConfig(region="us-east-1", principals=())


def authorizer(event: Any, context: Any) -> Any:
    return {"isAuthorized": True}


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        pytest.param(
            {"default_mode": AuthMode.IAM, "additional_modes": (AuthMode.IAM,), "iam": IAM},
            "more than once",
            id="default-repeated-as-additional",
        ),
        pytest.param(
            {
                "default_mode": AuthMode.IAM,
                "additional_modes": (AuthMode.API_KEY, AuthMode.API_KEY),
                "iam": IAM,
            },
            "more than once",
            id="additional-repeated",
        ),
        pytest.param({"default_mode": AuthMode.OIDC}, "no oidc", id="oidc-without-config"),
        pytest.param(
            {"default_mode": AuthMode.LAMBDA}, "no lambda_authorizer", id="lambda-without-config"
        ),
        pytest.param({"default_mode": AuthMode.IAM}, "no iam", id="iam-without-principals"),
        pytest.param({"default_mode": AuthMode.COGNITO}, "no user_pool", id="cognito-no-pool"),
    ],
)
def test_refused_configurations(settings: dict[str, Any], message: str) -> None:
    """§1.1: API_KEY, AWS_LAMBDA and AWS_IAM cannot repeat; each mode needs its settings."""
    with pytest.raises(ValueError, match=message):
        ApiConfig(**settings)


def test_every_mode_can_be_configured_together() -> None:
    config = ApiConfig(
        default_mode=AuthMode.API_KEY,
        additional_modes=(AuthMode.IAM, AuthMode.OIDC, AuthMode.LAMBDA),
        api_keys=(ApiKey(id="da2-x", expires=0),),
        iam=IAM,
        oidc=OidcConfig(issuer="https://idp.example"),
        lambda_authorizer=LambdaAuthorizerConfig(handler=authorizer),
    )
    assert config.modes == {AuthMode.API_KEY, AuthMode.IAM, AuthMode.OIDC, AuthMode.LAMBDA}
