"""Who called the credit proxy, from the event AppSync verified: a shopper's token or a
merchant's ARN, and the address the fraud check counts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.utilities.data_classes.appsync_resolver_event import (
    AppSyncResolverEvent,
)

from services.credit_proxy.client import Credentials
from services.shared.auth import NOT_AUTHORIZED
from services.shared.errors import Unauthorized, UnauthorizedException


def credentials(event: AppSyncResolverEvent) -> Credentials:
    """How to authenticate the call AppSync made: the shopper's token or the merchant's ARN.

    Raises:
        UnauthorizedException: a Cognito call without its token.
        Unauthorized: a caller that is neither a Cognito user nor an IAM principal (API key).
    """
    identity: Mapping[str, Any] | None = event.get("identity")
    if not identity:
        raise Unauthorized("The credit service needs a signed-in customer or a merchant")
    if "sub" in identity:
        # AppSync verified this token; the credit service verifies it again (zero trust).
        authorization = event.request_headers.get("authorization")
        if not authorization:
            raise UnauthorizedException(NOT_AUTHORIZED)
        return Credentials(authorization=authorization)
    arn = identity.get("userArn")
    if not isinstance(arn, str) or not arn:
        raise Unauthorized("The IAM caller has no userArn")
    return Credentials(caller_arn=arn)


def shopper(event: AppSyncResolverEvent) -> Credentials:
    """A signed-in customer's credentials; merchants (IAM) may not act on applications."""
    found = credentials(event)
    if found.authorization is None:
        raise Unauthorized("Credit applications are for signed-in customers")
    return found


def source_ip(event: AppSyncResolverEvent) -> str | None:
    """The address the fraud check counts: the *last* entry of `identity.sourceIp`.

    AppSync builds `sourceIp` from the request's X-Forwarded-For entries followed by the address
    of the TCP connection it accepted itself. Every entry before the last is whatever the client
    wrote in that header; the last is the one it cannot choose. In AWS that is the caller that
    connected to AppSync's endpoint (or the last proxy, if the API is ever put behind one of
    ours); locally, the emulator's TCP peer (`bnpl dev` runs it without uvicorn's proxy headers,
    so that is the real peer too). Counting the first entry would let any caller reset their own
    velocity, and turn a decline into an approval, with one header.
    """
    identity = event.get("identity") or {}
    value = identity.get("sourceIp")
    if isinstance(value, list):
        value = value[-1] if value else None
    return value if isinstance(value, str) and value else None
