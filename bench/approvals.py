"""Seeded applicants the credit decision will approve, chosen before a bench's clock starts.

The sandbox bureau's file for a customer derives from its id, and the model's score from that
file and the basket, so the same bureau and the stack's own scoring endpoint tell ahead which
(customer, basket) pairs land in an approving band.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date

from bench.decision import seed_customers, service_settings
from bnpl.devstack import RunningStack
from services.credit.adapters.scoring import ScoringClient
from services.credit.policy.rules import Outcome, Policy, load_policy
from services.credit.screening.checks.bureau import SandboxBureau
from services.credit.screening.checks.fraud import FraudSubject, bundled_blocklist
from services.credit.screening.features import model_features
from services.user.customers.store import DynamoCustomerRepository


@dataclass(frozen=True)
class Screen:
    """Predicts, before the clock, which customers the credit decision will approve.

    The sandbox bureau's file for a customer derives from its id (SHA-256, see `SandboxBureau`),
    and the score from that file and the basket, so the same bureau and the stack's own scoring
    endpoint tell ahead which (customer, basket) pairs get an approving band: a thin file is
    REFERRED without bank data, a default on file DECLINED, band D REFERRED and E DECLINED, and a
    basket above the band's credit limit DECLINED. A customer whose phone or e-mail is on the
    fraud blocklist is DECLINED too. Affordability is left to the decision.
    """

    bureau: SandboxBureau
    scorer: ScoringClient
    policy: Policy
    customers: DynamoCustomerRepository

    @classmethod
    def of(cls, stack: RunningStack) -> Screen:
        os.environ.update(stack.settings.service_environ())  # boto3 credentials for the endpoint
        settings = service_settings(stack)
        scorer = ScoringClient(settings, max_attempts=3)
        bureau = SandboxBureau(today=date.today)
        return cls(bureau, scorer, load_policy(), DynamoCustomerRepository(settings))

    def approves(self, sub: str, amount: int) -> bool:
        customer = self.customers.get(sub)
        if customer is None:
            raise LookupError(f"customer {sub} was not seeded")
        subject = FraudSubject(
            application_id="-", customer_id=sub, email=customer.email, phone=customer.phone
        )
        if bundled_blocklist().hits(subject):
            return False
        report = self.bureau.report({"id": sub})
        if not report.file_present or report.derogatories:
            return False
        checkout = {"amount": {"amount": amount, "currency": self.policy.currency}}
        features = model_features(customer={"id": sub}, checkout=checkout, bureau=report, bank=None)
        band = self.policy.band_for(self.scorer.score(features).probability_bad)
        return band.outcome is Outcome.APPROVED and amount <= band.credit_limit


def basket(i: int) -> int:
    """The i-th basket: the sizes a BNPL checkout sees, 20 to 400 GBP (as in bench.decision)."""
    return 2_000 + (i * 7_919) % 38_000


def applicants(stack: RunningStack, count: int, *, screen: bool) -> list[tuple[str, int]]:
    """`count` (customer, basket) pairs, seeded verified; with `screen`, those `Screen` approves."""
    chosen: list[tuple[str, int]] = []
    check = Screen.of(stack) if screen else None
    offset = 0
    while len(chosen) < count:
        wanted = count - len(chosen)
        seeded = seed_customers(stack, wanted * 2 + 10 if check else wanted)
        pairs = [(sub, basket(offset + i)) for i, sub in enumerate(seeded)]
        offset += len(seeded)
        chosen += [pair for pair in pairs if check is None or check.approves(*pair)]
    return chosen[:count]
