"""The webhook sender's and the endpoint store's own settings (beside the shared `Settings`).

Locally (`bnpl dev`) secrets live in a DynamoDB table and loopback receivers are allowed; in AWS,
Terraform sets `BNPL_WEBHOOK_SECRETS=secretsmanager`, the secrets' name prefix and KMS key, and
the dead-letter queue, and never allows local addresses.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal


def _store(value: str) -> Literal["dynamodb", "secretsmanager"]:
    if value == "dynamodb":
        return "dynamodb"
    if value == "secretsmanager":
        return "secretsmanager"
    raise ValueError(f"BNPL_WEBHOOK_SECRETS must be dynamodb or secretsmanager, not {value!r}")


def _flag(value: str, name: str) -> bool:
    if value in {"true", "1"}:
        return True
    if value in {"false", "0", ""}:
        return False
    raise ValueError(f"{name} must be true or false, not {value!r}")


@dataclass(frozen=True, kw_only=True)
class WebhookSettings:
    """Attributes:
    secrets: where endpoints' signing secrets are kept (`BNPL_WEBHOOK_SECRETS`): `dynamodb`,
        the local stack's table, or `secretsmanager`, one secret per endpoint.
    secret_prefix: the Secrets Manager names' prefix (`BNPL_WEBHOOK_SECRET_PREFIX`).
    secrets_kms_key_id: the KMS key Secrets Manager encrypts them with
        (`BNPL_WEBHOOK_SECRETS_KMS_KEY_ID`; empty: the account's default key).
    allow_local: whether receivers may be plain HTTP on loopback addresses
        (`BNPL_WEBHOOKS_ALLOW_LOCAL`; `bnpl dev` sets it, AWS never does).
    dead_letter_queue_url: the SQS queue a dead-lettered delivery is also reported to
        (`BNPL_WEBHOOK_DEAD_LETTER_QUEUE_URL`; empty locally).
    poll_interval_s: how often the local sender looks for new events and due deliveries
        (`BNPL_WEBHOOK_POLL_INTERVAL_S`).
    """

    secrets: Literal["dynamodb", "secretsmanager"] = "dynamodb"
    secret_prefix: str = "bnpl/webhooks/"  # noqa: S105 - a name prefix, not a secret
    secrets_kms_key_id: str | None = None
    allow_local: bool = False
    dead_letter_queue_url: str | None = None
    poll_interval_s: float = 0.1

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> WebhookSettings:
        """Read them from `environ` (the process environment by default)."""
        env = os.environ if environ is None else environ
        return cls(
            secrets=_store(env.get("BNPL_WEBHOOK_SECRETS", "dynamodb")),
            secret_prefix=env.get("BNPL_WEBHOOK_SECRET_PREFIX", "bnpl/webhooks/"),
            secrets_kms_key_id=env.get("BNPL_WEBHOOK_SECRETS_KMS_KEY_ID") or None,
            allow_local=_flag(
                env.get("BNPL_WEBHOOKS_ALLOW_LOCAL", "false"), "BNPL_WEBHOOKS_ALLOW_LOCAL"
            ),
            dead_letter_queue_url=env.get("BNPL_WEBHOOK_DEAD_LETTER_QUEUE_URL") or None,
            poll_interval_s=float(env.get("BNPL_WEBHOOK_POLL_INTERVAL_S", "0.1")),
        )
