"""Several shoppers applying to one checkout, through the credit service's HTTP API on DynamoDB
Local: one shopper's decision never closes the checkout for another, the checkout is bound to a
shopper only when they accept an offer, at most `MAX_APPLICANTS_PER_CHECKOUT` shoppers may apply
(however many race), and each caller sees their own view of the checkout."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from services.credit import wiring
from services.credit.checkouts.domain import MAX_APPLICANTS_PER_CHECKOUT, CheckoutStatus
from services.credit.models import CheckoutModel
from services.shared.dynamodb import bind
from tests.functional.services.applicant_calls import (
    accept,
    anyio_backend,
    apply,
    call,
    decided,
    harness,
    invalid_state,
    merchant,
    not_found,
    person,
    seen_as,
    view,
)
from tests.functional.services.application_harness import Harness
from tests.functional.services.conftest import ServedApp
from tests.functional.services.money_harness import race

__all__ = ["anyio_backend", "harness", "merchant", "person"]  # fixtures, used by name

pytestmark = [pytest.mark.ddblocal]


def stored_status(scan: Any, checkout_id: str) -> str:
    [item] = [i for i in scan("checkouts") if i["id"]["S"] == checkout_id]
    return str(item["status"]["S"])


def published(harness: Harness, checkout_id: str) -> list[tuple[str, str | None]]:
    return [
        (u["status"], u["customerId"]) for u in harness.updates.checkouts if u["id"] == checkout_id
    ]


@pytest.mark.anyio
async def test_a_declined_squatter_leaves_the_checkout_to_the_shopper(harness, person):
    """A squatter who knows the checkout's id is declined first; the real shopper is still
    approved and accepts, the plan is made, and the squatter can neither accept nor see it."""
    checkout = harness.checkout()
    squatter, shopper = person("decline"), person("approve")
    squatted = await decided(harness, squatter, checkout.id, "DECLINED")

    application = await decided(harness, shopper, checkout.id, "APPROVED")
    plan = await accept(harness, shopper, application)

    assert plan.status_code == 200, plan.text
    bound = harness.checkouts.get(checkout.id)
    assert bound is not None
    assert (bound.status, bound.customer_id, bound.application_id, bound.plan_id) == (
        CheckoutStatus.CONFIRMED,
        shopper.sub,
        application["id"],
        plan.json()["id"],
    )
    assert invalid_state(await accept(harness, squatter, squatted))
    assert not_found(await view(harness, checkout.id, squatter.headers))


@pytest.mark.anyio
async def test_at_most_three_shoppers_apply_to_one_checkout(harness, person, scan):
    """Three shoppers apply, whatever their outcomes; a fourth is refused, naming the limit,
    with nothing written; one of the three applying again is no new applicant."""
    checkout = harness.checkout()
    first = person("approve")
    await decided(harness, first, checkout.id, "APPROVED")
    await decided(harness, person("decline"), checkout.id, "DECLINED")
    await decided(harness, person("thin"), checkout.id, "REFERRED")
    fourth = person("approve")
    applications = len(scan("applications"))

    refused = await apply(harness, fourth, checkout.id)

    assert invalid_state(refused), refused.text
    assert refused.json()["details"] == {
        "reason": "APPLICANT_LIMIT",
        "limit": MAX_APPLICANTS_PER_CHECKOUT,
        "checkoutId": checkout.id,
    }
    assert f"{MAX_APPLICANTS_PER_CHECKOUT} shoppers" in refused.json()["message"]
    assert len(scan("applications")) == applications
    again = await apply(harness, first, checkout.id)
    assert again.status_code == 200, again.text


def test_twenty_shoppers_racing_for_one_checkout_are_at_most_three_applicants(harness, person):
    """20 shoppers apply to one checkout at once over real HTTP: three are decided, the other
    17 are refused with the limit, and the checkout records exactly three applicants."""
    checkout = harness.checkout()
    crowd = [person("approve") for _ in range(20)]

    with ServedApp(harness.app) as server:
        answers = race(
            server,
            len(crowd),
            lambda c, i: c.post(
                "/applications",
                json={"checkoutId": checkout.id, "idempotencyKey": str(uuid.uuid4())},
                headers=crowd[i].headers,
            ),
        )

    decided_for = {r.json()["customerId"] for r in answers if r.status_code == 200}
    assert len(decided_for) == MAX_APPLICANTS_PER_CHECKOUT, [r.text for r in answers]
    refusals = [r.json() for r in answers if r.status_code != 200]
    assert len(refusals) == len(crowd) - MAX_APPLICANTS_PER_CHECKOUT
    assert {(r["error"], r["details"]["reason"]) for r in refusals} == {
        ("InvalidState", "APPLICANT_LIMIT")
    }
    stored = harness.checkouts.get(checkout.id)
    assert stored is not None
    assert set(stored.applicants) == decided_for


@pytest.mark.anyio
async def test_each_caller_sees_their_own_view_of_the_checkout(harness, person, merchant, scan):
    """While unbound: an applicant sees their own outcome, sub and application; a shopper who
    has not applied sees it CREATED; the merchant sees the most advanced outcome and no
    customer. Each decision is published as its applicant's view. Once bound, only the bound
    shopper and the merchant see it, as it really is."""
    checkout = harness.checkout()
    decliner, referred, approver = person("decline"), person("thin"), person("approve")
    stranger = person("approve")
    declined = await decided(harness, decliner, checkout.id, "DECLINED")
    assert seen_as(await view(harness, checkout.id, merchant)) == ("DECLINED", None, None)
    referral = await decided(harness, referred, checkout.id, "REFERRED")
    assert seen_as(await view(harness, checkout.id, merchant)) == ("REFERRED", None, None)
    approval = await decided(harness, approver, checkout.id, "APPROVED")

    views = {
        who: seen_as(await view(harness, checkout.id, headers))
        for who, headers in {
            "decliner": decliner.headers,
            "referred": referred.headers,
            "approver": approver.headers,
            "stranger": stranger.headers,
            "merchant": merchant,
        }.items()
    }
    assert views == {
        "decliner": ("DECLINED", decliner.sub, declined["id"]),
        "referred": ("REFERRED", referred.sub, referral["id"]),
        "approver": ("APPROVED", approver.sub, approval["id"]),
        "stranger": ("CREATED", None, None),
        "merchant": ("APPROVED", None, None),
    }
    assert stored_status(scan, checkout.id) == "CREATED"
    assert published(harness, checkout.id) == [
        ("DECLINED", decliner.sub),
        ("REFERRED", referred.sub),
        ("APPROVED", approver.sub),
    ]

    plan = await accept(harness, approver, approval)

    assert plan.status_code == 200, plan.text
    assert seen_as(await view(harness, checkout.id, approver.headers)) == (
        "CONFIRMED",
        approver.sub,
        approval["id"],
    )
    assert seen_as(await view(harness, checkout.id, merchant))[:2] == ("CONFIRMED", approver.sub)
    for other in (decliner, referred, stranger):
        assert not_found(await view(harness, checkout.id, other.headers))
    assert published(harness, checkout.id)[-1] == ("CONFIRMED", approver.sub)


@pytest.mark.anyio
async def test_an_underwriter_settles_one_applicants_referral_on_an_unbound_checkout(
    harness, person, make_token, merchant
):
    """A referral is settled while another shopper's approval stands: only the referred
    shopper's outcome changes, and they can then accept."""
    checkout = harness.checkout()
    approver, referred = person("approve"), person("thin")
    approval = await decided(harness, approver, checkout.id, "APPROVED")
    referral = await decided(harness, referred, checkout.id, "REFERRED")
    underwriter = {"authorization": f"Bearer {make_token(sub='uw-1', groups=('underwriters',))}"}

    settled = await call(
        harness,
        "POST",
        f"/applications/{referral['id']}/review",
        underwriter,
        {"outcome": "APPROVED", "note": "Payslips checked"},
    )

    assert settled.status_code == 200, settled.text
    assert seen_as(await view(harness, checkout.id, referred.headers)) == (
        "APPROVED",
        referred.sub,
        referral["id"],
    )
    assert seen_as(await view(harness, checkout.id, approver.headers)) == (
        "APPROVED",
        approver.sub,
        approval["id"],
    )
    assert published(harness, checkout.id)[-1] == ("APPROVED", referred.sub)
    plan = await accept(harness, referred, settled.json())
    assert plan.status_code == 200, plan.text
    assert invalid_state(await accept(harness, approver, approval))


