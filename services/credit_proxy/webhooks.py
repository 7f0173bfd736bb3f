"""The merchant's webhook fields, forwarded to the credit service's `/webhook-endpoints` and
`/webhook-events`. Merchants (IAM callers) only; ids are checked before they reach a URL."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from aws_lambda_powertools.event_handler import AppSyncResolver
from aws_lambda_powertools.utilities.data_classes.appsync_resolver_event import (
    AppSyncResolverEvent,
)

from services.credit_proxy.arguments import next_token, required_id
from services.credit_proxy.client import Credentials, CreditClient, path_segment
from services.shared.errors import Unauthorized

Identify = Callable[[AppSyncResolverEvent], Credentials]


class WebhookResolvers:
    """Resolvers of the webhook fields over a `CreditClient`."""

    def __init__(
        self,
        client: CreditClient,
        event: Callable[[], AppSyncResolverEvent],
        identify: Identify,
    ) -> None:
        self._client = client
        self._event = event
        self._identify = identify

    def register(self, app: AppSyncResolver) -> None:
        for type_name, field_name, resolve in (
            ("Mutation", "createWebhookEndpoint", self.create_webhook_endpoint),
            ("Mutation", "rotateWebhookSecret", self.rotate_webhook_secret),
            ("Mutation", "disableWebhookEndpoint", self.disable_webhook_endpoint),
            ("Mutation", "enableWebhookEndpoint", self.enable_webhook_endpoint),
            ("Mutation", "replayWebhookEvent", self.replay_webhook_event),
            ("Mutation", "sendTestWebhook", self.send_test_webhook),
            ("Query", "webhookEndpoints", self.webhook_endpoints),
            ("Query", "webhookDeliveries", self.webhook_deliveries),
        ):
            app.resolver(type_name=type_name, field_name=field_name)(resolve)

    def create_webhook_endpoint(self, input: Mapping[str, Any]) -> Any:
        """`Mutation.createWebhookEndpoint(input)`: the endpoint and its secret, shown once."""
        required_id(input.get("merchantId"), "merchantId")
        return self._call("POST", "/webhook-endpoints", payload=input)

    def webhook_endpoints(self, merchantId: str) -> Any:  # noqa: N803 - GraphQL's name
        """`Query.webhookEndpoints(merchantId)`: the merchant's endpoints."""
        merchant = required_id(merchantId, "merchantId")
        return self._call("GET", f"/webhook-endpoints?{urlencode({'merchantId': merchant})}")[
            "items"
        ]

    def rotate_webhook_secret(self, endpointId: str) -> Any:  # noqa: N803 - GraphQL's name
        """`Mutation.rotateWebhookSecret(endpointId)`: the new secret, shown once."""
        return self._call("POST", self._endpoint(endpointId, "rotate-secret"))

    def disable_webhook_endpoint(self, endpointId: str) -> Any:  # noqa: N803 - GraphQL's name
        """`Mutation.disableWebhookEndpoint(endpointId)`."""
        return self._call("POST", self._endpoint(endpointId, "disable"))

    def enable_webhook_endpoint(self, endpointId: str) -> Any:  # noqa: N803 - GraphQL's name
        """`Mutation.enableWebhookEndpoint(endpointId)`."""
        return self._call("POST", self._endpoint(endpointId, "enable"))

    def send_test_webhook(self, endpointId: str) -> Any:  # noqa: N803 - GraphQL's name
        """`Mutation.sendTestWebhook(endpointId)`: the test event, on its way."""
        return self._call("POST", self._endpoint(endpointId, "test"))

    def replay_webhook_event(self, eventId: str) -> Any:  # noqa: N803 - GraphQL's name
        """`Mutation.replayWebhookEvent(eventId)`: the deliveries made due again."""
        event_id = path_segment(required_id(eventId, "eventId"))
        return self._call("POST", f"/webhook-events/{event_id}/replay")["items"]

    def webhook_deliveries(
        self,
        endpointId: str,  # noqa: N803 - GraphQL's name
        status: str | None = None,
        limit: int | None = None,
        nextToken: str | None = None,  # noqa: N803 - GraphQL's name
    ) -> Any:
        """`Query.webhookDeliveries(endpointId, status, limit, nextToken)`: newest first."""
        query = {"status": status, "limit": limit, "nextToken": next_token(nextToken)}
        params = urlencode({k: v for k, v in query.items() if v is not None})
        path = self._endpoint(endpointId, "deliveries")
        return self._call("GET", f"{path}?{params}" if params else path)

    def _endpoint(self, endpoint_id: object, action: str) -> str:
        checked = path_segment(required_id(endpoint_id, "endpointId"))
        return f"/webhook-endpoints/{checked}/{action}"

    def _call(self, method: str, path: str, *, payload: Mapping[str, Any] | None = None) -> Any:
        creds = self._identify(self._event())
        if creds.authorization is not None:
            raise Unauthorized("Webhooks are managed by merchants (IAM callers) only")
        return self._client.merchant_call(creds, method, path, payload=payload)
