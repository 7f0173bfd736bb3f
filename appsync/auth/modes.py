"""Authorization modes and the caller a request was authenticated as."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from appsync.auth.iam_policy import IamPolicy


class AuthMode(StrEnum):
    """AppSync's authorization types, spelled as its API spells them."""

    COGNITO = "AMAZON_COGNITO_USER_POOLS"
    IAM = "AWS_IAM"
    API_KEY = "API_KEY"
    OIDC = "OPENID_CONNECT"
    LAMBDA = "AWS_LAMBDA"


@dataclass(frozen=True, kw_only=True)
class Caller:
    """Who made the request, and how: what resolvers see as `ctx.identity`.

    Attributes:
        mode: the mode that authenticated the request.
        identity: `ctx.identity` exactly as AppSync builds it for that mode (None for API keys).
        groups: Cognito groups of the caller (empty for other modes).
        denied: `(type, field)` pairs a Lambda authorizer listed in `deniedFields`.
        iam_policy: an AWS_IAM caller's identity policies, checked for each root field.
    """

    mode: AuthMode
    identity: dict[str, Any] | None
    # Immutable defaults rather than factories: a Caller is built for every request.
    groups: frozenset[str] = frozenset()
    denied: frozenset[tuple[str, str]] = frozenset()
    iam_policy: IamPolicy | None = None


class Unauthenticated(Exception):  # noqa: N818 - named after the condition, like AppSync's 401
    """The request carries no valid credentials: AppSync answers HTTP 401."""

    def __init__(self, message: str = "You are not authorized to make this call.") -> None:
        super().__init__(message)
        self.message = message
