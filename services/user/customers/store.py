"""Where customers are kept: DynamoDB behind the port (`ports`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.update import Action

from services.shared.dynamodb import bind
from services.shared.errors import NotFound
from services.shared.settings import Settings
from services.user.customers.domain import Address, Customer, ProfileChanges, VerificationStatus
from services.user.models import AddressMap, CustomerModel

_CONDITION_FAILED = "ConditionalCheckFailedException"


class DynamoCustomerRepository:
    """Customers in the `customers` table, one item per customer."""

    def __init__(self, settings: Settings) -> None:
        self._model = bind(CustomerModel, settings)

    def get(self, customer_id: str) -> Customer | None:
        """The customer with this id, or None (strongly consistent: a read after a write)."""
        try:
            item = self._model.get(customer_id, consistent_read=True)
        except DoesNotExist:
            return None
        return to_domain(item)

    def add(self, customer: Customer) -> bool:
        """Store a new customer unless the id is taken (a conditional put: races are safe)."""
        item = to_item(self._model, customer)
        try:
            # The condition makes registration idempotent under concurrency: of two racing
            # registrations of one sub, exactly one writes.
            item.save(condition=self._model.id.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == _CONDITION_FAILED:
                return False
            raise
        return True

    def update(self, customer_id: str, changes: ProfileChanges) -> Customer:
        """Update only the changed attributes, atomically, and only if the customer exists."""
        model = self._model
        actions: list[Action] = []
        for name, value in changes.values.items():
            attribute = getattr(model, name)
            stored = _stored_value(value)
            actions.append(attribute.remove() if stored is None else attribute.set(stored))
        if not actions:
            found = self.get(customer_id)
            if found is None:
                raise NotFound("Customer is not registered")
            return found
        item = model(customer_id)
        try:
            item.update(actions=actions, condition=model.id.exists())
        except UpdateError as exc:
            if exc.cause_response_code == _CONDITION_FAILED:
                raise NotFound("Customer is not registered") from None
            raise
        return to_domain(item)


def _stored_value(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Address):
        return _address_map(value)
    return value


def _address_map(address: Address) -> AddressMap:
    return AddressMap(  # type: ignore[no-untyped-call]  # pynamodb's __init__ is untyped
        line1=address.line1,
        line2=address.line2,
        city=address.city,
        postcode=address.postcode,
        country=address.country,
    )


def to_item(model: type[CustomerModel], customer: Customer) -> CustomerModel:
    """The stored item of a customer."""
    return model(
        customer.id,
        email=customer.email,
        given_name=customer.given_name,
        family_name=customer.family_name,
        date_of_birth=customer.date_of_birth.isoformat(),
        phone=customer.phone,
        address=_address_map(customer.address) if customer.address else None,
        verification_status=customer.verification_status.value,
        created_at=customer.created_at,
    )


def to_domain(item: CustomerModel) -> Customer:
    """The customer a stored item describes."""
    address = item.address
    return Customer(
        id=item.id,
        email=item.email,
        given_name=item.given_name,
        family_name=item.family_name,
        date_of_birth=date.fromisoformat(item.date_of_birth),
        phone=item.phone,
        address=Address(
            line1=address.line1,
            line2=address.line2,
            city=address.city,
            postcode=address.postcode,
            country=address.country,
        )
        if address is not None
        else None,
        verification_status=VerificationStatus(item.verification_status),
        created_at=item.created_at,
    )
