"""An underwriter's review of a referral: the decision that settles it and, for an approval, the
offers it makes.

The settled decision keeps the referral's evidence (band, affordability, steps) and adds the
review as its last step, `UnderwriterReview`, naming the reviewer and their note.

Pure: no web, storage or AWS.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from services.credit.applications.domain import CreditApplication, ReviewOutcome, ReviewRequest
from services.credit.policy.offers import candidate_offers
from services.credit.policy.rules import Policy
from services.credit.screening.runner import StepResult
from services.credit.screening.state import StepStatus
from services.shared.timestamps import iso_timestamp


def settle_referral(
    application: CreditApplication,
    request: ReviewRequest,
    *,
    reviewer: str,
    policy: Policy,
    now: datetime,
) -> CreditApplication:
    """`application` (REFERRED, with its decision) as `reviewer` settles it."""
    referral = application.decision
    assert referral is not None, "only a decided referral is reviewed"
    approved = request.outcome is ReviewOutcome.APPROVED
    step = StepResult(
        name="UnderwriterReview",
        status=StepStatus.PASSED if approved else StepStatus.FAILED,
        duration_ms=0,
        detail={"outcome": request.outcome.value, "reviewer": reviewer, "note": request.note},
    )
    offers = review_offers(application, referral, policy=policy, now=now) if approved else []
    decision = {
        **referral,
        "outcome": request.outcome.value,
        # An approval needs no reasons; a decline keeps the referral's (at least one).
        "reasons": [] if approved else list(referral.get("reasons") or []),
        "decidedAt": iso_timestamp(now),
        "steps": [*referral.get("steps", []), step.to_json()],
        "review": {
            "outcome": request.outcome.value,
            "note": request.note,
            "reviewer": reviewer,
            "reviewedAt": iso_timestamp(now),
            "referredAt": referral.get("decidedAt"),
        },
    }
    return application.decided(decision, offers)


def review_offers(
    application: CreditApplication,
    referral: Mapping[str, Any],
    *,
    policy: Policy,
    now: datetime,
) -> list[dict[str, Any]]:
    """The plans of an underwriter's approval: the band's products for the amount whose
    instalment passes affordability on the referral's figures; with no figures (the
    underwriter assessed them by hand), pay-in-4 only, the interest-free shortest plan."""
    band_name = referral.get("band")
    band = policy.band_named(band_name) if isinstance(band_name, str) else None
    plans = candidate_offers(
        application.amount, band, policy, today=now.date(), application_id=application.id
    )
    figures = referral.get("affordability") or {}
    income, disposable = figures.get("monthlyIncome"), figures.get("disposableIncome")
    if not income or not disposable:
        return [p.to_json() for p in plans if p.frequency.value == "FORTNIGHTLY"]
    rules = policy.affordability
    return [
        p.to_json()
        for p in plans
        if not rules.failures(
            income=int(income["amount"]),
            disposable=int(disposable["amount"]),
            instalment=p.monthly_equivalent.amount,
        )
    ]
