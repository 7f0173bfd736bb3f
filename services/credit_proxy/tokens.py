"""The credit proxy's own access token: OAuth2 client credentials, cached until near expiry.

Merchants reach the credit service through AppSync with IAM, so they carry no user token. The
proxy vouches for them with a token of its own app client and names the IAM caller beside it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import httpx

from services.shared.errors import DependencyFailure, InternalError

logger = logging.getLogger(__name__)

# Refresh this long before the token expires, so a token never expires in flight.
REFRESH_MARGIN_S = 60.0


class ServiceTokenProvider:
    """Client-credentials access tokens for the service app client, cached and thread-safe.

    Example:
        >>> tokens = ServiceTokenProvider(endpoint=url, client_id=cid, client_secret=secret,
        ...                               http=httpx.Client())  # doctest: +SKIP
        >>> tokens.token()  # doctest: +SKIP
        'eyJraWQi...'
    """

    def __init__(
        self,
        *,
        endpoint: str,
        client_id: str,
        client_secret: str | None,
        http: httpx.Client,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._endpoint = endpoint
        self._client_id = client_id
        self._client_secret = client_secret
        self._http = http
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._refresh_at = 0.0

    def token(self) -> str:
        """A valid access token, fetched only when the cached one is missing or about to expire.

        Raises:
            InternalError: no client secret is configured.
            DependencyFailure: the token endpoint failed or refused.
        """
        # One lock for reading and fetching: concurrent callers wait for one fetch instead of
        # each asking the token endpoint.
        with self._lock:
            if self._token is None or self._clock() >= self._refresh_at:
                self._token, lifetime = self._fetch()
                margin = min(REFRESH_MARGIN_S, lifetime / 2)
                self._refresh_at = self._clock() + lifetime - margin
            return self._token

    def invalidate(self, token: str) -> None:
        """Forget `token` (the service refused it), unless another thread already replaced it."""
        with self._lock:
            if self._token == token:
                self._token = None

    def _fetch(self) -> tuple[str, float]:
        if not self._client_secret:
            logger.error("BNPL_SERVICE_CLIENT_SECRET is not set; merchant calls cannot be made")
            raise InternalError("The credit proxy is not configured to act for merchants")
        try:
            response = self._http.post(
                self._endpoint,
                data={"grant_type": "client_credentials"},
                auth=(self._client_id, self._client_secret),
                headers={"accept": "application/json"},
            )
        except httpx.HTTPError as exc:
            logger.warning("token endpoint unreachable: %r", exc)
            raise DependencyFailure("Could not obtain a service token") from None
        if response.status_code != 200:
            logger.warning("token endpoint answered %d: %s", response.status_code, response.text)
            raise DependencyFailure("The token endpoint refused the credit proxy")
        try:
            body = response.json()
            token, lifetime = body["access_token"], body["expires_in"]
        except (ValueError, KeyError, TypeError):
            raise DependencyFailure("The token endpoint answered an unreadable token") from None
        if not isinstance(token, str) or not token or not isinstance(lifetime, int | float):
            raise DependencyFailure("The token endpoint answered an unreadable token")
        if lifetime <= 0:
            raise DependencyFailure("The token endpoint answered an expired token")
        return token, float(lifetime)
