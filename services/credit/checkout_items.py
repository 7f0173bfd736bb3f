"""A checkout as the tables hold it: the item codec every store that writes checkout items shares.

The stores of checkouts, applications, plans and leases all write checkout items, in their own
DynamoDB transactions, so the codec lives beside the tables (`models.py`) rather than in one
domain's store.

A checkout's applicants are a map on its item (`CheckoutModel.applicants`). Checkouts stored
before checkouts took several applicants hold their one applicant's decision as the checkout's
own status and customer; they are read as unbound checkouts with that one applicant, and a
write that needs the map gives them one first (`adopt_single_applicant`).
"""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from services.credit.checkouts.domain import OUTCOMES, Applicant, Checkout, CheckoutStatus, LineItem
from services.credit.checkouts.redirects import ReturnUrls
from services.credit.models import CheckoutModel, LineItemMap, applicant_entries, applicant_key
from services.shared.errors import DependencyFailure
from services.shared.money import Money

# Stored statuses of a checkout nobody has accepted an offer on: CREATED, or one applicant's
# outcome as checkouts kept it before they took several applicants.
UNBOUND = (CheckoutStatus.CREATED.value, *(outcome.value for outcome in OUTCOMES))


def adopt_single_applicant(model: type[CheckoutModel], checkout_id: str) -> bool:
    """Give an unbound checkout stored without `applicants` its map, holding the one applicant
    it had, and CREATED as its stored status: what decisions and acceptances write to.

    Returns:
        True when the checkout has its map now (given here or meanwhile); False when it needed
        none (it has one, is bound, or lapsed) or is gone.
    """
    try:
        item = model.get(checkout_id, consistent_read=True)
    except DoesNotExist:
        return False
    if applicant_entries(item) is not None or item.plan_id or item.status not in UNBOUND:
        return False
    checkout = to_domain(item)
    actions: list[Any] = [model.applicants.set(_entries(checkout))]
    if item.status != CheckoutStatus.CREATED.value:
        actions += [
            model.status.set(CheckoutStatus.CREATED.value),
            model.customer_id.remove(),
            model.application_id.remove(),
        ]
    try:
        item.update(
            actions=actions,
            condition=model.applicants.does_not_exist()
            & (model.status == item.status)
            & model.plan_id.does_not_exist(),
        )
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise DependencyFailure("Could not update the checkout; nothing was written") from exc
    return True


def to_item(model: type[CheckoutModel], checkout: Checkout) -> CheckoutModel:
    """The stored item of a checkout."""
    return model(
        checkout.id,
        merchant_id=checkout.merchant_id,
        merchant_reference=checkout.merchant_reference,
        amount=checkout.amount.amount,
        currency=checkout.amount.currency,
        items=[
            LineItemMap(  # type: ignore[no-untyped-call]  # pynamodb's __init__ is untyped
                sku=item.sku,
                name=item.name,
                quantity=item.quantity,
                unit_amount=item.unit_price.amount,
                currency=item.unit_price.currency,
            )
            for item in checkout.items
        ],
        status=checkout.status.value,
        applicants=_entries(checkout),
        customer_id=checkout.customer_id,
        application_id=checkout.application_id,
        plan_id=checkout.plan_id,
        captured_amount=checkout.captured.amount if checkout.captured else None,
        refunded_amount=checkout.refunded.amount if checkout.refunded else None,
        expires_at=checkout.expires_at,
        created_at=checkout.created_at,
        confirmation_url=checkout.return_urls.confirmation if checkout.return_urls else None,
        cancel_url=checkout.return_urls.cancel if checkout.return_urls else None,
    )


def to_domain(item: CheckoutModel) -> Checkout:
    """The checkout a stored item describes (see the module docstring for older items)."""
    status = CheckoutStatus(item.status)
    customer_id: str | None = item.customer_id
    application_id: str | None = item.application_id
    stored = applicant_entries(item)
    applicants = {
        str(entry["sub"]): Applicant(
            application_id=str(entry["applicationId"]), outcome=CheckoutStatus(entry["outcome"])
        )
        for entry in (stored or {}).values()
    }
    if not item.plan_id and status in OUTCOMES:
        if stored is None and customer_id and application_id:
            applicants = {customer_id: Applicant(application_id=application_id, outcome=status)}
        status, customer_id, application_id = CheckoutStatus.CREATED, None, None
    return Checkout(
        id=item.id,
        merchant_id=item.merchant_id,
        merchant_reference=item.merchant_reference,
        # DynamoDB numbers come back as int or float depending on their text; amounts are ints.
        amount=Money(int(item.amount), item.currency),
        items=tuple(
            LineItem(
                sku=line.sku,
                name=line.name,
                quantity=int(line.quantity),
                unit_price=Money(int(line.unit_amount), line.currency),
            )
            for line in item.items or []
        ),
        status=status,
        customer_id=customer_id,
        application_id=application_id,
        applicants=applicants,
        plan_id=item.plan_id,
        captured=_money(item.captured_amount, item.currency),
        refunded=_money(item.refunded_amount, item.currency),
        expires_at=item.expires_at,
        created_at=item.created_at,
        return_urls=(
            ReturnUrls(confirmation=item.confirmation_url, cancel=item.cancel_url)
            if item.confirmation_url and item.cancel_url
            else None
        ),
    )


def applicant_entry(sub: str, applicant: Applicant) -> dict[str, str]:
    """A shopper's entry in a checkout's stored `applicants` (under `applicant_key(sub)`)."""
    return {
        "sub": sub,
        "applicationId": applicant.application_id,
        "outcome": applicant.outcome.value,
    }


def _entries(checkout: Checkout) -> dict[str, dict[str, str]]:
    return {
        applicant_key(sub): applicant_entry(sub, applicant)
        for sub, applicant in checkout.applicants.items()
    }


def _money(amount: float | None, currency: str) -> Money | None:
    return None if amount is None else Money(int(amount), currency)
