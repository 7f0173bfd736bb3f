"""The hosted checkout page in headless Chromium against a fresh `bnpl dev` stack: time to
interactive on a first load, and the time from the shop's "Pay later" click to the decision on
screen; then the page's JavaScript size, gzipped.

- First load: a fresh browser context (empty cache, no session) opens a checkout's
  `redirectUrl`; measured from navigation start to the sign-in form being usable (its email
  field visible and enabled), in the page's own clock.
- "Pay later" → decision: the demo shop's basket, the click, the redirect, sign-in as a sandbox
  persona, "Continue without sharing", until a decision heading is on screen. The form is filled
  as fast as Playwright can, so this is the product's time without the shopper's.

Chromium trusts the stack's CA through a throwaway NSS database, as in the browser tests, and
reaches nothing off this machine. Build the page first (`cd web && npm ci && npm run build`).

    python -m bench.checkout_page [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from playwright.sync_api import Browser, Page, expect, sync_playwright

from bench.web_bundle import DIST, GOAL_GZIPPED, sizes
from bnpl.devstack import RunningStack, running_stack
from bnpl.graphql_client import GraphQLClient
from bnpl.personas import PERSONAS
from bnpl.settings import SANDBOX_MERCHANT_ID

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
# Each run applies as another persona: the fraud check's velocity rules (five applications per
# customer a day) would otherwise start referring them.
PERSONA_CYCLE = ("approve", "decline", "refer", "thin")
MAX_RUNS = 19  # the same check allows 20 applications a day from one address
CREATE = "mutation($in: CreateCheckoutInput!) { createCheckout(input: $in) { redirectUrl } }"
USABLE = """() => {
  const label = [...document.querySelectorAll("label")].find((l) => l.textContent === "Email");
  const field = label?.control;
  return field && !field.disabled && field.offsetParent !== null ? performance.now() : null;
}"""
DECIDED = """() => {
  const heading = document.querySelector('h2.step-heading');
  const decided = heading && /approved|can't offer|closer look/.test(heading.textContent);
  return decided ? performance.timeOrigin + performance.now() : null;
}"""


def trusting_home(ca_path: Path, home: Path) -> None:
    """A HOME whose NSS database trusts the stack's CA, and nothing else beyond the roots."""
    database = home / ".pki" / "nssdb"
    database.mkdir(parents=True)
    where = f"sql:{database}"
    subprocess.run(["certutil", "-N", "-d", where, "--empty-password"], check=True)
    subprocess.run(
        ["certutil", "-A", "-d", where, "-n", "bnpl-local", "-t", "C,,", "-i", str(ca_path)],
        check=True,
    )


def redirect_url(stack: RunningStack) -> str:
    """A new checkout's hosted page, created as the sandbox merchant."""
    price = {"amount": 11399, "currency": "GBP"}
    order = {
        "merchantId": SANDBOX_MERCHANT_ID,
        "merchantReference": f"bench-{uuid.uuid4().hex}",
        "amount": price,
        "items": [{"sku": "JKT", "name": "Jacket", "quantity": 1, "unitPrice": price}],
    }
    with GraphQLClient(stack.settings.graphql_url, iam_region=stack.settings.region) as api:
        answer = api.execute(CREATE, {"in": order})
    return str(answer["data"]["createCheckout"]["redirectUrl"])


def first_load_ms(browser: Browser, url: str) -> float:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(url)
        return float(page.wait_for_function(USABLE, polling="raf", timeout=30_000).json_value())
    finally:
        context.close()


def pay_later_to_decision_ms(browser: Browser, stack: RunningStack, persona_name: str) -> float:
    persona = PERSONAS[persona_name]
    context = browser.new_context()
    try:
        page: Page = context.new_page()
        page.goto(f"{stack.settings.shop_url}/")
        clicked = time.time() * 1000
        page.get_by_role("button", name="Pay later").click()
        page.get_by_label("Email").fill(persona.email, timeout=30_000)
        page.get_by_label("Password", exact=True).fill(persona.password)
        page.get_by_role("button", name="Sign in", exact=True).click()
        skip = page.get_by_role("button", name="Continue without sharing")
        expect(skip).to_be_enabled(timeout=30_000)
        skip.click()
        decided = page.wait_for_function(DECIDED, polling="raf", timeout=30_000).json_value()
        return float(decided) - clicked
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help=f"runs of each (at most {MAX_RUNS})")
    args = parser.parse_args()
    runs = min(args.runs, MAX_RUNS)
    if not (DIST / "index.html").is_file():
        raise SystemExit(f"{DIST} is not built: cd web && npm ci && npm run build")
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_stack(Path(tmp) / "stack") as stack,
        socket.socket() as held,
    ):
        held.bind(("127.0.0.1", 0))  # a proxy that refuses everything: nothing leaves
        home = Path(tmp) / "home"
        trusting_home(stack.ca_path, home)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=[*ARGS, f"--proxy-server=http://127.0.0.1:{held.getsockname()[1]}"],
                env={**os.environ, "HOME": str(home)},
            )
            loads = [first_load_ms(browser, redirect_url(stack)) for _ in range(runs)]
            decisions = [
                pay_later_to_decision_ms(browser, stack, PERSONA_CYCLE[i % len(PERSONA_CYCLE)])
                for i in range(runs)
            ]
            browser.close()
    print(f"{runs} runs, {os.cpu_count()} CPUs")
    print(
        f"first load, navigation start → sign-in form usable: p50 {statistics.median(loads):.0f} ms"
        f"  (runs: {', '.join(f'{v:.0f}' for v in loads)})"
    )
    print(
        f'"Pay later" click → decision on screen: p50 {statistics.median(decisions):.0f} ms'
        f"  (runs: {', '.join(f'{v:.0f}' for v in decisions)})"
    )
    gzipped = sum(zipped for _, _, zipped in sizes())
    verdict = "within" if gzipped <= GOAL_GZIPPED else "OVER"
    print(
        f"JavaScript, gzipped: {gzipped / 1024:.1f} KB ({verdict} the "
        f"{GOAL_GZIPPED // 1024} KB goal)"
    )


if __name__ == "__main__":
    main()
