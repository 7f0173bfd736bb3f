"""The shopper's side of the flow, step by step: the demo shop and the hosted checkout page.

Every step is driven through a `Driver`: with the mouse (Playwright's clicks and fills) or with
the keyboard alone (Tab to a control, then Enter, Space, arrows or typing). At each step
`Steps.record` runs axe-core, checks nothing overflows a phone's width, and saves a screenshot.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Locator, Page, expect

from tests.browser.checkout.backend import Backend
from tests.browser.conftest import Watch

STEP_HEADING = "h2.step-heading"
WAIT_MS = 30_000
PASSWORD = "Shopper-pass-1!"
TAB_LIMIT = 80


def unique_email(tag: str) -> str:
    return f"{tag}-{uuid.uuid4().hex[:12]}@example.com"


class Driver(Protocol):
    """How the shopper works the page."""

    page: Page

    def press(self, target: Locator) -> None:
        """Activate a button."""

    def fill(self, target: Locator, text: str) -> None:
        """Type `text` into an empty field."""

    def choose(self, target: Locator) -> None:
        """Select a radio button."""


@dataclass
class Mouse:
    page: Page

    def press(self, target: Locator) -> None:
        target.click()

    def fill(self, target: Locator, text: str) -> None:
        target.fill(text)

    def choose(self, target: Locator) -> None:
        target.check()


def _is_focused(target: Locator) -> bool:
    return bool(target.evaluate("element => element === document.activeElement"))


@dataclass
class Keyboard:
    """`page.keyboard` only: focus moves with Tab, never with a click or `focus()`."""

    page: Page

    def tab_to(self, target: Locator) -> None:
        expect(target).to_be_visible(timeout=WAIT_MS)
        for _ in range(TAB_LIMIT):
            if _is_focused(target):
                return
            self.page.keyboard.press("Tab")
        raise AssertionError(f"Tab never reached {target}")

    def press(self, target: Locator) -> None:
        self.tab_to(target)
        self.page.keyboard.press("Enter")

    def fill(self, target: Locator, text: str) -> None:
        self.tab_to(target)
        self.page.keyboard.type(text)

    def choose(self, target: Locator) -> None:
        # Tab stops once on a radio group (on its checked radio); arrows move within it.
        name = target.get_attribute("name")
        expect(target).to_be_visible(timeout=WAIT_MS)
        for _ in range(TAB_LIMIT):
            if self.page.evaluate("document.activeElement?.name") == name:
                break
            self.page.keyboard.press("Tab")
        for _ in range(10):
            if _is_focused(target):
                break
            self.page.keyboard.press("ArrowDown")
        expect(target).to_be_focused()
        self.page.keyboard.press("Space")
        expect(target).to_be_checked()


def axe_violations(page: Page, axe_source: str) -> list[dict[str, Any]]:
    page.evaluate(axe_source)
    results: dict[str, Any] = page.evaluate("axe.run(document)")
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in results["violations"]
    ]


@dataclass
class Steps:
    """Checks and records each step: axe-core, the width on a phone, a screenshot.

    axe-core's findings are gathered, so one step's finding does not hide the later steps';
    `CheckoutFlow.finish` fails the test on any."""

    page: Page
    axe_source: str
    folder: Path
    phone_width: int | None = None
    violations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def record(self, name: str) -> None:
        found = axe_violations(self.page, self.axe_source)
        if found:
            self.violations[name] = found
        if self.phone_width is not None:
            width = self.page.evaluate("document.scrollingElement.scrollWidth")
            assert width <= self.phone_width, f"{name}: {width} px wide"
        self.page.screenshot(path=self.folder / f"{name}.png", full_page=True)


def step_heading(page: Page, text: str) -> Locator:
    """The step's heading, once it shows and holds the focus."""
    heading = page.locator(STEP_HEADING, has_text=text)
    expect(heading).to_be_visible(timeout=WAIT_MS)
    expect(heading).to_be_focused()
    return heading


def checkout_id_of(url: str) -> str:
    """The checkoutId a return URL carries."""
    return parse_qs(urlsplit(url).query)["checkoutId"][0]


