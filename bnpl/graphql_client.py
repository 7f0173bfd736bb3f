"""A small GraphQL client for the local stack: as a customer (token) or a merchant (SigV4)."""

from __future__ import annotations

import json
from typing import Any

import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from bnpl import settings as dev


def sigv4_headers(
    url: str,
    body: bytes,
    *,
    region: str,
    access_key_id: str = dev.SANDBOX_MERCHANT_ACCESS_KEY_ID,
    secret_access_key: str = dev.SANDBOX_MERCHANT_SECRET_ACCESS_KEY,
) -> dict[str, str]:
    """Headers of a POST to `url` signed as AppSync expects (SigV4, service `appsync`)."""
    request = AWSRequest(
        method="POST", url=url, data=body, headers={"content-type": "application/json"}
    )
    SigV4Auth(Credentials(access_key_id, secret_access_key), "appsync", region).add_auth(request)
    return dict(request.headers.items())


class GraphQLClient:
    """Posts GraphQL requests to one endpoint with one identity.

    Args:
        url: the GraphQL endpoint.
        token: a Cognito-shaped token sent as `Authorization`; or
        iam_region: sign every request with the sandbox merchant's keys for this region.
        iam_keys: (access key id, secret) to sign with instead (another merchant).
        http: the client to send with; when not given, one is created and `close()`
            (or leaving a `with` block) closes it.
    """

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        iam_region: str | None = None,
        iam_keys: tuple[str, str] = (
            dev.SANDBOX_MERCHANT_ACCESS_KEY_ID,
            dev.SANDBOX_MERCHANT_SECRET_ACCESS_KEY,
        ),
        http: httpx.Client | None = None,
    ) -> None:
        if (token is None) == (iam_region is None):
            raise ValueError("give exactly one of token or iam_region")
        self.url = url
        self._token = token
        self._iam_region = iam_region
        self._iam_keys = iam_keys
        self._owns_http = http is None
        self._http = http or httpx.Client(timeout=30)

    def __enter__(self) -> GraphQLClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP client if this client created it."""
        if self._owns_http:
            self._http.close()

    def post(self, query: str, variables: dict[str, Any] | None = None) -> httpx.Response:
        """Send one operation; return the raw HTTP response."""
        body = json.dumps({"query": query, "variables": variables}).encode()
        if self._iam_region is not None:
            key_id, secret = self._iam_keys
            headers = sigv4_headers(
                self.url,
                body,
                region=self._iam_region,
                access_key_id=key_id,
                secret_access_key=secret,
            )
        else:
            headers = {"content-type": "application/json", "authorization": str(self._token)}
        return self._http.post(self.url, content=body, headers=headers)

    def execute(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send one operation; return the decoded response body."""
        response = self.post(query, variables)
        body: dict[str, Any] = response.json()
        return body
