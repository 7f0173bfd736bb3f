"""The sandbox bank's consent notifications in the local stack: its webhook secret, and
`bnpl bank revoke|expire <consentId>`, which tells the user service, as a real bank would, that
the bank revoked or expired a consent.

The secret is made once and kept in the data folder (`bank-webhook-secret`, 0600): `bnpl dev`
hands it to the user service as `BNPL_BANK_WEBHOOK_SECRET` and `bnpl bank` signs with it, so the
two agree with nothing to configure. `BNPL_BANK_WEBHOOK_SECRET` in the environment wins over the
file, for both. `bnpl reset` keeps the file, as it keeps the dev signing key: it holds no sandbox
state.
"""

from __future__ import annotations

import base64
import os
import secrets
import sys
import tempfile
from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path

import httpx
from pynamodb.exceptions import PynamoDBException

from bnpl.commands import UsageError, dev_settings, local_environment
from services.shared.dynamodb import bind
from services.shared.settings import Settings
from services.shared.timestamps import utc_now
from services.user.consents.notifications import NotificationType
from services.user.consents.store import DynamoConsentRepository
from services.user.models import BankConsentModel
from services.user.sandbox_bank.notifications import consent_notification_body, sign_notification

SECRET_FILE = "bank-webhook-secret"  # noqa: S105 - a file name
SECRET_ENV = "BNPL_BANK_WEBHOOK_SECRET"  # noqa: S105 - a variable name
NOTIFICATIONS_PATH = "/bank/notifications"
# `bnpl bank <action>` → what the bank says happened.
ACTIONS = {
    "revoke": NotificationType.CONSENT_REVOKED,
    "expire": NotificationType.CONSENT_EXPIRED,
}


def dev_webhook_secret(data_dir: Path) -> str:
    """The local stack's bank webhook secret (`whsec_` and 32 random bytes in base64), kept in
    `<data_dir>/bank-webhook-secret` and made there, readable by its owner only, on first use.

    Raises:
        ValueError: the file holds no `whsec_` secret (delete it to get a new one).
    """
    path = data_dir / SECRET_FILE
    if not path.exists():
        _create_secret_file(path)
    secret = path.read_text(encoding="utf-8").strip()
    if not secret.startswith("whsec_") or len(secret) <= len("whsec_"):
        raise ValueError(f"{path} holds no whsec_ secret; delete it to get a new one")
    return secret


def bank_webhook_secret(data_dir: Path, environ: Mapping[str, str] | None = None) -> str:
    """`BNPL_BANK_WEBHOOK_SECRET` if the environment sets it, else the data folder's secret."""
    env = os.environ if environ is None else environ
    return env.get(SECRET_ENV) or dev_webhook_secret(data_dir)


def _create_secret_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")
    # A private (0600) temporary file, hard-linked into place: if another process (`bnpl dev` and
    # `bnpl bank` at once) made the secret first, the link fails and both use the first one;
    # nobody ever reads a half-written secret.
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{SECRET_FILE}-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secret + "\n")
        with suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        os.unlink(temporary)


def send_consent_notification(
    user_service_url: str,
    secret: str,
    consent_id: str,
    customer_id: str,
    kind: NotificationType,
    *,
    timeout_s: float = 5.0,
) -> httpx.Response:
    """Sign and POST the bank's notification that `consent_id` was revoked or expired.

    Returns:
        The user service's answer: 204 when applied or when there was nothing to apply.

    Raises:
        httpx.TransportError: the user service could not be reached.
    """
    now = utc_now()
    body = consent_notification_body(
        kind, consent_id=consent_id, customer_id=customer_id, occurred_at=now
    )
    signed = sign_notification(secret, body, signed_at=now)
    return httpx.post(
        f"{user_service_url.rstrip('/')}{NOTIFICATIONS_PATH}",
        content=signed.body,
        headers=signed.headers,
        timeout=timeout_s,
    )


def consent_customer(settings: Settings, consent_id: str) -> str | None:
    """The customer whose consent `consent_id` is, as the bank knows; None if nobody's.

    Consents are stored under their customer, so this reads the whole (local) table: a tool for
    the sandbox, never a service's query.
    """
    model = bind(BankConsentModel, settings)
    for item in model.scan(model.id == consent_id, consistent_read=True):
        return str(item.customer_id)
    return None


def run(*, action: str, consent_id: str, customer_id: str | None = None) -> int:
    """`bnpl bank revoke|expire <consentId>`: the sandbox bank notifies the user service.

    Args:
        action: `revoke` or `expire`.
        customer_id: the consent's customer; looked up in the stack's consents by default.

    Returns:
        0 when the user service accepted the notification, 1 when the stack cannot be reached
        or refused it.
    """
    kind = ACTIONS.get(action)
    if kind is None:
        raise UsageError(f"{action!r} is not one of {', '.join(ACTIONS)}")
    local = dev_settings()
    environ = local.service_environ()
    settings = Settings.from_environ({**os.environ, **environ})
    try:
        secret = bank_webhook_secret(local.data_dir)
    except ValueError as exc:
        sys.stderr.write(f"bnpl bank: {exc}\n")
        return 1
    try:
        # botocore reads the (fake, local) credentials from the process environment.
        with local_environment(environ):
            customer_id = customer_id or consent_customer(settings, consent_id)
    except PynamoDBException as exc:
        sys.stderr.write(
            f"bnpl bank: cannot read {settings.table_name('bank_consents')} at "
            f"{settings.dynamodb_endpoint} ({exc.msg}); is `bnpl dev` up?\n"
        )
        return 1
    if customer_id is None:
        sys.stderr.write(f"bnpl bank: no consent {consent_id!r} in the local stack\n")
        return 1
    try:
        response = send_consent_notification(
            settings.user_service_url, secret, consent_id, customer_id, kind
        )
    except httpx.TransportError as exc:
        sys.stderr.write(
            f"bnpl bank: cannot reach the user service at {settings.user_service_url} ({exc}); "
            "is `bnpl dev` up?\n"
        )
        return 1
    if response.status_code != 204:
        sys.stderr.write(
            f"bnpl bank: the user service answered {response.status_code}: {response.text}\n"
        )
        return 1
    with local_environment(environ):
        consent = DynamoConsentRepository(settings).get(customer_id, consent_id)
    status = consent.status.value if consent is not None else "unknown"
    sys.stdout.write(f"sent {kind.value} for consent {consent_id}: it is {status}\n")
    return 0
