"""The user service's use cases: register, read and change the signed-in customer's profile."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.shared.errors import NotFound, ValidationError
from services.shared.timestamps import utc_now
from services.user.customers.domain import Customer, parse_changes, parse_registration
from services.user.customers.ports import CustomerRepository


@dataclass(frozen=True)
class Registration:
    """The outcome of a registration: the profile, and whether this call created it."""

    customer: Customer
    created: bool


class UserService:
    """Customers' own profiles. Every method acts for one signed-in customer (their `sub`).

    Example:
        >>> service = UserService(repository=DynamoCustomerRepository(settings))  # doctest: +SKIP
        >>> service.me(customer_id="sub-123")  # doctest: +SKIP
    """

    def __init__(
        self, *, repository: CustomerRepository, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self._repository = repository
        self._clock = clock

    def me(self, *, customer_id: str) -> Customer:
        """The customer's profile.

        Raises:
            NotFound: they have not registered yet.
        """
        customer = self._repository.get(customer_id)
        if customer is None:
            raise NotFound("Customer is not registered")
        return customer

    def register(
        self, *, customer_id: str, email: str | None, payload: Mapping[str, Any]
    ) -> Registration:
        """Create the customer's profile; registering again returns the existing one unchanged.

        Args:
            customer_id: the token's `sub`.
            email: the token's `email` claim; a profile is never created without one.
            payload: the decoded request body.

        Raises:
            ValidationError: invalid input, or a token without an email.
        """
        now = self._clock()
        profile = parse_registration(payload, today=now.astimezone(UTC).date())
        existing = self._repository.get(customer_id)
        if existing is not None:
            return Registration(existing, created=False)
        if not email:
            raise ValidationError(
                "The sign-in token carries no email claim; sign in with an id token",
                field="email",
            )
        customer = Customer.register(
            customer_id=customer_id, email=email, profile=profile, created_at=now
        )
        if self._repository.add(customer):
            return Registration(customer, created=True)
        # Another request registered this customer between our read and our write.
        winner = self._repository.get(customer_id)
        assert winner is not None, "a conditional put failed, so the item exists"
        return Registration(winner, created=False)

    def update(self, *, customer_id: str, payload: Mapping[str, Any]) -> Customer:
        """Change any subset of the profile's fields.

        Raises:
            ValidationError: invalid input (nothing is written).
            NotFound: the customer has not registered.
        """
        changes = parse_changes(payload, today=self._clock().astimezone(UTC).date())
        return self._repository.update(customer_id, changes)
