"""The decisions other than a plain approval: a decline shows its reasons and the next steps; a
referral says what happens next and moves on by itself when an underwriter approves."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bnpl.personas import PERSONAS
from tests.browser.checkout.conftest import MakeFlow
from tests.browser.checkout.pages import WAIT_MS, step_heading

pytestmark = pytest.mark.e2e


def test_a_declined_shopper_is_shown_the_reasons_and_can_return_to_the_shop(
    flow: MakeFlow,
) -> None:
    declined = flow()
    persona = PERSONAS["decline"]
    checkout_id = declined.start_at_the_shop()
    declined.sign_in(persona.email, persona.password)
    declined.at_bank_step()
    declined.skip_bank_data()

    step_heading(declined.page, "We can't offer you credit for this order")
    decision = declined.backend.shopper_checkout(declined.token(), checkout_id)["application"]
    assert decision["decision"]["outcome"] == "DECLINED"
    reasons = [reason["description"] for reason in decision["decision"]["reasons"]]
    assert reasons
    expect(declined.page.locator("ul.reasons li")).to_have_text(reasons)
    expect(declined.page.get_by_role("heading", name="What you can do next")).to_be_visible()
    declined.steps.record("11-declined")

    declined.driver.press(
        declined.page.get_by_role("button", name="Return to the shop", exact=True)
    )
    assert declined.back_at_the_shop("/orders/cancelled") == checkout_id
    expect(declined.page.get_by_role("status")).to_contain_text("You did not pay later")
    declined.finish()


def test_a_referred_shopper_moves_on_by_itself_when_an_underwriter_approves(
    flow: MakeFlow,
) -> None:
    referred = flow()
    persona = PERSONAS["refer"]
    checkout_id = referred.start_at_the_shop()
    referred.sign_in(persona.email, persona.password)
    referred.at_bank_step()
    referred.skip_bank_data()

    step_heading(referred.page, "We're taking a closer look")
    expect(referred.page.get_by_text("updates by itself")).to_be_visible()
    referred.steps.record("12-referred")

    application = referred.backend.shopper_checkout(referred.token(), checkout_id)["application"]
    assert application["decision"]["outcome"] == "REFERRED"
    reviewed = referred.backend.review(application["id"], "APPROVED")
    assert reviewed["decision"]["outcome"] == "APPROVED"

    # No reload and no click: the page hears the decision (or polls for it).
    heading = referred.page.locator("h2.step-heading", has_text="You're approved")
    expect(heading).to_be_visible(timeout=WAIT_MS)
    expect(heading).to_be_focused()
    expect(referred.page.get_by_text("Credit reference agencies")).to_be_visible()
    referred.steps.record("13-referred-approved")
    referred.finish()