@dataclass
class Shopper:
    """Someone signed in on the page: their email and their Cognito ID token."""

    email: str
    token: str


@dataclass
class CheckoutFlow:
    """The shopper's way from the shop's basket to the shop's confirmation page."""

    page: Page
    driver: Driver
    steps: Steps
    backend: Backend
    watch: Watch

    @property
    def shop_url(self) -> str:
        return self.backend.stack.settings.shop_url

    def finish(self) -> None:
        """Every step axe-core checked had no violation, and the page reached nothing but the
        stack."""
        assert self.steps.violations == {}, f"axe-core: {self.steps.violations}"
        self.watch.assert_stayed_local()

    def start_at_the_shop(self, shot: str | None = None) -> str:
        """The basket, then "Pay later": the hosted page's checkout id."""
        self.page.goto(f"{self.shop_url}/")
        expect(self.page.get_by_role("heading", name="Your basket")).to_be_visible()
        if shot:
            self.steps.record(shot)
        self.driver.press(self.page.get_by_role("button", name="Pay later"))
        page_url = self.backend.stack.settings.checkout_page_url
        self.page.wait_for_url(f"{page_url}/checkout/**", timeout=WAIT_MS)
        expect(self.page.get_by_role("tab", name="Sign In")).to_be_visible(timeout=WAIT_MS)
        return self.page.url.rsplit("/", 1)[-1]

    def sign_in(self, email: str, password: str, shot: str | None = None) -> None:
        self.driver.fill(self.page.get_by_label("Email"), email)
        self.driver.fill(self.page.get_by_label("Password", exact=True), password)
        if shot:
            self.steps.record(shot)
        self.driver.press(self.page.get_by_role("button", name="Sign in", exact=True))

    def sign_up(self, email: str, shots: tuple[str | None, str | None] = (None, None)) -> None:
        """Create Account, then the emailed code; Amplify signs the new shopper in."""
        tab = self.page.get_by_role("tab", name="Create Account")
        if isinstance(self.driver, Keyboard):
            self.driver.tab_to(self.page.get_by_role("tab", name="Sign In"))
            self.page.keyboard.press("ArrowRight")
            expect(tab).to_be_focused()
            self.page.keyboard.press("Enter")
        else:
            tab.click()
        expect(self.page.get_by_label("Confirm Password")).to_be_visible()
        before = len(self.backend.codes(email))
        self.driver.fill(self.page.get_by_label("Email"), email)
        self.driver.fill(self.page.get_by_label("Password", exact=True), PASSWORD)
        self.driver.fill(self.page.get_by_label("Confirm Password"), PASSWORD)
        if shots[0]:
            self.steps.record(shots[0])
        self.driver.press(self.page.get_by_role("button", name="Create Account"))
        code_field = self.page.get_by_label("Confirmation Code")
        expect(code_field).to_be_visible(timeout=WAIT_MS)
        code = self.backend.next_code(email, after=before)
        self.driver.fill(code_field, code)
        if shots[1]:
            self.steps.record(shots[1])
        self.driver.press(self.page.get_by_role("button", name="Confirm", exact=True))

    def profile(self, shot: str | None = None) -> None:
        step_heading(self.page, "Your details")
        label = self.page.get_by_label
        self.driver.fill(label("First name"), "Ada")
        self.driver.fill(label("Last name"), "Lovelace")
        birthday = label("Date of birth")
        if isinstance(self.driver, Keyboard):
            # Day and month alike: the same keys whichever order the date field shows them in.
            self.driver.fill(birthday, "10101990")
        else:
            birthday.fill("1990-10-10")
        expect(birthday).to_have_value("1990-10-10")
        self.driver.fill(label("Address line 1"), "12 St James's Square")
        self.driver.fill(label("Town or city"), "London")
        self.driver.fill(label("Postcode"), "SW1Y 4JH")
        if shot:
            self.steps.record(shot)
        self.driver.press(self.page.get_by_role("button", name="Continue"))

    def verify(self, email: str, shots: tuple[str | None, str | None] = (None, None)) -> None:
        """Device verification by email, the code from the dev outbox."""
        step_heading(self.page, "Verify it's you")
        if shots[0]:
            self.steps.record(shots[0])
        before = len(self.backend.codes(email))
        self.driver.press(self.page.get_by_role("button", name="Send code"))
        field = self.page.get_by_label("6-digit code")
        expect(field).to_be_focused(timeout=WAIT_MS)
        self.driver.fill(field, self.backend.next_code(email, after=before))
        if shots[1]:
            self.steps.record(shots[1])
        self.driver.press(self.page.get_by_role("button", name="Verify", exact=True))

    def at_bank_step(self, shot: str | None = None) -> None:
        step_heading(self.page, "Share your bank data")
        if shot:
            self.steps.record(shot)

    def token(self) -> str:
        """The signed-in shopper's ID token, as Amplify keeps it."""
        token: str = self.page.evaluate(
            """() => { for (const [key, value] of Object.entries(localStorage)) {
                 if (key.endsWith(".idToken")) return value; } return ""; }"""
        )
        assert token, "nobody is signed in"
        return token

    def new_approvable_shopper(self, tag: str, shots: dict[str, str] | None = None) -> Shopper:
        """Sign up, code, profile and verification for a new shopper the sandbox approves; the
        page is left at the bank-data step. A shopper it would not approve signs out and
        another signs up (see `Backend.approvable`)."""
        shots = shots or {}
        for _ in range(6):
            email = unique_email(tag)
            self.sign_up(email, (shots.get("sign-up"), shots.get("code")))
            self.profile(shots.get("profile"))
            self.verify(email, (shots.get("verify"), shots.get("verify-code")))
            self.at_bank_step(shots.get("bank"))
            token = self.token()
            if self.backend.approvable(token):
                return Shopper(email, token)
            self.driver.press(self.page.get_by_role("button", name="Sign out"))
            expect(self.page.get_by_role("tab", name="Sign In")).to_be_visible(timeout=WAIT_MS)
        raise AssertionError("six new shoppers in a row were not approvable")

    def share_bank_data(self) -> None:
        self.driver.press(self.page.get_by_role("button", name="Share with my bank"))

    def skip_bank_data(self) -> None:
        self.driver.press(self.page.get_by_role("button", name="Continue without sharing"))

    def choose_pay_in_4(self, shot: str | None = None) -> None:
        step_heading(self.page, "You're approved")
        expect(self.page.get_by_text("Credit reference agencies")).to_be_visible()
        expect(self.page.get_by_text("late fee of £6")).not_to_have_count(0)
        expect(self.page.locator("table.schedule").first).to_be_visible()
        pay_in_4 = self.page.get_by_role("radio", name=re.compile("Pay in 4"))
        self.driver.choose(pay_in_4)
        if shot:
            self.steps.record(shot)
        self.driver.press(self.page.get_by_role("button", name="Continue to payment"))

    def pay_button(self) -> Locator:
        return self.page.get_by_role("button", name=re.compile(r"^Pay £"))

    def choose_card(self, token: str, shot: str | None = None) -> None:
        step_heading(self.page, "Pay your first instalment")
        self.driver.choose(self.page.get_by_role("radio", name=f"({token})"))
        if shot:
            self.steps.record(shot)

    def back_at_the_shop(self, path: str) -> str:
        """The shop's page at `path` (the redirect's target): the checkoutId it was given."""
        self.page.wait_for_url(f"{self.shop_url}{path}?checkoutId=*", timeout=WAIT_MS)
        return checkout_id_of(self.page.url)

    def confirmed_at_the_shop(self, checkout_id: str, shot: str | None = None) -> None:
        """The shop's confirmation page, which reads the status server-side."""
        assert self.back_at_the_shop("/orders/confirmed") == checkout_id
        expect(self.page.get_by_role("heading", name="Order confirmed")).to_be_visible()
        expect(self.page.get_by_role("status")).to_contain_text("is confirmed (CONFIRMED)")
        if shot:
            self.steps.record(shot)
