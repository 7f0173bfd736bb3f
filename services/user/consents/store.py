"""Where open-banking consents are kept: DynamoDB behind the port (`ports`)."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.update import Action

from services.shared.dynamodb import bind
from services.shared.settings import Settings
from services.user.consents.domain import BankConsent, ConsentStatus, Permission
from services.user.models import BankConsentModel

_CONDITION_FAILED = "ConditionalCheckFailedException"


class DynamoConsentRepository:
    """Consents in the `bank_consents` table: hash key the customer, range key the consent."""

    def __init__(self, settings: Settings) -> None:
        self._model = bind(BankConsentModel, settings)

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
