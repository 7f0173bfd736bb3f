"""AWS_IAM: SigV4-signed requests, verified by recomputing the signature.

In AWS the signer's secret key never leaves IAM; locally the emulator knows the dev principals'
keys from its configuration and recomputes the signature exactly as botocore's SigV4 signer
computes it (`appsync.auth.sigv4`), so a request that verifies here is one AWS would accept from
the same keys.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from typing import Any

from botocore.auth import SIGV4_TIMESTAMP

from appsync.auth import sigv4
from appsync.auth.iam_policy import ALLOW_ALL, IamPolicy, PolicyDocument
from appsync.auth.modes import AuthMode, Caller, Unauthenticated

ALGORITHM = sigv4.ALGORITHM
_AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+),\s*"
    r"SignedHeaders=(?P<signed>[^,\s]+),\s*Signature=(?P<signature>[0-9a-f]{64})$"
)
_BAD_SIGNATURE = (
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details."
)


@dataclass(frozen=True, kw_only=True)
class IamPrincipal:
    """An IAM identity allowed to call the API, with the keys it signs with.

    Attributes:
        policies: its identity-based policy documents; `appsync:GraphQL` on a field's ARN must
            be allowed by them (`appsync.auth.iam_policy`). By default every field is allowed.
    """

    access_key_id: str
    secret_access_key: str
    account_id: str
    user_arn: str
    username: str
    policies: tuple[PolicyDocument, ...] = (ALLOW_ALL,)


@dataclass(frozen=True, kw_only=True)
class IamConfig:
    """Who may sign requests, and how far a signature's clock may be from ours.

    Attributes:
        account_id, api_id: the API's account and id, which its fields' ARNs name.
    """

    region: str
    principals: tuple[IamPrincipal, ...]
    max_skew: dt.timedelta = dt.timedelta(minutes=5)
    account_id: str = "000000000000"
    api_id: str = "local"

    @property
    def api_arn(self) -> str:
        """`arn:aws:appsync:<region>:<account>:apis/<id>`, the prefix of its fields' ARNs."""
        return f"arn:aws:appsync:{self.region}:{self.account_id}:apis/{self.api_id}"


@dataclass(frozen=True, kw_only=True)
class SignedRequest:
    """The parts of an HTTP request a SigV4 signature covers."""

    method: str
    url: str
    headers: dict[str, str]  # lower-cased names
    body: bytes
    source_ip: list[str]


class IamAuthenticator:
    """Verifies `Authorization: AWS4-HMAC-SHA256 ...` requests for service `appsync`."""

    def __init__(self, config: IamConfig) -> None:
        self.config = config
        self._principals = {p.access_key_id: p for p in config.principals}
        # Compiled once: a policy the emulator cannot evaluate is refused at start-up.
        self._policies = {p.access_key_id: IamPolicy(p.policies) for p in config.principals}
        self._identities = {p.access_key_id: _identity(p) for p in config.principals}

    def authenticate(self, request: SignedRequest, *, now: dt.datetime | None = None) -> Caller:
        """Verify the request's signature and build the caller AppSync would see.

        Raises:
            Unauthenticated: with AWS's message for the failure.
        """
        headers = request.headers
        match = _AUTHORIZATION.match(headers.get("authorization", ""))
        if not match:
            raise Unauthenticated("Authorization header requires a valid AWS4-HMAC-SHA256 value.")
        scope = match["credential"].split("/")
        if len(scope) != 5:
            raise Unauthenticated(
                "Credential should be <key id>/<date>/<region>/<service>/aws4_request."
            )
        access_key_id, date, region, service, terminator = scope
        principal = self._principals.get(access_key_id)
        if principal is None:
            raise Unauthenticated("The security token included in the request is invalid.")
        if (region, service, terminator) != (self.config.region, "appsync", "aws4_request"):
            raise Unauthenticated(
                f"Credential should be scoped to a valid region and service 'appsync', "
                f"not '{region}/{service}'."
            )
        amz_date = headers.get("x-amz-date", "")
        signed_at = _parse_amz_date(amz_date)
        if signed_at is None or amz_date[:8] != date:
            raise Unauthenticated("X-Amz-Date is missing or does not match the credential scope.")
        _check_clock(signed_at, amz_date, now, self.config.max_skew)
        signed = match["signed"]
        if "host" not in signed.split(";"):
            raise Unauthenticated("The host header must be signed.")
        expected = _signature(request, signed, principal, self.config.region, amz_date)
        if not hmac.compare_digest(expected, match["signature"]):
            raise Unauthenticated(_BAD_SIGNATURE)
        identity = self._identities[access_key_id].copy()
        identity["sourceIp"] = request.source_ip
        return Caller(
            mode=AuthMode.IAM, identity=identity, iam_policy=self._policies[access_key_id]
        )


