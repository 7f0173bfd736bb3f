"""The credit service seen from the proxy: HTTP calls, bounded retries, errors raised by code.

Bodies are sent as ASCII JSON (non-ASCII text as `\\u` escapes), which encodes whatever the
arguments hold: a lone surrogate AppSync parsed from the caller's JSON reaches the credit
service as the same escape, and the service refuses it by name, instead of the proxy failing to
encode it.
"""

from __future__ import annotations

import functools
import json
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from services.credit_proxy.tokens import ServiceTokenProvider
from services.shared import trace
from services.shared.errors import DependencyFailure, NotFound, error_class

logger = logging.getLogger(__name__)

CALLER_ARN_HEADER = "X-Bnpl-Caller-Arn"
# What AppSync saw of a shopper's request, for the fraud check's velocity counts.
SOURCE_IP_HEADER = "X-Bnpl-Source-Ip"
DEVICE_ID_HEADER = "X-Bnpl-Device-Id"
# Reads are retried on connection failures and on gateway errors; writes are not (a write that
# may have reached the service is the caller's to retry, with the same merchantReference).
GET_ATTEMPTS = 3
RETRY_BACKOFF_S = 0.1
_RETRY_STATUSES = frozenset({502, 503})


def path_segment(value: str) -> str:
    """`value` as one URL path segment, every character that could end or move it encoded.

    `quote` leaves `.` as it is, and a segment that is exactly `.` or `..` is a dot segment,
    which httpx (and every server) resolves away (RFC 3986 §5.2.4): `/plans/.` would ask for
    `/plans`, another resource. Encoded, such an id reaches its own route as itself.

    Example:
        >>> path_segment("a/b"), path_segment(".."), path_segment("v1.2")
        ('a%2Fb', '%2E%2E', 'v1.2')
    """
    segment = quote(value, safe="")
    return segment.replace(".", "%2E") if segment in {".", ".."} else segment


@dataclass(frozen=True, kw_only=True)
class Credentials:
    """How one call authenticates to the credit service.

    Attributes:
        authorization: a shopper's `Authorization` value, forwarded unchanged; or None for a
            merchant, whose calls carry the proxy's service token.
        caller_arn: the merchant's IAM ARN, as AppSync verified it.
    """

    authorization: str | None = None
    caller_arn: str | None = None


