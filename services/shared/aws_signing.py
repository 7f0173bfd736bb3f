"""SigV4 for service-to-service HTTP calls: an httpx `Auth` over botocore's signer.

The user service's API Gateway admits only IAM callers (AppSync's data source role, the credit
service's task role). The caller signs for `execute-api` with its own credentials; the
customer's JWT travels beside the signature in `X-Forwarded-Authorization`, which the services
read first.
"""

from __future__ import annotations

from collections.abc import Callable, Generator

import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

# Signed along with the method, path, query and body: what a relay must not change.
_SIGNED_HEADERS = ("host", "content-type", "x-forwarded-authorization")


class SigV4(httpx.Auth):
    """Signs each request for `service` in `region` with the credentials of the moment.

    Args:
        credentials: the default chain's current credentials (roles rotate them).
    """

    requires_request_body = True

    def __init__(
        self, *, service: str, region: str, credentials: Callable[[], Credentials | None]
    ) -> None:
        self._service = service
        self._region = region
        self._credentials = credentials

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        credentials = self._credentials()
        if credentials is None:
            raise httpx.RequestError("no AWS credentials to sign the request with", request=request)
        signed = AWSRequest(
            method=request.method,
            url=str(request.url),
            data=request.content,
            headers={k: v for k, v in request.headers.items() if k.lower() in _SIGNED_HEADERS},
        )
        SigV4Auth(credentials.get_frozen_credentials(), self._service, self._region).add_auth(
            signed
        )
        for name in ("Authorization", "X-Amz-Date", "X-Amz-Security-Token"):
            if name in signed.headers:
                request.headers[name] = signed.headers[name]
        yield request
