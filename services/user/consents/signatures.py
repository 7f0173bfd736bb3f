"""The bank's signature on its consent notifications (Standard Webhooks, `standardwebhooks`).

The signature is the notification's only authentication: there is no customer token on it.
"""

from __future__ import annotations

from collections.abc import Mapping

from standardwebhooks.webhooks import EmptyWebhookSecretError, Webhook, WebhookVerificationError

from services.shared.errors import UnauthorizedException
from services.user.consents.notifications import BankNotification, parse_notification

SIGNATURE_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


class NotificationVerifier:
    """Checks a notification's Standard Webhooks signature with the bank's secret.

    Args:
        secret: `whsec_` and the base64 of the key, as the bank issued it.

    Raises:
        ValueError: `secret` is no such value.
    """

    def __init__(self, secret: str) -> None:
        if not secret.startswith("whsec_"):
            raise ValueError("the bank's webhook secret must be `whsec_` followed by base64")
        try:
            self._webhook = Webhook(secret)
        except (ValueError, EmptyWebhookSecretError) as exc:  # not base64, or no key at all
            raise ValueError(
                "the bank's webhook secret must be `whsec_` followed by base64"
            ) from exc

    def verify(self, body: bytes, headers: Mapping[str, str]) -> BankNotification:
        """The notification `body` carries, once its signature holds.

        Args:
            body: the request body exactly as received.
            headers: the request's headers (lower-case names, as HTTP/2 and Starlette have them).

        Raises:
            UnauthorizedException: a signature header is missing, the signature does not match,
                or the timestamp is more than five minutes from our clock.
            ValidationError: signed, but not a notification we understand.
        """
        signed = {name: headers[name] for name in SIGNATURE_HEADERS if name in headers}
        try:
            self._webhook.verify(body, signed, json_parse=False)
        except WebhookVerificationError as exc:
            raise UnauthorizedException(
                f"Bank notification refused: {exc}. Sign it with the bank's secret by the "
                "Standard Webhooks scheme, with a current webhook-timestamp"
            ) from None
        return parse_notification(signed["webhook-id"], body)
