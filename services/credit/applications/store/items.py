"""A credit application as its item in the `applications` table, and back."""

from __future__ import annotations

from services.credit.applications.domain import ApplicationStatus, CreditApplication
from services.credit.models import ApplicationModel
from services.shared.money import Money


def to_item(model: type[ApplicationModel], application: CreditApplication) -> ApplicationModel:
    """The stored item of an application."""
    return model(
        application.id,
        customer_id=application.customer_id,
        checkout_id=application.checkout_id,
        status=application.status.value,
        outcome=application.outcome,
        key_hash=application.key_hash,
        fingerprint=application.fingerprint,
        bank_consent_id=application.bank_consent_id,
        device_id=application.device_id,
        source_ip=application.source_ip,
        amount=application.amount.amount,
        currency=application.amount.currency,
        checkout_expires_at=application.checkout_expires_at,
        created_at=application.created_at,
        attempts=application.attempts,
        lease_until=application.lease_until,
        steps=[dict(s) for s in application.steps],
        decision=None if application.decision is None else dict(application.decision),
        offers=[dict(o) for o in application.offers],
    )


def to_domain(item: ApplicationModel) -> CreditApplication:
    """The application a stored item describes."""
    return CreditApplication(
        id=item.id,
        customer_id=item.customer_id,
        checkout_id=item.checkout_id,
        status=ApplicationStatus(item.status),
        key_hash=item.key_hash,
        fingerprint=item.fingerprint,
        bank_consent_id=item.bank_consent_id,
        device_id=item.device_id,
        source_ip=item.source_ip,
        amount=Money(int(item.amount), item.currency),
        checkout_expires_at=item.checkout_expires_at,
        created_at=item.created_at,
        attempts=int(item.attempts or 0),
        lease_until=item.lease_until if item.lease_owner else None,
        steps=tuple(item.steps or ()),
        decision=item.decision,
        offers=tuple(item.offers or ()),
    )
