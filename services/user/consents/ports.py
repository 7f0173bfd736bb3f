"""What the consent use cases need of storage: every customer's consents, and the bank's
notifications already applied."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from services.user.consents.domain import BankConsent, ConsentStatus
from services.user.consents.notifications import Recorded


class ConsentRepository(Protocol):
    """Every customer's consents, each under its customer."""

    def add(self, consent: BankConsent) -> None:
        """Store a new consent (ids are fresh UUIDs: a clash is a bug, and raises)."""
        ...

    def get(self, customer_id: str, consent_id: str) -> BankConsent | None:
        """The customer's consent with this id; None if they have none by that id."""
        ...

    def list(self, customer_id: str) -> list[BankConsent]:
        """All the customer's consents, in id order."""
        ...

    def transition(self, consent: BankConsent, *, expected: ConsentStatus) -> bool:
        """Store `consent`'s status and timestamps if the stored status is still `expected`.

        Returns:
            False (and nothing written) when another request changed the consent first.
        """
        ...

    def record_notification(
        self,
        notification_id: str,
        consent: BankConsent,
        *,
        expected: ConsentStatus,
        received_at: datetime,
    ) -> Recorded:
        """Remember `notification_id` and store `consent`'s status, both or neither: only if
        no notification of that id was applied before and the stored status is still
        `expected`.

        Returns:
            APPLIED; REPLAYED (the id was seen before: nothing written); CONSENT_CHANGED
            (another request changed the consent first: nothing written).
        """
        ...
