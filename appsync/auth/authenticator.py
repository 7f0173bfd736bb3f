"""Which mode a request uses, decided from the credential it carries (checklist §1.1, §10.2).

The order: an `x-api-key` header (API_KEY); an `Authorization` header that is a SigV4 signature
(AWS_IAM); a JWT whose `iss` is the user pool's (Cognito) or the OIDC provider's (OPENID_CONNECT);
anything else goes to the Lambda authorizer when there is one. AppSync's rules for the Lambda
token follow from that order: with AWS_IAM enabled a SigV4 value is never a Lambda token, and with
Cognito or OIDC enabled their tokens are never Lambda tokens.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from appsync.auth.api_key import ApiKeyAuthenticator
from appsync.auth.cognito import CognitoAuthenticator
from appsync.auth.iam import ALGORITHM, IamAuthenticator, SignedRequest
from appsync.auth.lambda_authorizer import AuthorizationRequest, LambdaAuthorizer
from appsync.auth.modes import AuthMode, Caller, Unauthenticated
from appsync.auth.oidc import OidcAuthenticator
from appsync.auth.tokens import bearer_token, unverified_claims

if TYPE_CHECKING:
    from appsync.config import ApiConfig

# Checklist §1.5: the message AppSync gives a request without any Authorization header.
_NO_HEADER = "Valid authorization header not provided."


class Authenticator:
    """Authenticates requests for one API with every mode it has configured."""

    def __init__(self, config: ApiConfig) -> None:
        modes = config.modes
        self._api_keys = ApiKeyAuthenticator(config.api_keys) if AuthMode.API_KEY in modes else None
        self._iam = IamAuthenticator(config.iam) if config.iam and AuthMode.IAM in modes else None
        pool = config.user_pool
        self._cognito = CognitoAuthenticator(pool) if pool and AuthMode.COGNITO in modes else None
        self._oidc = (
            # AppSync skips the issuer check when OPENID_CONNECT is the API's only mode.
            OidcAuthenticator(config.oidc, check_issuer=modes != {AuthMode.OIDC})
            if config.oidc and AuthMode.OIDC in modes
            else None
        )
        self._lambda = (
            LambdaAuthorizer(config.lambda_authorizer)
            if config.lambda_authorizer and AuthMode.LAMBDA in modes
            else None
        )
        # UNVERIFIED: the 401 message for an API-key API called without any credential; the
        # checklist's §0 row gives AppSync's API_KEY message for every key failure.
        self._missing = (
            Unauthenticated().message if config.default_mode is AuthMode.API_KEY else _NO_HEADER
        )

    async def authenticate(
        self, request: SignedRequest, *, authorization_request: AuthorizationRequest | None = None
    ) -> Caller:
        """The caller the request's credential proves.

        Args:
            request: the HTTP request (the SigV4 signature covers it whole).
            authorization_request: what a Lambda authorizer is told of the operation; by
                default it is read from the request's JSON body.

        Raises:
            Unauthenticated: no mode of the API accepts the credential (HTTP 401).
        """
        headers = request.headers
        api_key = headers.get("x-api-key")
        if api_key is not None and self._api_keys is not None:
            return self._api_keys.authenticate(api_key)
        authorization = headers.get("authorization", "").strip()
        if not authorization:
            raise Unauthenticated(self._missing)
        if authorization.startswith(ALGORITHM) and self._iam is not None:
            return self._iam.authenticate(request)
        token = bearer_token(authorization)
        claims = unverified_claims(token)
        if claims is not None:
            if self._cognito is not None and self._cognito.is_pool_claims(claims):
                return await self._cognito.authenticate(token, source_ip=request.source_ip)
            if self._oidc is not None and (
                not self._oidc.check_issuer or self._oidc.is_provider_token(claims)
            ):
                return await self._oidc.authenticate(token)
        if self._lambda is not None:
            # The Lambda gets the header as sent: its token "should not contain a Bearer scheme".
            return await self._lambda.authenticate(
                authorization, authorization_request or _from_body(request)
            )
        raise Unauthenticated()

    def close(self) -> None:
        """Release what the modes hold (the Lambda authorizer's worker thread)."""
        if self._lambda is not None:
            self._lambda.close()


def _from_body(request: SignedRequest) -> AuthorizationRequest:
    """The operation of a GraphQL POST body, as far as it can be read (the authorizer runs
    before the body is validated; a body that does not parse gives it an empty query)."""
    try:
        payload: Any = json.loads(request.body)
    except (UnicodeDecodeError, ValueError):
        payload = None
    if not isinstance(payload, dict):
        payload = {}
    query, name, variables = (
        payload.get("query"),
        payload.get("operationName"),
        payload.get("variables"),
    )
    return AuthorizationRequest(
        query=query if isinstance(query, str) else "",
        operation_name=name if isinstance(name, str) else None,
        variables=variables if isinstance(variables, dict) else None,
        headers=request.headers,
    )
