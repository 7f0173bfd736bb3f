"""What the flow tests read and do beside the browser: the dev outbox, the API as the merchant
(SigV4), as a shopper (their own ID token, taken from the page), and as the underwriter, and the
credit service's sweep."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bnpl.devstack import RunningStack
from bnpl.graphql_client import GraphQLClient
from bnpl.idp.tokens import mint_token
from bnpl.personas import PERSONAS
from bnpl.shop.app import basket_checkout

BNPL = str(Path(sys.executable).parent / "bnpl")
MERCHANT_READ = """query($id: ID!) { checkout(id: $id) {
  id status customerId merchantReference expiresAt confirmationUrl cancelUrl } }"""
SHOPPER_READ = """query($id: ID!) { checkout(id: $id) {
  id status application { id decision { outcome reasons { code description } } }
  plan { id status payments { id status amount { amount } cardLast4 } } } }"""
MY_PLANS = "{ myPlans(limit: 50) { items { id checkoutId } } }"
CREATE = "mutation($in: CreateCheckoutInput!) { createCheckout(input: $in) { id } }"
GRANT = """mutation($in: GrantBankConsentInput!) { grantBankConsent(input: $in) { id status } }"""
APPLY = """mutation($in: ApplyForCreditInput!) {
  applyForCredit(input: $in) { decision { outcome } } }"""
REVIEW = """mutation($in: ReviewApplicationInput!) {
  reviewApplication(input: $in) { id status decision { outcome } } }"""
# What the page asks the sandbox bank for (web/src/steps/BankConsent.tsx).
PERMISSIONS = [
    "ReadAccountsBasic",
    "ReadBalances",
    "ReadTransactionsBasic",
    "ReadTransactionsCredits",
    "ReadTransactionsDebits",
]


def _data(answer: dict[str, Any]) -> dict[str, Any]:
    assert not answer.get("errors"), answer
    data: dict[str, Any] = answer["data"]
    return data


def own_address(key: str) -> str:
    """A loopback address of its own for `key`, so calls made here never count towards the
    fraud check's per-address velocity of the browser's 127.0.0.1."""
    digest = hashlib.sha256(key.encode()).digest()
    return f"127.{digest[0]}.{digest[1]}.{max(digest[2], 2)}"


@dataclass
class Backend:
    """The stack's API and tools, as the tests use them."""

    stack: RunningStack

    def bnpl(self, *args: str) -> str:
        """Run the CLI against this stack; its output."""
        done = subprocess.run(
            [BNPL, *args], env=self.stack.environ, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def codes(self, destination: str) -> list[str]:
        """The codes sent to `destination` so far, newest first."""
        answer = json.loads(self.bnpl("outbox", "--json", "--limit", "50", "--to", destination))
        return [str(message["code"]) for message in answer]

    def next_code(self, destination: str, *, after: int, timeout_s: float = 20.0) -> str:
        """The newest code once more than `after` codes went to `destination`."""
        deadline = time.monotonic() + timeout_s
        while True:
            codes = self.codes(destination)
            if len(codes) > after:
                return codes[0]
            assert time.monotonic() < deadline, f"no new code for {destination}"
            time.sleep(0.2)

    @contextmanager
    def _api(self, *, token: str | None = None, key: str = "merchant") -> Iterator[GraphQLClient]:
        transport = httpx.HTTPTransport(local_address=own_address(key))
        url = self.stack.settings.graphql_url
        with httpx.Client(timeout=30, transport=transport) as http:
            if token is None:
                yield GraphQLClient(url, iam_region=self.stack.settings.region, http=http)
            else:
                yield GraphQLClient(url, token=token, http=http)

    def _call(
        self, query: str, variables: dict[str, Any], *, token: str | None = None, key: str = ""
    ) -> dict[str, Any]:
        with self._api(token=token, key=key or (token or "merchant")[-16:]) as client:
            return _data(client.execute(query, variables))

    def merchant_checkout(self, checkout_id: str) -> dict[str, Any]:
        """`checkout(id)` as the sandbox merchant reads it (SigV4)."""
        data = self._call(MERCHANT_READ, {"id": checkout_id})
        checkout: dict[str, Any] = data["checkout"]
        return checkout

    def shopper_checkout(self, token: str, checkout_id: str) -> dict[str, Any]:
        """`checkout(id)` as the shopper whose ID token this is reads it."""
        data = self._call(SHOPPER_READ, {"id": checkout_id}, token=token)
        checkout: dict[str, Any] = data["checkout"]
        return checkout

    def my_plan_checkouts(self, token: str) -> list[str]:
        """The checkout of each of the shopper's plans."""
        data = self._call(MY_PLANS, {}, token=token)
        return [str(plan["checkoutId"]) for plan in data["myPlans"]["items"]]

    def approvable(self, token: str) -> bool:
        """Whether the sandbox approves this shopper, with their bank data, for the shop's basket.

        A new shopper's sandbox credit file derives from their `sub`, which sign-up draws at
        random, so about one in seven is declined or referred. This asks on a twin checkout of
        the same basket (so the page's own checkout stays untouched), as the page would.
        """
        order = basket_checkout(f"probe-{uuid.uuid4().hex}")
        twin = self._call(CREATE, {"in": order})["createCheckout"]["id"]
        with self._api(token=token, key=f"probe-{token[-16:]}") as shopper:
            consent = _data(shopper.execute(GRANT, {"in": {"permissions": PERMISSIONS}}))
            request = {
                "checkoutId": twin,
                "bankConsentId": consent["grantBankConsent"]["id"],
                "idempotencyKey": uuid.uuid4().hex,
            }
            decided = _data(shopper.execute(APPLY, {"in": request}))
        return bool(decided["applyForCredit"]["decision"]["outcome"] == "APPROVED")

    def review(self, application_id: str, outcome: str) -> dict[str, Any]:
        """`reviewApplication` as the underwriter persona."""
        underwriter = PERSONAS["underwriter"]
        token = mint_token(
            self.stack.settings,
            sub=underwriter.sub,
            email=underwriter.email,
            groups=underwriter.groups,
        )
        request = {"applicationId": application_id, "outcome": outcome, "note": "Checked by hand"}
        data = self._call(REVIEW, {"in": request}, token=token, key="underwriter")
        reviewed: dict[str, Any] = data["reviewApplication"]
        return reviewed

    def sweep_at(self, moment: str) -> dict[str, Any]:
        """`bnpl jobs run --at moment`: the credit service's sweep as of that moment."""
        report: dict[str, Any] = json.loads(self.bnpl("jobs", "run", "--json", "--at", moment))
        return report
