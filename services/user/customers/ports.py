"""What the customer use cases need of storage: the customers we know."""

from __future__ import annotations

from typing import Protocol

from services.user.customers.domain import Customer, ProfileChanges


class CustomerRepository(Protocol):
    """The customers we know."""

    def get(self, customer_id: str) -> Customer | None:
        """The customer with this id, or None."""
        ...

    def add(self, customer: Customer) -> bool:
        """Store a new customer; False (and nothing written) when the id is already taken."""
        ...

    def update(self, customer_id: str, changes: ProfileChanges) -> Customer:
        """Apply `changes` to a stored customer and return the result.

        Raises:
            NotFound: no customer has this id.
        """
        ...
