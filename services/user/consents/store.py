"""Where open-banking consents are kept: DynamoDB behind the port (`ports`).

Every write of a consent carries its audit entry (`consents.audit`) in the same transaction, and
the item keeps its stream's head.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.update import Action

from services.shared.audit.chain import Head
from services.shared.audit.store import (
    AuditedTransactWrite,
    AuditLog,
    collided,
    head_action,
    head_of,
    head_value,
    transact,
)
from services.shared.dynamodb import bind, connection
from services.shared.errors import DependencyFailure
from services.shared.settings import Settings
from services.user.consents import audit
from services.user.consents.domain import BankConsent, ConsentStatus, Permission
from services.user.consents.notifications import RETENTION, Recorded
from services.user.models import BankConsentModel, BankNotificationModel

logger = logging.getLogger(__name__)

_CONDITION_FAILED = "ConditionalCheckFailed"
_CONFLICT = "TransactionConflict"
_TRANSACTION_ATTEMPTS = 3


class DynamoConsentRepository:
    """Consents in the `bank_consents` table: hash key the customer, range key the consent."""

    def __init__(self, settings: Settings) -> None:
        self._model = bind(BankConsentModel, settings)
        self._notifications = bind(BankNotificationModel, settings)
        self._connection = connection(settings)
        self._audit = AuditLog(settings)

    def add(self, consent: BankConsent) -> None:
        change = audit.requested(consent)

        def write(transaction: AuditedTransactWrite) -> None:
            entry = self._audit.entry(audit.stream(consent), change, Head())
            item = self._item(consent)
            item.audit_head = head_value(entry)
            transaction.save(item, condition=self._model.id.does_not_exist())
            self._audit.stage(transaction, entry)

        self._transact(write)

    def put(self, consent: BankConsent) -> None:
        """Store `consent` as given, replacing any of that id (the sandbox seeds its own); its
        audit stream goes on from the replaced consent's."""

        def write(transaction: AuditedTransactWrite) -> None:
            try:
                previous = self._model.get(consent.customer_id, consent.id, consistent_read=True)
            except DoesNotExist:
                previous = None
            head = Head() if previous is None else head_of(previous)
            change = audit.seeded(None if previous is None else _to_domain(previous), consent)
            entry = self._audit.entry(audit.stream(consent), change, head)
            item = self._item(consent)
            item.audit_head = head_value(entry)
            transaction.save(item)
            self._audit.stage(transaction, entry)

        self._transact(write)

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
        change = audit.transitioned(expected, consent)

        def write(transaction: AuditedTransactWrite) -> None:
            head = self._audit.head(model, consent.customer_id, consent.id)
            entry = self._audit.entry(audit.stream(consent), change, head)
            # The condition serialises racing changes (two revokes, a revoke and a reconfirm):
            # exactly one of them finds the status it expects.
            transaction.update(
                model(consent.customer_id, consent.id),
                actions=[*actions, head_action(model, entry)],
                condition=model.status == expected.value,
            )
            self._audit.stage(transaction, entry)

        try:
            self._transact(write)
        except TransactWriteError as exc:
            if _reasons(exc)[:1] == [_CONDITION_FAILED]:
                return False
            raise DependencyFailure("The data store is unavailable; try again") from exc
        return True

    def _transact(self, write: Callable[[AuditedTransactWrite], None]) -> None:
        """Commit `write`'s items; again on a fresh head after a race (`audit.store.transact`)."""
        transact(self._connection, write)

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
        try:
            head = self._audit.head(model, consent.customer_id, consent.id)
        except DependencyFailure:
            return None
        entry = self._audit.entry(
            audit.stream(consent), audit.notified(expected, consent, notification_id), head
        )
        record = notifications(
            notification_id,
            consent_id=consent.id,
            received_at=received_at,
            expires_at=received_at + RETENTION,
        )
        transaction = AuditedTransactWrite(connection=self._connection)
        try:
            with transaction:
                # One id, one effect: a second delivery finds the id taken and writes nothing.
                transaction.save(record, condition=notifications.id.does_not_exist())
                # `expected` is a live status (the domain refused anything else): a customer's
                # revocation racing the bank's leaves exactly one of them in place.
                transaction.update(
                    model(consent.customer_id, consent.id),
                    actions=[
                        model.status.set(consent.status.value),
                        model.status_updated_at.set(consent.status_updated_at),
                        head_action(model, entry),
                    ],
                    condition=model.status == expected.value,
                )
                self._audit.stage(transaction, entry)
        except TransactWriteError as exc:
            if exc.cause_response_code == "TransactionCanceledException":
                reasons = _reasons(exc)
                # A transaction names a failed condition without the "Exception" suffix; the
                # reasons are in the order of the items.
                if reasons[:1] == [_CONDITION_FAILED]:
                    return Recorded.REPLAYED
                if reasons[1:2] == [_CONDITION_FAILED]:
                    return Recorded.CONSENT_CHANGED
                if _CONFLICT in reasons or collided(exc, transaction):
                    return None
            logger.warning("bank notification transaction failed: %s", exc.cause_response_code)
            raise DependencyFailure("The data store is unavailable; try again") from None
        return Recorded.APPLIED


def _reasons(exc: TransactWriteError) -> list[str | None]:
    return [reason.code if reason is not None else None for reason in exc.cancellation_reasons]


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
