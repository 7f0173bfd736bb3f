"""Cognito's user-pool API on the dev identity provider: `POST /` with
`X-Amz-Target: AWSCognitoIdentityProviderService.<Operation>` and an AWS JSON 1.1 body, answered
as Cognito answers (errors: HTTP 400, `{"__type": ..., "message": ...}` and `x-amzn-ErrorType`).

Amplify, the AWS SDKs and pycognito reach it by setting the user pool endpoint to the provider's
URL. Operations run in a worker thread: they do DynamoDB calls and SRP arithmetic.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import anyio.to_thread
from botocore.exceptions import BotoCoreError
from pynamodb.exceptions import PynamoDBException
from starlette.requests import Request as HttpRequest
from starlette.responses import Response

from bnpl.idp import accounts, profile, sessions, sign_in
from bnpl.idp.errors import RATE_EXCEEDED, CognitoError
from bnpl.idp.provider import Provider
from bnpl.idp.wire import Request

logger = logging.getLogger("bnpl.idp")

TARGET_PREFIX = "AWSCognitoIdentityProviderService."
CONTENT_TYPE = "application/x-amz-json-1.1"
MAX_BODY_BYTES = 64 * 1024
READY_TIMEOUT_S = 60.0

# What building the pool raises while DynamoDB is not answering yet.
_NOT_YET = (OSError, TimeoutError, BotoCoreError, PynamoDBException)

Operation = Callable[[Provider, Request], dict[str, Any]]
OPERATIONS: Mapping[str, Operation] = MappingProxyType(
    {
        "SignUp": accounts.sign_up,
        "ConfirmSignUp": accounts.confirm_sign_up,
        "ResendConfirmationCode": accounts.resend_confirmation_code,
        "ForgotPassword": accounts.forgot_password,
        "ConfirmForgotPassword": accounts.confirm_forgot_password,
        "InitiateAuth": sign_in.initiate_auth,
        "RespondToAuthChallenge": sign_in.respond_to_auth_challenge,
        "GetTokensFromRefreshToken": sessions.get_tokens_from_refresh_token,
        "RevokeToken": sessions.revoke_token,
        "GlobalSignOut": sessions.global_sign_out,
        "GetUser": profile.get_user,
        "UpdateUserAttributes": profile.update_user_attributes,
        "GetUserAttributeVerificationCode": profile.get_user_attribute_verification_code,
        "VerifyUserAttribute": profile.verify_user_attribute,
        "ChangePassword": profile.change_password,
    }
)


class ProviderHandle:
    """The provider, built once in a worker thread; until DynamoDB answers, built again."""

    def __init__(self, build: Callable[[], Provider]) -> None:
        self._build = build
        self._provider: Provider | None = None
        self._lock = asyncio.Lock()

    async def get(self, *, timeout_s: float = READY_TIMEOUT_S) -> Provider:
        if self._provider is not None:
            return self._provider
        async with self._lock:
            deadline = time.monotonic() + timeout_s
            while self._provider is None:
                try:
                    self._provider = await anyio.to_thread.run_sync(self._build)
                except _NOT_YET as exc:
                    # DynamoDB Local starts alongside the provider in `bnpl dev`.
                    if time.monotonic() > deadline:
                        raise
                    logger.debug("user pool not ready yet: %r", exc)
                    await asyncio.sleep(0.2)
            return self._provider


def _answer(body: Mapping[str, Any], request_id: str, status: int = 200) -> Response:
    return Response(
        json.dumps(body, separators=(",", ":")),
        status_code=status,
        media_type=CONTENT_TYPE,
        headers={"x-amzn-RequestId": request_id},
    )


def error_response(error: CognitoError, request_id: str) -> Response:
    """Cognito's error shape: the name in `__type` and in `x-amzn-ErrorType`."""
    response = _answer({"__type": error.name, "message": error.message}, request_id, error.status)
    response.headers["x-amzn-ErrorType"] = f"{error.name}:"
    response.headers["x-amzn-ErrorMessage"] = error.message
    return response


async def _operation_and_body(request: HttpRequest) -> tuple[str, dict[str, Any]]:
    target = request.headers.get("x-amz-target", "")
    operation = target.removeprefix(TARGET_PREFIX)
    if not target.startswith(TARGET_PREFIX) or operation not in OPERATIONS:
        raise CognitoError("UnknownOperationException", f"Unknown operation {target!r}")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != CONTENT_TYPE:
        raise CognitoError("SerializationException", f"Content-Type must be {CONTENT_TYPE}")
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise CognitoError("SerializationException", "The request body is too large")
    try:
        parsed = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise CognitoError("SerializationException", "The request body is not JSON") from None
    if not isinstance(parsed, dict):
        raise CognitoError("SerializationException", "The request body must be an object")
    return operation, parsed


def endpoint(handle: ProviderHandle) -> Callable[[HttpRequest], Any]:
    """The `POST /` handler of the user-pool API."""

    async def cognito(request: HttpRequest) -> Response:
        request_id = str(uuid.uuid4())
        try:
            name, body = await _operation_and_body(request)
            provider = await handle.get()
            if not provider.limiter.allow(name):
                raise CognitoError("TooManyRequestsException", RATE_EXCEEDED)
            result = await anyio.to_thread.run_sync(OPERATIONS[name], provider, Request(body))
        except CognitoError as error:
            logger.info("%s refused: %s", request.headers.get("x-amz-target"), error)
            return error_response(error, request_id)
        except Exception:
            logger.exception("%s failed", request.headers.get("x-amz-target"))
            internal = CognitoError("InternalErrorException", "Internal error", status=500)
            return error_response(internal, request_id)
        return _answer(result, request_id)

    return cognito
