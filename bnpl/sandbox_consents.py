"""Sandbox open-banking consents: each shopper persona has one, so issue 5's pre-screening can
read their bank data straight away.

Ids are `sandbox-consent-<persona>` (`sandbox-consent-approve`, `-decline`, `-refer`, `-thin`:
AUTHORISED; `sandbox-consent-fraud`: REJECTED, as the sandbox bank refuses that persona).
"""

from __future__ import annotations

from services.shared.errors import InvalidState
from services.shared.settings import Settings
from services.shared.timestamps import utc_now
from services.user.consents.domain import BankConsent, ConsentRequest, Permission, parse_grant
from services.user.consents.store import DynamoConsentRepository
from services.user.sandbox_bank.bank import REJECTED_CUSTOMERS, SandboxBank

# What affordability needs (credit.md §7.1), and no more.
SANDBOX_PERMISSIONS = (
    Permission.READ_ACCOUNTS_BASIC.value,
    Permission.READ_BALANCES.value,
    Permission.READ_TRANSACTIONS_DETAIL.value,
    Permission.READ_TRANSACTIONS_CREDITS.value,
    Permission.READ_TRANSACTIONS_DEBITS.value,
)


def sandbox_consent_id(persona_name: str) -> str:
    """The id of a persona's seeded consent."""
    return f"sandbox-consent-{persona_name}"


def seed_bank_consents(settings: Settings, personas: dict[str, str]) -> list[str]:
    """Give each persona (name → sub) its consent, authorised (or rejected) by the sandbox bank.

    A seeded consent that still works is left alone; one that no longer gives access (revoked,
    expired, awaiting reconfirmation) is replaced, so every start of the stack has usable ones.

    Returns:
        The ids of the consents written by this run.
    """
    repository = DynamoConsentRepository(settings)
    bank = SandboxBank()
    now = utc_now()
    written = []
    for name, sub in personas.items():
        consent_id = sandbox_consent_id(name)
        existing = repository.get(sub, consent_id)
        rejected = sub in REJECTED_CUSTOMERS
        if existing is not None and (rejected or _usable(existing)):
            continue
        request: ConsentRequest = parse_grant(
            {"permissions": list(SANDBOX_PERMISSIONS)},
            now=now,
            max_duration=bank.max_consent_duration,
        )
        pending = BankConsent.request(
            consent_id=consent_id, customer_id=sub, request=request, now=now
        )
        decided = pending.authorise(now) if bank.authorise(pending) else pending.reject(now)
        repository.put(decided)
        written.append(consent_id)
    return written


def _usable(consent: BankConsent) -> bool:
    try:
        consent.check_data_access(utc_now())
    except InvalidState:
        return False
    return True
