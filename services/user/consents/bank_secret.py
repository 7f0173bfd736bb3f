"""Where the bank's webhook secret comes from: the settings locally (`BNPL_BANK_WEBHOOK_SECRET`),
Secrets Manager in AWS (`BNPL_BANK_WEBHOOK_SECRET_ARN`), or nowhere yet.

Each source hands out the verifier of the current secret, or None while there is none, and then
the user service refuses notifications with 503, so the bank keeps them for later.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from services.shared.errors import DependencyFailure
from services.user.consents.signatures import NotificationVerifier

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

logger = logging.getLogger(__name__)

# A value put into Secrets Manager (the bank's first secret, or its next one) is used within this
# time; each read is billed and slow, so not every notification makes one.
CACHE_S = 60.0


class BankSecret(Protocol):
    """The bank's current webhook secret, as a verifier of its signatures."""

    def verifier(self) -> NotificationVerifier | None:
        """The verifier of the current secret; None while no secret is configured.

        Raises:
            DependencyFailure: the secret could not be read (the bank retries later).
        """
        ...


class NoBankSecret:
    """No secret configured: notifications are refused until there is one."""

    def verifier(self) -> NotificationVerifier | None:
        return None


class FixedBankSecret:
    """A secret given in the settings (the local stack's, or a test's).

    Raises:
        ValueError: `secret` is no `whsec_` value (at start-up, not at the first notification).
    """

    def __init__(self, secret: str) -> None:
        self._verifier = NotificationVerifier(secret)

    def verifier(self) -> NotificationVerifier | None:
        return self._verifier


class SecretsManagerBankSecret:
    """The secret in Secrets Manager, read when first needed and again every `cache_s`.

    Args:
        client: a Secrets Manager client of the secret's region.
        secret_id: the secret's ARN (Terraform creates it empty; an operator puts the bank's
            `whsec_` value into it).
    """

    def __init__(
        self, client: SecretsManagerClient, *, secret_id: str, cache_s: float = CACHE_S
    ) -> None:
        self._client = client
        self._secret_id = secret_id
        self._cache_s = cache_s
        self._cached: tuple[float, NotificationVerifier] | None = None
        self._lock = threading.Lock()

    def verifier(self) -> NotificationVerifier | None:
        with self._lock:
            cached = self._cached
        if cached is not None and time.monotonic() - cached[0] < self._cache_s:
            return cached[1]
        try:
            answer = self._client.get_secret_value(SecretId=self._secret_id)
        except ClientError as exc:
            # A secret with no value yet has no current version: nothing to verify with.
            if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                logger.warning("the bank webhook secret %s has no value yet", self._secret_id)
                return None
            raise DependencyFailure("Secrets Manager is unavailable") from exc
        except BotoCoreError as exc:
            raise DependencyFailure("Secrets Manager is unavailable") from exc
        try:
            verifier = NotificationVerifier(answer.get("SecretString", "").strip())
        except ValueError:
            logger.error("the bank webhook secret %s holds no whsec_ value", self._secret_id)
            return None
        with self._lock:
            self._cached = (time.monotonic(), verifier)
        return verifier
