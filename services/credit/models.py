"""How checkouts and merchants are stored: the credit service's pynamodb models.

`Meta.table_name` is each table's short name; `services.shared.dynamodb.bind` gives the
physical table of an environment.
"""

from __future__ import annotations

import hashlib
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from services.credit.webhooks import models as webhook_models
from services.shared.audit.models import AuditHeadMap


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
    status = UnicodeAttribute()  # CREATED until an offer is accepted (or its hour runs out)
    # Until an offer is accepted, each applicant's latest decision, keyed by `applicant_key`:
    # `{sub, applicationId, outcome}`. A decision writes its own entry only.
    applicants = MapAttribute[str, Any](null=True)  # type: ignore[no-untyped-call]
    customer_id = UnicodeAttribute(null=True)  # the shopper who accepted an offer
    application_id = UnicodeAttribute(null=True)  # the application whose offer was accepted
    plan_id = UnicodeAttribute(null=True)  # the plan of the accepted offer, once CONFIRMED
    captured_amount = NumberAttribute(null=True)  # minor units, once CAPTURED
    refunded_amount = NumberAttribute(null=True)  # minor units refunded by the merchant so far
    expires_at = UTCDateTimeAttribute()
    created_at = UTCDateTimeAttribute()
    confirmation_url = UnicodeAttribute(null=True)  # where the shopper returns after accepting
    cancel_url = UnicodeAttribute(null=True)  # where the shopper returns after cancelling
    # The request taking the first payment holds the checkout while it charges (`leases.py`),
    # for one applicant's application.
    lease_owner = UnicodeAttribute(null=True)
    lease_charge_key = UnicodeAttribute(null=True)
    lease_until = UTCDateTimeAttribute(null=True)
    lease_customer_id = UnicodeAttribute(null=True)
    lease_application_id = UnicodeAttribute(null=True)


def applicant_entries(item: CheckoutModel) -> dict[str, Any] | None:
    """A checkout item's stored `applicants` as plain data; None when it has no map."""
    stored: MapAttribute[str, Any] | None = item.applicants
    if stored is None:
        return None
    entries: dict[str, Any] = stored.as_dict()  # type: ignore[no-untyped-call]
    return entries


def applicant_key(sub: str) -> str:
    """A shopper's key in a checkout's `applicants`: a digest of their sub, so the stored
    attribute name is short and plain whatever the identity provider puts in a sub."""
    return "s" + hashlib.sha256(sub.encode()).hexdigest()[:32]


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
    # The prefixes a checkout's return URLs must fall within (strings); none allows no return URLs.
    redirect_url_prefixes = ListAttribute[str](attr_name="redirectUrlPrefixes", null=True)


class ApplicationsByCustomer(GlobalSecondaryIndex["ApplicationModel"]):  # type: ignore[no-untyped-call]
    """A customer's applications by time."""

    class Meta:
        index_name = "by_customer"
        projection = AllProjection()

    customer_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class ApplicationModel(Model):
    """A credit application, keyed by an id derived from (customer, idempotency key): writing it
    only if absent is the claim on the key. JSON attributes hold the decision's evidence."""

    class Meta:
        table_name = "applications"

    id = UnicodeAttribute(hash_key=True)
    customer_id = UnicodeAttribute()
    checkout_id = UnicodeAttribute()
    status = UnicodeAttribute()  # PENDING | DECIDED
    outcome = UnicodeAttribute(null=True)  # APPROVED | DECLINED | REFERRED once decided
    key_hash = UnicodeAttribute()
    fingerprint = UnicodeAttribute()
    bank_consent_id = UnicodeAttribute(null=True)
    device_id = UnicodeAttribute(null=True)
    source_ip = UnicodeAttribute(null=True)
    amount = NumberAttribute()  # minor units of `currency`
    currency = UnicodeAttribute()
    checkout_expires_at = UTCDateTimeAttribute()
    created_at = UTCDateTimeAttribute()
    attempts = NumberAttribute(default=0)
    lease_owner = UnicodeAttribute(null=True)  # the run holding the workflow, if any...
    lease_until = UTCDateTimeAttribute(null=True)  # ...until then
    steps = JSONAttribute(null=True)
    decision = JSONAttribute(null=True)
    offers = JSONAttribute(null=True)
    # A challenger model's shadow score and would-be decision (`screening.shadow`), written
    # after the decision; never part of it.
    challenger = JSONAttribute(null=True)
    # Its audit stream's head (`services.shared.audit`): the decision, then any review.
    audit_head = AuditHeadMap(null=True)  # type: ignore[no-untyped-call]
    by_customer = ApplicationsByCustomer()


class RecentApplicationsModel(Model):
    """The applications of one customer, device or address in the last day
    (`services.credit.applications.recent`). `subject` is the kind and a digest of the
    identifier; `applications` maps each application's id to `{created_at}`, and on a customer's
    record also `{checkout_id, amount, currency, checkout_expires_at, outcome}`. `version` counts
    the applications added (each is added on the condition that it is unchanged); `expires_at`
    lets DynamoDB drop a record whose newest application no rule looks back to."""

    class Meta:
        table_name = "recent_applications"

    subject = UnicodeAttribute(hash_key=True)
    applications = MapAttribute[str, Any](null=True)  # type: ignore[no-untyped-call]
    version = NumberAttribute(null=True)
    expires_at = TTLAttribute(null=True)


