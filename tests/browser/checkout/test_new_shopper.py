"""A new shopper, from the demo shop's basket to the merchant's confirmation page: sign-up, the
emailed code, the profile, device verification, bank data, approval, Pay in 4 and tok_visa.
The merchant then reads CONFIRMED server-side: on the shop's page and through the API (SigV4)."""

from __future__ import annotations

import pytest

from tests.browser.checkout.conftest import MakeFlow

pytestmark = pytest.mark.e2e

SHOTS = {
    "sign-up": "02-sign-up",
    "code": "03-sign-up-code",
    "profile": "04-profile",
    "verify": "05-verify",
    "verify-code": "06-verify-code",
    "bank": "07-bank-data",
}


def test_a_new_shopper_goes_from_the_shops_basket_to_a_confirmed_order(flow: MakeFlow) -> None:
    shopper_flow = flow()
    checkout_id = shopper_flow.start_at_the_shop("01-shop-basket")
    shopper = shopper_flow.new_approvable_shopper("new", SHOTS)

    shopper_flow.share_bank_data()
    shopper_flow.choose_pay_in_4("08-offers")
    shopper_flow.choose_card("tok_visa", "09-payment")
    shopper_flow.driver.press(shopper_flow.pay_button())
    shopper_flow.confirmed_at_the_shop(checkout_id, "10-shop-confirmed")

    backend = shopper_flow.backend
    merchant_view = backend.merchant_checkout(checkout_id)
    assert merchant_view["status"] == "CONFIRMED"
    own = backend.shopper_checkout(shopper.token, checkout_id)
    assert merchant_view["customerId"] is not None
    assert own["plan"]["status"] == "ACTIVE"
    assert [p["status"] for p in own["plan"]["payments"]] == ["SUCCEEDED"]
    shopper_flow.finish()
