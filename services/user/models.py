"""How customers are stored: the pynamodb model of the `customers` table.

`Meta.table_name` is the table's short name; `services.shared.dynamodb.bind` gives the physical
table of an environment.
"""

from __future__ import annotations

from pynamodb.attributes import (
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.models import Model

from services.shared.audit.models import AuditHeadMap


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


class VerificationChallengeModel(Model):
    """One verification challenge, in one of its customer's rate-limit slots (0-4).

    Keying by slot is what enforces "at most 5 an hour": a new challenge may only overwrite a slot
    whose challenge is over an hour old (a conditional put). The code is stored only as a salted
    scrypt hash; `ttl` lets DynamoDB drop the item once it no longer counts against the limit.
    """

    class Meta:
        table_name = "verification_challenges"

    customer_id = UnicodeAttribute(hash_key=True)
    slot = NumberAttribute(range_key=True)
    challenge_id = UnicodeAttribute()
    channel = UnicodeAttribute()
    destination_hint = UnicodeAttribute()
    salt = UnicodeAttribute()  # hex
    code_hash = UnicodeAttribute()  # hex
    status = UnicodeAttribute()
    attempts = NumberAttribute()
    created_at = UTCDateTimeAttribute()
    expires_at = UTCDateTimeAttribute()
    ttl = TTLAttribute()


class BankConsentModel(Model):
    """One open-banking consent, under its customer: a customer's consents are one query away,
    and a consent id from another customer simply finds nothing."""

    class Meta:
        table_name = "bank_consents"

    customer_id = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)
    status = UnicodeAttribute()
    permissions = UnicodeSetAttribute()
    created_at = UTCDateTimeAttribute()
    status_updated_at = UTCDateTimeAttribute()
    expires_at = UTCDateTimeAttribute()
    authorised_at = UTCDateTimeAttribute(null=True)
    reconfirmed_at = UTCDateTimeAttribute(null=True)
    # Its audit stream's head (`services.shared.audit`): every change of its status.
    audit_head = AuditHeadMap(null=True)  # type: ignore[no-untyped-call]


class BankNotificationModel(Model):
    """One consent notification from the bank, by its `webhook-id`: a notification is applied
    once, whatever the number of deliveries. `expires_at` lets DynamoDB drop the record once no
    retry of the bank could still bring it (`RETENTION` in `consents.notifications`)."""

    class Meta:
        table_name = "bank_notifications"

    id = UnicodeAttribute(hash_key=True)
    consent_id = UnicodeAttribute()
    received_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()


MODELS: tuple[type[Model], ...] = (
    CustomerModel,
    VerificationChallengeModel,
    BankConsentModel,
    BankNotificationModel,
)
