"""The whole flow with the keyboard alone, and on a phone-sized screen (390 by 844), where nothing
may be wider than the screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import ViewportSize

from tests.browser.checkout.conftest import MakeFlow
from tests.browser.checkout.pages import Keyboard

pytestmark = pytest.mark.e2e

PHONE: ViewportSize = {"width": 390, "height": 844}


def test_a_new_shopper_completes_the_flow_with_the_keyboard_alone(flow: MakeFlow) -> None:
    typing = flow(driver=Keyboard, docs=False)
    checkout_id = typing.start_at_the_shop()
    # Every step's heading takes the focus as it appears (checked in each step).
    typing.new_approvable_shopper("keys")
    typing.share_bank_data()
    typing.choose_pay_in_4()
    typing.choose_card("tok_visa")
    typing.driver.press(typing.pay_button())
    typing.confirmed_at_the_shop(checkout_id)
    assert typing.backend.merchant_checkout(checkout_id)["status"] == "CONFIRMED"
    typing.finish()


def test_a_new_shopper_completes_the_flow_on_a_phone(flow: MakeFlow) -> None:
    phone = flow(viewport=PHONE, mobile=True)
    checkout_id = phone.start_at_the_shop("17-phone-shop-basket")
    phone.steps.record("18-phone-sign-in")
    phone.new_approvable_shopper("phone", {"profile": "19-phone-profile"})
    phone.steps.record("20-phone-bank-data")
    phone.share_bank_data()
    phone.choose_pay_in_4("21-phone-offers")
    phone.choose_card("tok_visa", "22-phone-payment")
    phone.driver.press(phone.pay_button())
    phone.confirmed_at_the_shop(checkout_id, "23-phone-shop-confirmed")
    assert phone.backend.merchant_checkout(checkout_id)["status"] == "CONFIRMED"
    phone.finish()
