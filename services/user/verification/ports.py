"""What the verification use cases need of storage: the customers' challenges (each change a
race could get wrong is one conditional write in the store)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from services.user.verification.domain import (
    Challenge,
)


class ChallengeRepository(Protocol):
    """The customers' verification challenges."""

    def started(self, customer_id: str) -> dict[int, datetime]:
        """When the challenge in each of the customer's occupied slots was created."""
        ...

    def claim(self, challenge: Challenge, *, now: datetime) -> bool:
        """Store a new challenge in its slot unless the slot holds one from the last hour.

        False (nothing written) when another start took the slot first.
        """
        ...

    def mark_open(self, challenge: Challenge) -> None:
        """The code was handed to the provider: the challenge may now be confirmed."""
        ...

    def release(self, challenge: Challenge) -> None:
        """Forget a challenge whose code could not be sent (its slot is free again)."""
        ...

    def get(self, customer_id: str, challenge_id: str) -> Challenge | None:
        """The customer's challenge with this id, or None."""
        ...

    def count_wrong_attempt(self, challenge: Challenge, *, now: datetime) -> int | None:
        """Count one wrong code, atomically; the attempts made so far, or None when the
        challenge could no longer take attempts (used, locked, expired) by the time we wrote."""
        ...

    def use(self, challenge: Challenge, *, now: datetime) -> bool:
        """Mark the challenge used and its customer VERIFIED, together; False (nothing written)
        when the challenge was used, locked or expired first."""
        ...

    def mark_pending(self, customer_id: str) -> None:
        """An UNVERIFIED customer becomes PENDING; any other status is left alone."""
        ...