class CreditClient:
    """Calls the credit service's REST API on behalf of one AppSync caller at a time."""

    def __init__(
        self,
        *,
        base_url: str,
        http: httpx.Client,
        tokens: ServiceTokenProvider,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._http = http
        self._tokens = tokens
        self._sleep = sleep

    def create_checkout(self, credentials: Credentials, payload: Mapping[str, Any]) -> Any:
        """`POST /checkouts`: the created (or replayed) checkout.

        Raises:
            ServiceError: the subclass named by the service's error code.
        """
        return self._call(credentials, "POST", "/checkouts", payload=payload, attempts=1)

    def get_checkout(self, credentials: Credentials, checkout_id: str) -> Any | None:
        """`GET /checkouts/{id}`: the checkout, or None when the caller may not see it."""
        return self._get_or_none(credentials, "checkouts", checkout_id)

    def apply_for_credit(
        self,
        credentials: Credentials,
        payload: Mapping[str, Any],
        *,
        source_ip: str | None = None,
        device_id: str | None = None,
    ) -> Any:
        """`POST /applications`: the decided application.

        Sent once: the workflow may take a while, and a retry is the caller's, with the same
        idempotency key (which never runs the workflow twice).
        """
        extra = {}
        if source_ip:
            extra[SOURCE_IP_HEADER] = source_ip
        if device_id:
            extra[DEVICE_ID_HEADER] = device_id
        return self._call(
            credentials, "POST", "/applications", payload=payload, attempts=1, extra=extra
        )

    def get_application(self, credentials: Credentials, application_id: str) -> Any | None:
        """`GET /applications/{id}`: the application, or None when the caller may not see it."""
        return self._get_or_none(credentials, "applications", application_id)

    def application_audit(self, credentials: Credentials, application_id: str) -> Any:
        """`GET /applications/{id}/audit`: the audit entries, oldest first (a list).

        Raises:
            NotFound: no such application, or the caller is no underwriter.
        """
        path = f"/applications/{path_segment(application_id)}/audit"
        return self._call(credentials, "GET", path, attempts=GET_ATTEMPTS)["items"]

    def review_application(
        self, credentials: Credentials, application_id: str, payload: Mapping[str, Any]
    ) -> Any:
        """`POST /applications/{id}/review`: the settled application."""
        path = f"/applications/{path_segment(application_id)}/review"
        return self._call(credentials, "POST", path, payload=payload, attempts=1)

    def accept_offer(self, credentials: Credentials, payload: Mapping[str, Any]) -> Any:
        """`POST /plans`: the plan. Sent once; a retry is the caller's, with the same key."""
        return self._call(credentials, "POST", "/plans", payload=payload, attempts=1)

    def pay_instalment(
        self, credentials: Credentials, plan_id: str, payload: Mapping[str, Any]
    ) -> Any:
        """`POST /plans/{id}/payments`: the payment. Sent once, like every money move."""
        path = f"/plans/{path_segment(plan_id)}/payments"
        return self._call(credentials, "POST", path, payload=payload, attempts=1)

    def pay_off_plan(
        self, credentials: Credentials, plan_id: str, payload: Mapping[str, Any]
    ) -> Any:
        """`POST /plans/{id}/payoff`: the payment of everything left. Sent once."""
        path = f"/plans/{path_segment(plan_id)}/payoff"
        return self._call(credentials, "POST", path, payload=payload, attempts=1)

    def checkout_action(
        self, credentials: Credentials, checkout_id: str, action: str, payload: Mapping[str, Any]
    ) -> Any:
        """`POST /checkouts/{id}/{capture|void|refunds}`: the checkout after it. Sent once."""
        path = f"/checkouts/{path_segment(checkout_id)}/{action}"
        return self._call(credentials, "POST", path, payload=payload, attempts=1)

    def get_plan(self, credentials: Credentials, plan_id: str) -> Any | None:
        """`GET /plans/{id}`: the plan, or None when the caller may not see it."""
        return self._get_or_none(credentials, "plans", plan_id)

    def merchant_call(
        self,
        credentials: Credentials,
        method: str,
        path: str,
        *,
        payload: Mapping[str, Any] | None = None,
    ) -> Any:
        """A merchant's webhook call: reads retried on gateway errors, writes sent once."""
        attempts = GET_ATTEMPTS if method == "GET" else 1
        return self._call(credentials, method, path, payload=payload, attempts=attempts)

    def _get_or_none(self, credentials: Credentials, collection: str, item_id: str) -> Any | None:
        """`GET /{collection}/{id}`, retried on gateway errors; None for NotFound, which the
        service answers alike for an item that is absent and one the caller may not see."""
        path = f"/{collection}/{path_segment(item_id)}"
        try:
            return self._call(credentials, "GET", path, attempts=GET_ATTEMPTS)
        except NotFound:
            return None

    def my_plans(
        self, credentials: Credentials, *, limit: int | None, next_token: str | None
    ) -> Any:
        """`GET /plans`: `{items, nextToken}`, newest first."""
        query = {"limit": limit, "nextToken": next_token}
        params = "&".join(
            f"{name}={quote(str(value), safe='')}"
            for name, value in query.items()
            if value is not None
        )
        path = f"/plans?{params}" if params else "/plans"
        return self._call(credentials, "GET", path, attempts=GET_ATTEMPTS)

    def _call(
        self,
        credentials: Credentials,
        method: str,
        path: str,
        *,
        attempts: int,
        payload: Mapping[str, Any] | None = None,
        extra: Mapping[str, str] | None = None,
    ) -> Any:
        body = (
            None
            if payload is None
            else json.dumps(dict(payload), ensure_ascii=True).encode("ascii")
        )
        service_token = None
        if credentials.authorization is None:
            service_token = self._tokens.token()
        send = functools.partial(
            self._send,
            credentials=credentials,
            method=method,
            path=path,
            body=body,
            attempts=attempts,
            extra=extra,
        )
        response = send(service_token=service_token)
        if response.status_code == 401 and service_token is not None:
            # The service refused our cached token (keys rotated, clock skew): fetch a fresh one
            # and try once more. A 401 means nothing was done, so this is safe for writes too.
            self._tokens.invalidate(service_token)
            response = send(service_token=self._tokens.token())
        return _result(response)

    def _send(
        self,
        *,
        credentials: Credentials,
        method: str,
        path: str,
        body: bytes | None,
        service_token: str | None,
        attempts: int,
        extra: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        headers = {"accept": "application/json", **trace.outgoing_headers(), **(extra or {})}
        if body is not None:
            headers["content-type"] = "application/json"
        if service_token is not None:
            headers["authorization"] = f"Bearer {service_token}"
            headers[CALLER_ARN_HEADER] = credentials.caller_arn or ""
        elif credentials.authorization is not None:
            headers["authorization"] = credentials.authorization
        url = f"{self._base_url}{path}"
        for attempt in range(1, attempts + 1):
            try:
                response = self._http.request(method, url, content=body, headers=headers)
            except httpx.TransportError as exc:  # connection failures and timeouts
                logger.warning("%s %s failed (attempt %d): %r", method, path, attempt, exc)
                if attempt == attempts:
                    raise DependencyFailure(_unreachable(method)) from None
            else:
                if response.status_code not in _RETRY_STATUSES or attempt == attempts:
                    return response
                logger.warning(
                    "%s %s answered %d (attempt %d)", method, path, response.status_code, attempt
                )
            # Exponential backoff with jitter, so retries from many callers spread out.
            self._sleep(RETRY_BACKOFF_S * 2 ** (attempt - 1) * (0.5 + random.random()))  # noqa: S311
        raise AssertionError("unreachable: the last attempt returns or raises")  # pragma: no cover


def _unreachable(method: str) -> str:
    if method == "GET":
        return "The credit service is unavailable"
    return (
        "The credit service did not answer; the request may have been applied, so retry it "
        "unchanged"
    )


def _result(response: httpx.Response) -> Any:
    """The JSON of a success, or the service's error raised as the class its code names."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.is_success and isinstance(body, dict):
        return body
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        message = body.get("message")
        details = body.get("details")
        error = error_class(body["error"])
        raise error(
            message if isinstance(message, str) else body["error"],
            details=details if isinstance(details, dict) else None,
        )
    logger.warning("credit service answered %d without a JSON error", response.status_code)
    raise DependencyFailure(f"The credit service answered HTTP {response.status_code}")