class PlansByCustomer(GlobalSecondaryIndex["PlanModel"]):  # type: ignore[no-untyped-call]
    """A customer's plans by time: `myPlans`, newest first."""

    class Meta:
        index_name = "by_customer"
        projection = AllProjection()

    customer_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class PlanModel(Model):
    """A payment plan with its instalments and payments in one item (`document`, JSON), so one
    conditional write on `version` changes a plan and records its payment together. Payments
    keep the provider's charge id, brand and last four digits only: never a token."""

    class Meta:
        table_name = "plans"

    id = UnicodeAttribute(hash_key=True)
    customer_id = UnicodeAttribute()
    checkout_id = UnicodeAttribute()
    application_id = UnicodeAttribute()
    status = UnicodeAttribute()
    version = NumberAttribute()
    created_at = UTCDateTimeAttribute()
    document = JSONAttribute()
    # The payment in progress holds the plan while it charges (`leases.py`).
    lease_owner = UnicodeAttribute(null=True)
    lease_charge_key = UnicodeAttribute(null=True)
    lease_until = UTCDateTimeAttribute(null=True)
    # Its audit stream's head (`services.shared.audit`): every money move on it and its checkout.
    audit_head = AuditHeadMap(null=True)  # type: ignore[no-untyped-call]
    by_customer = PlansByCustomer()


class PlanRequestModel(Model):
    """The idempotency record of one money-moving request, keyed by (caller, key) digested:
    what was asked (a fingerprint, never the token) and the plan and payment it made.

    A merchant's request also keeps its answer (`result`) and, until they are made, the refunds
    it owes the customer (`refunds_due`). A request that died holding a lease is recorded as
    `abandoned` once its charge is given back, so a late retry cannot use that charge."""

    class Meta:
        table_name = "plan_requests"

    id = UnicodeAttribute(hash_key=True)
    customer_id = UnicodeAttribute()  # the caller: a customer's sub or `merchant:<id>`
    fingerprint = UnicodeAttribute()
    plan_id = UnicodeAttribute()
    payment_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    result = JSONAttribute(null=True)
    refunds_due = JSONAttribute(null=True)
    abandoned = BooleanAttribute(null=True)


class CreditEventModel(Model):
    """The local event outbox: one `PutEvents` entry per item (EventBridge stands here in AWS)."""

    class Meta:
        table_name = "credit_event_outbox"

    id = UnicodeAttribute(hash_key=True)
    source = UnicodeAttribute()
    detail_type = UnicodeAttribute()
    detail = UnicodeAttribute()  # JSON text, as EventBridge takes it
    event_bus_name = UnicodeAttribute()
    time = UTCDateTimeAttribute()


class SandboxChargeModel(Model):
    """A charge of the sandbox card network (local only: it plays the network's part), keyed by
    its charge id, a function of our idempotency key. A one-way fingerprint of the request,
    never the token; `refunded` counts minor units given back so far."""

    class Meta:
        table_name = "sandbox_charges"

    id = UnicodeAttribute(hash_key=True)
    fingerprint = UnicodeAttribute()
    status = UnicodeAttribute()  # SUCCEEDED | FAILED
    amount = NumberAttribute()  # minor units of `currency`
    currency = UnicodeAttribute()
    brand = UnicodeAttribute()
    last4 = UnicodeAttribute()
    failure_code = UnicodeAttribute(null=True)
    refunded = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()


class SandboxRefundModel(Model):
    """A refund of the sandbox card network (local only), keyed by its idempotency key."""

    class Meta:
        table_name = "sandbox_refunds"

    idempotency_key = UnicodeAttribute(hash_key=True)
    fingerprint = UnicodeAttribute()
    refund_id = UnicodeAttribute()
    charge_id = UnicodeAttribute()
    amount = NumberAttribute()  # minor units of `currency`
    currency = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()


MODELS: tuple[type[Model], ...] = (
    CheckoutModel,
    CheckoutReferenceModel,
    MerchantModel,
    ApplicationModel,
    RecentApplicationsModel,
    PlanModel,
    PlanRequestModel,
    *webhook_models.MODELS,
)
# Tables only the local stack has (in AWS, EventBridge carries the events, a card network
# keeps the charges).
LOCAL_MODELS: tuple[type[Model], ...] = (
    CreditEventModel,
    SandboxChargeModel,
    SandboxRefundModel,
    *webhook_models.LOCAL_MODELS,
)


def lease_removal(model: Any) -> list[Any]:
    """The actions that remove an item's lease (and, on a checkout, whose it was)."""
    actions = [
        model.lease_owner.remove(),
        model.lease_charge_key.remove(),
        model.lease_until.remove(),
    ]
    if issubclass(model, CheckoutModel):
        actions += [model.lease_customer_id.remove(), model.lease_application_id.remove()]
    return actions
