"""What the consent use cases need of storage: every customer's consents."""

from __future__ import annotations

from typing import Protocol

from services.user.consents.domain import BankConsent, ConsentStatus


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
