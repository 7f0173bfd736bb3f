"""What the checkout use cases need of the world: the checkouts and merchants we know, and where
a checkout's changes are announced."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from services.credit.checkouts.domain import Checkout, Merchant


class CheckoutRepository(Protocol):
    """The checkouts we know."""

    def get(self, checkout_id: str) -> Checkout | None:
        """The checkout with this id, or None."""
        ...

    def get_by_reference(self, merchant_id: str, merchant_reference: str) -> Checkout | None:
        """The checkout that claimed this merchant reference, or None."""
        ...

    def add(self, checkout: Checkout) -> bool:
        """Store a new checkout and claim its reference, atomically.

        Returns:
            False, with nothing written, when its id or merchant reference is already taken.
        """
        ...


class MerchantRepository(Protocol):
    """The merchants we know."""

    def get(self, merchant_id: str) -> Merchant | None:
        """The merchant with this id, or None."""
        ...

    def save(self, merchant: Merchant) -> None:
        """Create or replace a merchant."""
        ...


class CheckoutUpdates(Protocol):
    """Where checkout changes are announced."""

    def published(self, checkout: Mapping[str, Any]) -> None:
        """Announce `checkout` (its API JSON); never raises."""
        ...


class NoCheckoutUpdates:
    """Announces nothing (no API configured)."""

    def published(self, checkout: Mapping[str, Any]) -> None:
        del checkout
