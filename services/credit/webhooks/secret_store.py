"""Where endpoints' signing secrets are kept: DynamoDB locally, Secrets Manager in AWS.

Secrets never sit in the endpoints table, so reading an endpoint (or a table export) never
reveals one. In AWS each endpoint's secrets are one Secrets Manager secret,
`<prefix><endpoint id>`, encrypted with the platform's KMS key; only the credit service (which
creates and rotates them) and the sender (which signs with them) may read it.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import DoesNotExist, PynamoDBException

from services.credit.webhooks.domain import SigningSecret
from services.credit.webhooks.models import WebhookSecretModel
from services.shared.dynamodb import bind
from services.shared.errors import DependencyFailure
from services.shared.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

# The sender reads an endpoint's secrets at most this often from Secrets Manager (each read is
# billed and slow); a rotation reaches it within this time, and the old secret signs for a day.
CACHE_S = 30.0


def _dump(secrets: list[SigningSecret]) -> str:
    return json.dumps(
        [
            {
                "secret": s.value,
                "expiresAt": s.expires_at.isoformat() if s.expires_at else None,
            }
            for s in secrets
        ]
    )


def _load(text: str) -> list[SigningSecret]:
    entries: list[dict[str, Any]] = json.loads(text)
    return [
        SigningSecret(
            value=str(e["secret"]),
            expires_at=datetime.fromisoformat(e["expiresAt"]) if e.get("expiresAt") else None,
        )
        for e in entries
    ]


class DynamoSecretStore:
    """The local stack's store: one item per endpoint in `webhook_secrets`."""

    def __init__(self, settings: Settings) -> None:
        self._model = bind(WebhookSecretModel, settings)

    def get(self, endpoint_id: str) -> list[SigningSecret]:
        try:
            return _load(self._model.get(endpoint_id, consistent_read=True).secrets)
        except DoesNotExist:
            return []
        except PynamoDBException as exc:
            raise DependencyFailure("The secret store is unavailable") from exc

    def put(self, endpoint_id: str, secrets: list[SigningSecret]) -> None:
        try:
            self._model(endpoint_id, secrets=_dump(secrets)).save()
        except PynamoDBException as exc:
            raise DependencyFailure("The secret store is unavailable") from exc


class SecretsManagerStore:
    """AWS Secrets Manager: `<prefix><endpoint id>`, created on first `put`."""

    def __init__(
        self,
        client: SecretsManagerClient,
        *,
        prefix: str,
        kms_key_id: str | None = None,
        cache_s: float = CACHE_S,
    ) -> None:
        self._client = client
        self._prefix = prefix
        self._kms_key_id = kms_key_id
        self._cache_s = cache_s
        self._cache: dict[str, tuple[float, list[SigningSecret]]] = {}
        self._lock = threading.Lock()

    def get(self, endpoint_id: str) -> list[SigningSecret]:
        with self._lock:
            cached = self._cache.get(endpoint_id)
        if cached and time.monotonic() - cached[0] < self._cache_s:
            return cached[1]
        try:
            answer = self._client.get_secret_value(SecretId=self._prefix + endpoint_id)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return []
            raise DependencyFailure("Secrets Manager is unavailable") from exc
        except BotoCoreError as exc:
            raise DependencyFailure("Secrets Manager is unavailable") from exc
        secrets = _load(answer["SecretString"])
        with self._lock:
            self._cache[endpoint_id] = (time.monotonic(), secrets)
        return secrets

    def put(self, endpoint_id: str, secrets: list[SigningSecret]) -> None:
        name = self._prefix + endpoint_id
        text = _dump(secrets)
        try:
            try:
                self._client.put_secret_value(SecretId=name, SecretString=text)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                    raise
                if self._kms_key_id:
                    self._client.create_secret(
                        Name=name, SecretString=text, KmsKeyId=self._kms_key_id
                    )
                else:
                    self._client.create_secret(Name=name, SecretString=text)
        except (BotoCoreError, ClientError) as exc:
            raise DependencyFailure("Secrets Manager is unavailable") from exc
        with self._lock:
            self._cache.pop(endpoint_id, None)
