"""The applicant's profile, read from the user service with their own token.

`GET /customers/me` answers the customer the token names; the credit service never reads the
user service's tables (the services talk only over HTTP).
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from services.shared.errors import (
    DependencyFailure,
    InternalError,
    NotFound,
    VerificationRequired,
    error_class,
)

logger = logging.getLogger(__name__)


class ProfileClient:
    """Reads `GET /customers/me` (synchronous; the use cases run in a thread pool).

    Args:
        base_url: the user service (`Settings.user_service_url`).
        http: a client with timeouts set.
    """

    def __init__(self, *, base_url: str, http: httpx.Client) -> None:
        self._url = f"{base_url.rstrip('/')}/customers/me"
        self._http = http

    def me(self, authorization: str) -> dict[str, Any]:
        """The customer's profile (the API's `Customer` JSON).

        Raises:
            VerificationRequired: the customer has no profile yet.
            DependencyFailure: the user service failed, timed out or could not be reached.
            ServiceError: another refusal of the user service, by its code.
        """
        try:
            response = self._http.get(
                self._url,
                headers={"accept": "application/json", "x-forwarded-authorization": authorization},
            )
        except httpx.TransportError as exc:
            logger.warning("reading the profile failed: %r", exc)
            raise DependencyFailure("The user service is unavailable") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code == 200 and isinstance(body, dict) and "id" in body:
            return body
        if 400 <= response.status_code < 500 and isinstance(body, dict):
            code = body.get("error")
            if code == NotFound.code:
                raise VerificationRequired("Register and verify your profile before applying")
            error = error_class(code) if isinstance(code, str) else InternalError
            if error is not InternalError:
                message = body.get("message")
                raise error(message if isinstance(message, str) else str(code))
        logger.warning("user service answered the profile with HTTP %d", response.status_code)
        raise DependencyFailure(f"The user service answered HTTP {response.status_code}")
