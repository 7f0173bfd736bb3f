"""Where open-banking consents are kept: DynamoDB behind the port (`ports`)."""

from __future__ import annotations

import logging
import time
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from services.shared.dynamodb import bind, connection
from services.shared.errors import DependencyFailure
from services.shared.settings import Settings
from services.user.consents.domain import BankConsent, ConsentStatus, Permission
from services.user.consents.notifications import RETENTION, Recorded
from services.user.models import BankConsentModel, BankNotificationModel

logger = logging.getLogger(__name__)

_CONDITION_FAILED = "ConditionalCheckFailedException"
_TRANSACTION_ATTEMPTS = 3


class DynamoConsentRepository:
    """Consents in the `bank_consents` table: hash key the customer, range key the consent."""

    def __init__(self, settings: Settings) -> None:
        self._model = bind(BankConsentModel, settings)
        self._notifications = bind(BankNotificationModel, settings)
        self._connection = connection(settings)

    def add(self, consent: BankConsent) -> None:
        self._item(consent).save(condition=self._model.id.does_not_exist())

    def put(self, consent: BankConsent) -> None:
        """Store `consent` as given, replacing any of that id (the sandbox seeds its own)."""
        self._item(consent).save()

    def _item(self, consent: BankConsent) -> BankConsentModel:
        return self._model(
            consent.customer_id,
            consent.id,
            status=consent.status.value,
            permissions={p.value for p in consent.permissions},
            created_at=consent.created_at,
            status_updated_at=consent.status_updated_at,
            expires_at=consent.expires_at,
            authorised_at=consent.authorised_at,
            reconfirmed_at=consent.reconfirmed_at,
        )

    def get(self, customer_id: str, consent_id: str) -> BankConsent | None:
        try:
            item = self._model.get(customer_id, consent_id, consistent_read=True)
        except DoesNotExist:
            return None
        return _to_domain(item)

    def list(self, customer_id: str) -> list[BankConsent]:
        return [_to_domain(i) for i in self._model.query(customer_id, consistent_read=True)]

    def transition(self, consent: BankConsent, *, expected: ConsentStatus) -> bool:
        model = self._model
        actions: list[Action] = [
            model.status.set(consent.status.value),
            model.status_updated_at.set(consent.status_updated_at),
        ]
        for attribute, value in (
            (model.authorised_at, consent.authorised_at),
            (model.reconfirmed_at, consent.reconfirmed_at),
        ):
            if value is not None:
                actions.append(attribute.set(value))
        item = model(consent.customer_id, consent.id)
        try:
            # The condition serialises racing changes (two revokes, a revoke and a reconfirm):
            # exactly one of them finds the status it expects.
            item.update(actions=actions, condition=model.status == expected.value)
        except UpdateError as exc:
            if exc.cause_response_code == _CONDITION_FAILED:
                return False
            raise
        return True

    def record_notification(
        self,
        notification_id: str,
        consent: BankConsent,
        *,
        expected: ConsentStatus,
        received_at: datetime,
    ) -> Recorded:
        for attempt in range(_TRANSACTION_ATTEMPTS):
            recorded = self._record_once(
                notification_id, consent, expected=expected, received_at=received_at
            )
            if recorded is not None:
                return recorded
            # DynamoDB cancels a transaction that touches an item another one is writing
            # (TransactionConflict): try again, and the conditions decide once it is done.
            time.sleep(0.02 * (attempt + 1))
        raise DependencyFailure("The bank notification could not be recorded; try again")

    def _record_once(
        self,
        notification_id: str,
        consent: BankConsent,
        *,
        expected: ConsentStatus,
        received_at: datetime,
    ) -> Recorded | None:
        model, notifications = self._model, self._notifications
        record = notifications(
            notification_id,
            consent_id=consent.id,
            received_at=received_at,
            expires_at=received_at + RETENTION,
        )
        try:
            with TransactWrite(connection=self._connection) as transaction:
                # One id, one effect: a second delivery finds the id taken and writes nothing.
                transaction.save(record, condition=notifications.id.does_not_exist())
                # `expected` is a live status (the domain refused anything else): a customer's
                # revocation racing the bank's leaves exactly one of them in place.
                transaction.update(
                    model(consent.customer_id, consent.id),
                    actions=[
                        model.status.set(consent.status.value),
                        model.status_updated_at.set(consent.status_updated_at),
                    ],
                    condition=model.status == expected.value,
                )
        except TransactWriteError as exc:
            if exc.cause_response_code == "TransactionCanceledException":
                reasons = [r.code if r is not None else None for r in exc.cancellation_reasons]
                # A transaction names a failed condition without the "Exception" suffix; the
                # reasons are in the order of the items.
                if reasons[:1] == ["ConditionalCheckFailed"]:
                    return Recorded.REPLAYED
                if reasons[1:2] == ["ConditionalCheckFailed"]:
                    return Recorded.CONSENT_CHANGED
                if "TransactionConflict" in reasons:
                    return None
            logger.warning("bank notification transaction failed: %s", exc.cause_response_code)
            raise DependencyFailure("The data store is unavailable; try again") from None
        return Recorded.APPLIED


def _to_domain(item: BankConsentModel) -> BankConsent:
    return BankConsent(
        id=item.id,
        customer_id=item.customer_id,
        status=ConsentStatus(item.status),
        permissions=frozenset(Permission(p) for p in item.permissions),
        created_at=item.created_at,
        status_updated_at=item.status_updated_at,
        expires_at=item.expires_at,
        authorised_at=item.authorised_at,
        reconfirmed_at=item.reconfirmed_at,
    )
