"""How checkouts and merchants are stored: the credit service's pynamodb models.

`Meta.table_name` is each table's short name; `services.shared.dynamodb.bind` gives the
physical table of an environment.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.models import Model


class LineItemMap(MapAttribute[str, Any]):
    """One order line inside a checkout item; prices in minor units."""

    sku = UnicodeAttribute()
    name = UnicodeAttribute()
    quantity = NumberAttribute()
    unit_amount = NumberAttribute()
    currency = UnicodeAttribute()


class CheckoutModel(Model):
    """A checkout, keyed by its id."""

    class Meta:
        table_name = "checkouts"

    id = UnicodeAttribute(hash_key=True)
    merchant_id = UnicodeAttribute()
    merchant_reference = UnicodeAttribute()
    amount = NumberAttribute()  # minor units of `currency`
    currency = UnicodeAttribute()
    items = ListAttribute(of=LineItemMap)
    status = UnicodeAttribute()
    customer_id = UnicodeAttribute(null=True)
    expires_at = UTCDateTimeAttribute()
    created_at = UTCDateTimeAttribute()


class CheckoutReferenceModel(Model):
    """Claims `{merchantId}#{merchantReference}` for one checkout, so a reference is used once."""

    class Meta:
        table_name = "checkout_references"

    merchant_reference_key = UnicodeAttribute(hash_key=True)
    checkout_id = UnicodeAttribute()


class MerchantModel(Model):
    """A merchant and the IAM principals (user or role ARNs) allowed to act for it."""

    class Meta:
        table_name = "merchants"

    id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    principal_arns = UnicodeSetAttribute()


MODELS: tuple[type[Model], ...] = (CheckoutModel, CheckoutReferenceModel, MerchantModel)
