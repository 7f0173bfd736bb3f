"""What a credit application's audit stream records: its decision, then any underwriter's review.

The decision's inputs and evidence stay on the application's item; an entry names them (ids,
policy and model versions, reason codes) and holds the digest of the stored decision, so the
entry shows which evidence was decided on and whether it was changed since. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.credit.applications.domain import CreditApplication
from services.shared.audit.chain import Change, Json, Subject, digest, stream_of

DECIDED = "application.decided"
REVIEWED = "application.reviewed"


def stream(application_id: str) -> str:
    """The application's audit stream."""
    return stream_of(Subject.APPLICATION, application_id)


def decided(application: CreditApplication) -> Change:
    """The entry of a decision (the workflow's, for the shopper who applied)."""
    decision = application.decision or {}
    return Change(
        action=DECIDED,
        before={"status": "PENDING", "outcome": None},
        after={"status": application.status.value, "outcome": application.outcome},
        evidence={
            "checkoutId": application.checkout_id,
            "customerId": application.customer_id,
            "bankConsentId": application.bank_consent_id,
            "amount": application.amount.amount,
            "currency": application.amount.currency,
            "offerIds": [str(offer.get("id")) for offer in application.offers],
            **_evidence(decision),
        },
    )


def reviewed(application: CreditApplication) -> Change:
    """The entry of an underwriter's settlement of a referral (the reviewer is the caller)."""
    decision = application.decision or {}
    review = decision.get("review") or {}
    note = review.get("note")
    return Change(
        action=REVIEWED,
        before={"status": application.status.value, "outcome": "REFERRED"},
        after={"status": application.status.value, "outcome": application.outcome},
        evidence={
            "offerIds": [str(offer.get("id")) for offer in application.offers],
            "noteSha256": digest(note) if isinstance(note, str) else None,
            **_evidence(decision),
        },
    )


def _evidence(decision: Mapping[str, Any]) -> dict[str, Json]:
    """What the decision rested on, by reference."""
    reasons = decision.get("reasons") or []
    return {
        "policyVersion": _text(decision.get("policyVersion")),
        "modelVersion": _text(decision.get("modelVersion")),
        "band": _text(decision.get("band")),
        "reasons": [str(r.get("code")) for r in reasons if isinstance(r, Mapping)],
        "decisionSha256": digest(decision),
    }


def _text(value: object) -> str | None:
    return None if value is None else str(value)
