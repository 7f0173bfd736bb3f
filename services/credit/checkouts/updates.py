"""Announce every change of a checkout to its `onCheckoutUpdated` subscribers.

The credit service calls the API's `publishCheckoutUpdate` mutation (IAM only), signed with
SigV4 (service `appsync`) using the service's own AWS credentials from the default chain: the
task role in AWS, the dev principal the local emulator knows in `bnpl dev`. Only `endpoint`
differs between the two.

Updates of one checkout go out in the order they were made: each checkout's are queued on the
same one of a few single-thread lanes.

Best effort: the call is made on a background lane with a short timeout, after the
decision is stored. A failure is logged and never fails or delays the decision: subscribers
missing an update still read the checkout (`checkout(id)`) on reconnecting.
"""

from __future__ import annotations

import json
import logging
import zlib
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from typing import Any

import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from services.credit.checkouts.redirects import checkout_page
from services.shared.trace import ContextThreadPool

logger = logging.getLogger(__name__)

PUBLISH_TIMEOUT_S = 2.0
PUBLISH = """
mutation Publish($input: CheckoutUpdateInput!) {
  publishCheckoutUpdate(input: $input) {
    id merchantId merchantReference status customerId expiresAt createdAt
    amount { amount currency }
    capturedAmount { amount currency }
    refundedAmount { amount currency }
    items { sku name quantity unitPrice { amount currency } }
    confirmationUrl cancelUrl redirectUrl
  }
}"""
# The fields of `CheckoutUpdateInput`; the checkout's JSON has more (applicationId).
_INPUT_FIELDS = (
    "id",
    "merchantId",
    "merchantReference",
    "amount",
    "items",
    "status",
    "customerId",
    "expiresAt",
    "createdAt",
    "capturedAmount",
    "refundedAmount",
    "confirmationUrl",
    "cancelUrl",
)


class AppSyncCheckoutUpdates:
    """Calls `publishCheckoutUpdate` on the GraphQL API, SigV4-signed, in the background.

    Args:
        url: the API's GraphQL endpoint (`Settings.appsync_url`).
        region: the signature's region.
        credentials: the service's AWS credentials (re-read per call: roles rotate them).
        http: a client; its own timeout is replaced by `PUBLISH_TIMEOUT_S` per call.
        page_url: where the hosted checkout page is served (`Settings.checkout_page_url`), for
            the checkout's `redirectUrl`.
    """

    def __init__(
        self,
        *,
        url: str,
        region: str,
        credentials: Callable[[], Credentials | None],
        http: httpx.Client,
        page_url: str,
        lanes: int = 4,
    ) -> None:
        self._url = url
        self._page_url = page_url
        self._region = region
        self._credentials = credentials
        self._http = http
        self._lanes = [
            ContextThreadPool(max_workers=1, thread_name_prefix=f"publish-{n}")
            for n in range(lanes)
        ]

    def published(self, checkout: Mapping[str, Any]) -> None:
        """Queue the announcement; see the module docstring."""
        self.submit(checkout)

    def submit(self, checkout: Mapping[str, Any]) -> Future[bool]:
        """Queue the announcement; the future answers whether it went out."""
        lane = zlib.crc32(str(checkout.get("id")).encode()) % len(self._lanes)
        return self._lanes[lane].submit(self.publish_now, checkout)

    def publish_now(self, checkout: Mapping[str, Any]) -> bool:
        """Publish in this thread; False (logged) when it failed."""
        fields = {name: checkout.get(name) for name in _INPUT_FIELDS}
        page = checkout_page(self._page_url, str(checkout.get("id")))
        variables = {"input": {**fields, "redirectUrl": page}}
        body = json.dumps({"query": PUBLISH, "variables": variables}).encode()
        try:
            credentials = self._credentials()
            if credentials is None:
                raise RuntimeError("no AWS credentials to sign with")
            request = AWSRequest(
                method="POST",
                url=self._url,
                data=body,
                headers={"content-type": "application/json"},
            )
            SigV4Auth(credentials, "appsync", self._region).add_auth(request)
            response = self._http.post(
                self._url,
                content=body,
                headers=dict(request.headers.items()),
                timeout=PUBLISH_TIMEOUT_S,
            )
            answer = response.json()
        # Best effort: whatever broke (credentials, network, an answer that is not JSON), the
        # decision stands.
        except Exception as exc:  # noqa: BLE001
            logger.warning("publishing checkout %s failed: %r", checkout.get("id"), exc)
            return False
        if response.status_code != 200 or not isinstance(answer, dict) or answer.get("errors"):
            errors = answer.get("errors") if isinstance(answer, dict) else None
            logger.warning(
                "publishing checkout %s refused: HTTP %d %s",
                checkout.get("id"),
                response.status_code,
                errors,
            )
            return False
        return True

    def close(self) -> None:
        """Finish queued announcements and stop the lanes."""
        for lane in self._lanes:
            lane.shutdown(wait=True)
