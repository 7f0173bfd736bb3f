"""The card step: a declined card, then a good one, and a double click on "Pay". Either way the
shopper is charged once (the plan's payments, read through the API)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from bnpl.personas import PERSONAS
from tests.browser.checkout.conftest import MakeFlow
from tests.browser.checkout.pages import CheckoutFlow

pytestmark = pytest.mark.e2e


def at_the_card_step(paying: CheckoutFlow, card: str, shot: str | None = None) -> tuple[str, str]:
    """The approve persona at the card step with `card` chosen: the checkout id, their token."""
    persona = PERSONAS["approve"]
    checkout_id = paying.start_at_the_shop()
    paying.sign_in(persona.email, persona.password)
    paying.at_bank_step()
    paying.skip_bank_data()
    paying.choose_pay_in_4()
    paying.choose_card(card, shot)
    return checkout_id, paying.token()


def test_a_declined_card_can_be_retried_with_a_good_one(flow: MakeFlow) -> None:
    paying = flow()
    checkout_id, token = at_the_card_step(paying, "tok_declined")
    paying.driver.press(paying.pay_button())

    alert = paying.page.get_by_role("alert")
    expect(alert).to_contain_text(re.compile(r"declined.*Nothing was taken"))
    expect(alert).to_be_focused()
    paying.steps.record("14-card-declined")
    assert paying.backend.merchant_checkout(checkout_id)["status"] != "CONFIRMED"

    paying.driver.choose(paying.page.get_by_role("radio", name="(tok_visa)"))
    paying.driver.press(paying.pay_button())
    paying.confirmed_at_the_shop(checkout_id)

    plan = paying.backend.shopper_checkout(token, checkout_id)["plan"]
    assert [(p["status"], p["cardLast4"]) for p in plan["payments"]] == [("SUCCEEDED", "4242")]
    assert paying.backend.merchant_checkout(checkout_id)["status"] == "CONFIRMED"
    paying.finish()


def test_a_double_click_on_pay_charges_once(flow: MakeFlow) -> None:
    paying = flow(docs=False)
    checkout_id, token = at_the_card_step(paying, "tok_visa")
    paying.pay_button().dblclick()
    paying.confirmed_at_the_shop(checkout_id)

    plan = paying.backend.shopper_checkout(token, checkout_id)["plan"]
    assert [p["status"] for p in plan["payments"]] == ["SUCCEEDED"]
    assert paying.backend.my_plan_checkouts(token).count(checkout_id) == 1
    accepts = [
        r
        for r in paying.watch.requests
        if r.method == "POST" and "acceptOffer" in (r.post_data or "")
    ]
    assert len(accepts) == 1
    paying.finish()
