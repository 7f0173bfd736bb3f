"""Composes the webhook use cases and the sender from settings: the secret store the settings
name, the guarded HTTP client, the dead-letter queue in AWS."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from services.credit.checkouts.ports import MerchantRepository
from services.credit.checkouts.store import DynamoMerchantRepository
from services.credit.webhooks.domain import ATTEMPT_TIMEOUT_S, Delivery
from services.credit.webhooks.outbox import Outbox
from services.credit.webhooks.ports import SecretStore
from services.credit.webhooks.secret_store import DynamoSecretStore, SecretsManagerStore
from services.credit.webhooks.sender import DeadLetters, LoggedDeadLetters, WebhookSender
from services.credit.webhooks.service import WebhookService
from services.credit.webhooks.settings import WebhookSettings
from services.credit.webhooks.store import CheckoutMerchants, DynamoWebhookStore
from services.credit.webhooks.transport import sender_client
from services.shared.metrics import NO_METRICS, MetricsSink
from services.shared.settings import Settings
from services.shared.timestamps import utc_now

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

logger = logging.getLogger(__name__)
_AWS = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard"})


def secret_store(settings: Settings, webhooks: WebhookSettings) -> SecretStore:
    if webhooks.secrets == "secretsmanager":
        client = boto3.client("secretsmanager", region_name=settings.region, config=_AWS)
        return SecretsManagerStore(
            client, prefix=webhooks.secret_prefix, kms_key_id=webhooks.secrets_kms_key_id
        )
    return DynamoSecretStore(settings)


def webhook_service(
    settings: Settings,
    webhooks: WebhookSettings | None = None,
    *,
    merchants: MerchantRepository | None = None,
) -> WebhookService:
    webhooks = webhooks or WebhookSettings.from_environ()
    return WebhookService(
        store=DynamoWebhookStore(settings),
        secrets=secret_store(settings, webhooks),
        outbox=Outbox(settings),
        merchants=merchants or DynamoMerchantRepository(settings),
        merchant_of=CheckoutMerchants(settings),
        allow_local=webhooks.allow_local,
    )


class QueueDeadLetters:
    """Each dead-lettered delivery as a message on the SQS dead-letter queue (AWS), so its
    depth alarms and a redrive replays it (`lambda_handler`)."""

    def __init__(self, client: SQSClient, queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def report(self, delivery: Delivery) -> None:
        LoggedDeadLetters().report(delivery)
        body = {"eventId": delivery.event_id, "endpointId": delivery.endpoint_id}
        try:
            self._client.send_message(QueueUrl=self._queue_url, MessageBody=json.dumps(body))
        except (BotoCoreError, ClientError) as exc:
            # The delivery is FAILED in the table either way; the merchant sees it there.
            logger.warning("dead letter of %s not queued: %r", delivery.id, exc)


def dead_letters(settings: Settings, webhooks: WebhookSettings) -> DeadLetters:
    if webhooks.dead_letter_queue_url:
        client = boto3.client("sqs", region_name=settings.region, config=_AWS)
        return QueueDeadLetters(client, webhooks.dead_letter_queue_url)
    return LoggedDeadLetters()


def webhook_sender(
    settings: Settings,
    webhooks: WebhookSettings | None = None,
    *,
    timeout_s: float = ATTEMPT_TIMEOUT_S,
    clock: Callable[[], datetime] = utc_now,
    metrics: MetricsSink = NO_METRICS,
) -> WebhookSender:
    """The sender the settings describe; its attempts and dead letters counted in `metrics`."""
    webhooks = webhooks or WebhookSettings.from_environ()
    return WebhookSender(
        clock=clock,
        store=DynamoWebhookStore(settings),
        secrets=secret_store(settings, webhooks),
        merchant_of=CheckoutMerchants(settings),
        http=sender_client(allow_local=webhooks.allow_local, timeout_s=timeout_s),
        dead_letters=dead_letters(settings, webhooks),
        timeout_s=timeout_s,
        metrics=metrics,
    )
