"""What a bank consent's audit stream records: every change of its status, whoever made it.

The customer grants, revokes and reconfirms; the bank authorises or rejects, and may revoke or
expire it later (its signed notification); an expiry that passed is written when next read, by
nobody in particular (`system`). Pure.
"""

from __future__ import annotations

from services.shared.audit.chain import SYSTEM, Change, Json, Subject, stream_of
from services.shared.timestamps import iso_timestamp
from services.user.consents.domain import BankConsent, ConsentStatus

BANK = "bank"  # the actor of the bank's notifications
SEEDED = "consent.seeded"
_ACTIONS = {
    ConsentStatus.AWAITING_AUTHORISATION: "consent.requested",
    ConsentStatus.AUTHORISED: "consent.authorised",
    ConsentStatus.REJECTED: "consent.rejected",
    ConsentStatus.REVOKED: "consent.revoked",
    ConsentStatus.EXPIRED: "consent.expired",
}


def stream(consent: BankConsent) -> str:
    """The consent's audit stream (a consent id is unique under its customer)."""
    return stream_of(Subject.CONSENT, consent.customer_id, consent.id)


def requested(consent: BankConsent) -> Change:
    """A new consent, awaiting the bank's authorisation."""
    return Change(action=_ACTIONS[consent.status], before=None, after=_state(consent))


def transitioned(before: ConsentStatus, consent: BankConsent) -> Change:
    """A status change made through the API (or an expiry noticed on reading)."""
    reconfirmed = before is ConsentStatus.AUTHORISED and consent.status is ConsentStatus.AUTHORISED
    return Change(
        action="consent.reconfirmed" if reconfirmed else _ACTIONS[consent.status],
        before={"status": before.value},
        after=_state(consent),
        actor=SYSTEM if consent.status is ConsentStatus.EXPIRED else None,
    )


def notified(before: ConsentStatus, consent: BankConsent, notification_id: str) -> Change:
    """The bank's notification that it revoked or expired the consent."""
    return Change(
        action=_ACTIONS[consent.status],
        before={"status": before.value},
        after=_state(consent),
        evidence={"notificationId": notification_id},
        actor=BANK,
    )


def seeded(previous: BankConsent | None, consent: BankConsent) -> Change:
    """The local stack's sandbox seeding (re)writing a persona's consent."""
    return Change(
        action=SEEDED,
        before=None if previous is None else {"status": previous.status.value},
        after=_state(consent),
        actor=SYSTEM,
    )


def _state(consent: BankConsent) -> dict[str, Json]:
    permissions: list[Json] = [p.value for p in sorted(consent.permissions)]
    return {
        "status": consent.status.value,
        "permissions": permissions,
        "expiresAt": iso_timestamp(consent.expires_at),
    }