_AMZ_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$")


def _identity(principal: IamPrincipal) -> dict[str, Any]:
    """`ctx.identity` of the principal's requests, in AppSync's key order; `sourceIp` is each
    request's own."""
    return {
        "accountId": principal.account_id,
        "cognitoIdentityPoolId": None,
        "cognitoIdentityId": None,
        "sourceIp": None,
        "username": principal.username,
        "userArn": principal.user_arn,
        "cognitoIdentityAuthType": None,
        "cognitoIdentityAuthProvider": None,
    }


@functools.lru_cache(maxsize=64)
def _parse_amz_date(value: str) -> float | None:
    """The POSIX time of an `X-Amz-Date`, or None for anything but a valid date and time."""
    # `strptime` (SIGV4_TIMESTAMP) costs ~10 µs per request; the format is fixed-width. Cached:
    # a client's requests in one second all carry the same value.
    match = _AMZ_DATE.match(value)
    if match is None:
        return None
    try:
        year, month, day, hour, minute, second = map(int, match.groups())
        return dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC).timestamp()
    except ValueError:
        return None


def _check_clock(
    signed_at: float, amz_date: str, now: dt.datetime | None, skew: dt.timedelta
) -> None:
    # POSIX times, not datetimes: the accepted request pays for no datetime arithmetic.
    current = time.time() if now is None else now.timestamp()
    limit = skew.total_seconds()
    if current - limit <= signed_at <= current + limit:
        return
    now = now or dt.datetime.fromtimestamp(current, dt.UTC)
    stamp = now.strftime(SIGV4_TIMESTAMP)
    minutes = int(limit // 60)
    if signed_at < current - limit:
        raise Unauthenticated(
            f"Signature expired: {amz_date} is now earlier than "
            f"{(now - skew).strftime(SIGV4_TIMESTAMP)} ({stamp} - {minutes} min.)"
        )
    raise Unauthenticated(
        f"Signature not yet current: {amz_date} is still later than "
        f"{(now + skew).strftime(SIGV4_TIMESTAMP)} ({stamp} + {minutes} min.)"
    )


def _signature(
    request: SignedRequest, signed: str, principal: IamPrincipal, region: str, amz_date: str
) -> str:
    missing = [name for name in signed.split(";") if name not in request.headers]
    if missing:
        raise Unauthenticated(f"Signed header(s) missing from the request: {', '.join(missing)}.")
    payload_hash = hashlib.sha256(request.body).hexdigest()
    declared_hash = request.headers.get("x-amz-content-sha256")
    if declared_hash is not None and declared_hash != payload_hash:
        # botocore trusts this header for the payload hash; the body must match it.
        raise Unauthenticated("The provided 'x-amz-content-sha256' header does not match the body.")
    return sigv4.signature(
        method=request.method,
        url=request.url,
        headers=request.headers,
        signed_headers=signed,
        payload_hash=payload_hash,
        amz_date=amz_date,
        secret_access_key=principal.secret_access_key,
        region=region,
        service="appsync",
    )
