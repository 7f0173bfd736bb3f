"""How customers are stored: the pynamodb model of the `customers` table.

`Meta.table_name` is the table's short name; `services.shared.dynamodb.bind` gives the physical
table of an environment.
"""

from __future__ import annotations

from pynamodb.attributes import MapAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model


class AddressMap(MapAttribute[str, str]):
    """A postal address, stored as a map inside the customer item."""

    line1 = UnicodeAttribute()
    line2 = UnicodeAttribute(null=True)
    city = UnicodeAttribute()
    postcode = UnicodeAttribute()
    country = UnicodeAttribute()


class CustomerModel(Model):
    """One customer profile, keyed by the subject of the customer's sign-in token."""

    class Meta:
        table_name = "customers"

    id = UnicodeAttribute(hash_key=True)
    email = UnicodeAttribute(null=True)
    given_name = UnicodeAttribute()
    family_name = UnicodeAttribute()
    # ISO `YYYY-MM-DD`: a calendar date, with no time zone to get wrong.
    date_of_birth = UnicodeAttribute()
    phone = UnicodeAttribute(null=True)
    address = AddressMap(null=True)  # type: ignore[no-untyped-call]  # untyped __init__
    verification_status = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()


MODELS: tuple[type[Model], ...] = (CustomerModel,)
