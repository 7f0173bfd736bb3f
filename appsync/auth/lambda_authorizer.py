"""AWS_LAMBDA: a Lambda authorizer decides, as AppSync calls it.

The event and the response are those of the developer guide ("AWS_LAMBDA authorization";
checklist §1.1): the authorizer gets `authorizationToken`, `requestContext` and `requestHeaders`,
and answers `isAuthorized`, optionally `resolverContext` (→ `ctx.identity.resolverContext`),
`deniedFields` (forced to null) and `ttlOverride` (seconds to cache the answer for this token).
An exception, a timeout, `{}` or `isAuthorized: false` is a 401.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from appsync.auth.modes import AuthMode, Caller, Unauthenticated
from appsync.datasources.lambda_function import Handler, LambdaDataSource, LambdaInvocationError

logger = logging.getLogger("appsync")

# AppSync caches only responses below this size (developer guide, "AWS_LAMBDA authorization").
_CACHEABLE_BYTES = 1_048_576
_CACHE_SIZE = 4096


@dataclass(frozen=True, kw_only=True)
class LambdaAuthorizerConfig:
    """AppSync's `lambdaAuthorizerConfig`, with the function run in this process.

    Attributes:
        handler: the authorizer's `(event, context)` handler (`authorizerUri` in AWS).
        function_name: its name, for the Lambda context.
        result_ttl_seconds: `authorizerResultTtlInSeconds`; AppSync's default 0 caches nothing.
        identity_validation_expression: `identityValidationExpression`, a regular expression a
            token must match before the function is called.
        timeout_seconds: AppSync's fixed authorizer timeout.
        api_id: the API's id, for `requestContext.apiId` and `deniedFields` ARNs.
        account_id: the API's account, likewise.
        region: the API's region, likewise.
    """

    handler: Handler
    function_name: str = "appsync-authorizer"
    result_ttl_seconds: int = 0
    identity_validation_expression: str | None = None
    timeout_seconds: float = 10.0
    api_id: str = "local"
    account_id: str = "000000000000"
    region: str = "us-east-1"


@dataclass(frozen=True, kw_only=True)
class AuthorizationRequest:
    """What the authorizer is told about the request besides the token."""

    query: str
    operation_name: str | None
    variables: Mapping[str, Any] | None
    headers: Mapping[str, str]


class LambdaAuthorizer:
    """Calls the authorizer function (on its own worker thread, like a Lambda data source) and
    caches its answers per token for `ttlOverride` or the configured TTL."""

    def __init__(self, config: LambdaAuthorizerConfig) -> None:
        self.config = config
        self._function = LambdaDataSource(
            "authorizer",
            handler=config.handler,
            function_name=config.function_name,
            region=config.region,
            account_id=config.account_id,
        )
        expression = config.identity_validation_expression
        self._token_re = re.compile(expression) if expression else None
        self._field_arn = re.compile(
            re.escape(f"arn:aws:appsync:{config.region}:{config.account_id}:apis/{config.api_id}")
            + r"/types/(?P<type>[^/]+)/fields/(?P<field>[^/]+)"
        )
        self._cache: OrderedDict[str, tuple[float, Caller]] = OrderedDict()

    async def authenticate(self, token: str, request: AuthorizationRequest) -> Caller:
        """Ask the authorizer about `token` (or reuse its cached answer).

        Raises:
            Unauthenticated: the token fails the validation expression or the authorizer denies.
        """
        if self._token_re is not None and not self._token_re.fullmatch(token):
            raise Unauthenticated()
        cached = self._cache.get(token)
        if cached is not None:
            if cached[0] > time.monotonic():
                return cached[1]
            del self._cache[token]
        response = await self._invoke(token, request)
        caller = Caller(
            mode=AuthMode.LAMBDA,
            # UNVERIFIED: without a `resolverContext` in the answer, AppSync's value is not
            # documented; an empty object keeps `ctx.identity.resolverContext.x` safe to read.
            identity={"resolverContext": response.get("resolverContext") or {}},
            denied=self._denied_fields(response.get("deniedFields")),
        )
        ttl = response.get("ttlOverride", self.config.result_ttl_seconds)
        if isinstance(ttl, int | float) and ttl > 0 and _size(response) < _CACHEABLE_BYTES:
            self._cache[token] = (time.monotonic() + ttl, caller)
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return caller

    async def _invoke(self, token: str, request: AuthorizationRequest) -> dict[str, Any]:
        event = {
            "authorizationToken": token,
            "requestContext": {
                "apiId": self.config.api_id,
                "accountId": self.config.account_id,
                "requestId": str(uuid.uuid4()),
                "queryString": request.query,
                "operationName": request.operation_name,
                "variables": dict(request.variables or {}),
            },
            "requestHeaders": dict(request.headers),
        }
        try:
            response = await asyncio.wait_for(
                self._function.invoke(event), self.config.timeout_seconds
            )
        except LambdaInvocationError as exc:
            # "If a lambda authorizer throws an exception, it will be treated as unauthorized."
            logger.info("Lambda authorizer raised %s: %s", exc.error_type, exc.message)
            raise Unauthenticated() from None
        except TimeoutError:
            logger.warning("Lambda authorizer timed out after %ss", self.config.timeout_seconds)
            raise Unauthenticated() from None
        if not isinstance(response, dict) or response.get("isAuthorized") is not True:
            raise Unauthenticated()
        return response

    def _denied_fields(self, denied: Any) -> frozenset[tuple[str, str]]:
        """`deniedFields` as `(type, field)` pairs: full ARNs of this API, or `Type.field`.

        ARNs naming another API (a shared authorizer) do not apply here.
        """
        if not isinstance(denied, list):
            return frozenset()
        pairs = set()
        for entry in denied:
            if not isinstance(entry, str):
                continue
            arn = self._field_arn.fullmatch(entry)
            if arn is not None:
                pairs.add((arn["type"], arn["field"]))
            elif not entry.startswith("arn:") and entry.count(".") == 1:
                type_name, field_name = entry.split(".")
                pairs.add((type_name, field_name))
        return frozenset(pairs)

    def close(self) -> None:
        """Stop the authorizer's worker thread."""
        self._function.close()


def _size(response: dict[str, Any]) -> int:
    return len(json.dumps(response).encode())
