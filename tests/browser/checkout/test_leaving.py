"""Leaving without a plan: a cancel goes back to the merchant's cancel page with the checkoutId,
and a checkout that expires says so and leads back to the shop."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from bnpl.personas import PERSONAS
from tests.browser.checkout.conftest import MakeFlow
from tests.browser.checkout.pages import step_heading

pytestmark = pytest.mark.e2e


def test_cancel_returns_to_the_shops_cancel_page_with_the_checkout_id(flow: MakeFlow) -> None:
    leaving = flow()
    persona = PERSONAS["thin"]
    checkout_id = leaving.start_at_the_shop()
    leaving.sign_in(persona.email, persona.password)
    leaving.at_bank_step()

    leaving.driver.press(leaving.page.get_by_role("button", name="Cancel and return to the shop"))
    assert leaving.back_at_the_shop("/orders/cancelled") == checkout_id
    expect(leaving.page.get_by_role("heading", name="Payment cancelled")).to_be_visible()
    expect(leaving.page.get_by_role("status")).to_contain_text("status CREATED")
    leaving.steps.record("15-shop-cancelled")
    assert leaving.backend.merchant_checkout(checkout_id)["status"] == "CREATED"
    leaving.finish()


def test_an_expired_checkout_says_so_and_leads_back_to_the_shop(flow: MakeFlow) -> None:
    late = flow()
    persona = PERSONAS["fraud"]
    checkout_id = late.start_at_the_shop()
    late.sign_in(persona.email, persona.password)
    late.at_bank_step()

    # The shopper waits past the checkout's hour: the sweep, run as of a minute after it,
    # expires it.
    expires_at = late.backend.merchant_checkout(checkout_id)["expiresAt"]
    after = datetime.fromisoformat(expires_at.replace("Z", "+00:00")) + timedelta(minutes=1)
    late.backend.sweep_at(after.isoformat().replace("+00:00", "Z"))
    assert late.backend.merchant_checkout(checkout_id)["status"] == "EXPIRED"

    late.skip_bank_data()
    step_heading(late.page, "This checkout has expired")
    expect(late.page.get_by_text("Nothing has been charged")).to_be_visible()
    late.steps.record("16-expired")

    late.driver.press(late.page.get_by_role("button", name="Return to the shop", exact=True))
    assert late.back_at_the_shop("/orders/cancelled") == checkout_id
    expect(late.page.get_by_role("status")).to_contain_text("status EXPIRED")
    late.finish()