@pytest.mark.anyio
async def test_an_underwriter_may_not_review_their_own_application(harness, person, scan):
    """Segregation of duties: an underwriter who applied as a shopper is refused on their own
    referral and nothing is written; another underwriter may settle it."""
    checkout = harness.checkout()
    both = person("thin", groups=("customers", "underwriters"))
    referral = await decided(harness, both, checkout.id, "REFERRED")
    tables = ("applications", "checkouts", "credit_event_outbox")
    before = {table: scan(table) for table in tables}
    body = {"outcome": "APPROVED", "note": "Looks fine to me"}
    path = f"/applications/{referral['id']}/review"

    refused = await call(harness, "POST", path, both.headers, body)

    assert (refused.status_code, refused.json()) == (
        403,
        {"error": "Unauthorized", "message": "An underwriter may not review their own application"},
    )
    assert {table: scan(table) for table in tables} == before
    colleague = person("approve", groups=("underwriters",))
    assert (await call(harness, "POST", path, colleague.headers, body)).status_code == 200


@pytest.mark.anyio
async def test_a_checkout_decided_under_the_single_applicant_rule_is_still_open(
    harness, person, merchant, ddb_settings
):
    """A checkout stored APPROVED with its one applicant (as the service once kept them) is
    unbound: others may still apply and see it open, and its applicant can still accept."""
    checkout = harness.checkout()
    earlier = person("approve")
    application = await decided(harness, earlier, checkout.id, "APPROVED")
    model = bind(CheckoutModel, ddb_settings)
    model(checkout.id).update(
        actions=[
            model.status.set("APPROVED"),
            model.customer_id.set(earlier.sub),
            model.application_id.set(application["id"]),
            model.applicants.remove(),
        ]
    )

    stranger, shopper = person("approve"), person("approve")
    assert seen_as(await view(harness, checkout.id, stranger.headers)) == ("CREATED", None, None)
    assert seen_as(await view(harness, checkout.id, earlier.headers)) == (
        "APPROVED",
        earlier.sub,
        application["id"],
    )
    assert seen_as(await view(harness, checkout.id, merchant)) == ("APPROVED", None, None)
    await decided(harness, shopper, checkout.id, "APPROVED")
    plan = await accept(harness, earlier, application)
    assert plan.status_code == 200, plan.text
    bound = harness.checkouts.get(checkout.id)
    assert bound is not None
    assert (bound.status, bound.customer_id) == (CheckoutStatus.CONFIRMED, earlier.sub)


@pytest.mark.anyio
async def test_the_sweep_expires_unbound_checkouts_after_their_hour(
    harness, person, ddb_settings, scan
):
    """Unbound checkouts with applicants (stored CREATED), and one stored APPROVED the old way,
    are EXPIRED by the sweep once their hour is up; the applicants' decisions stay theirs."""
    open_ = harness.checkout()
    legacy = harness.checkout()
    for checkout in (open_, legacy):
        await decided(harness, person("approve"), checkout.id, "APPROVED")
    bind(CheckoutModel, ddb_settings)(legacy.id).update(
        actions=[bind(CheckoutModel, ddb_settings).status.set("APPROVED")]
    )
    after = max(open_.expires_at, legacy.expires_at) + timedelta(seconds=1)

    report = wiring.sweep(ddb_settings, clock=lambda: after).run()

    assert report.checkouts_lapsed >= 2
    assert stored_status(scan, open_.id) == stored_status(scan, legacy.id) == "EXPIRED"
    [item] = [i for i in scan("checkouts") if i["id"]["S"] == open_.id]
    assert len(item["applicants"]["M"]) == 1
