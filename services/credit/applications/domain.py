"""Credit applications: a shopper's request for credit on a checkout, and its decision.

An application's id is derived from the customer and the idempotency key, so the item that
holds the application is also the claim on the key: a conditional put of that item is what
makes one key yield one application, however many requests race. The request's fingerprint
tells a retry (same body) from a reused key (another body).

Pure: no web, storage or AWS.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from services.credit.limits import (
    ID_MAX_CHARS,
    IDEMPOTENCY_KEY_MAX_CHARS,
    NOTE_MAX_CHARS,
    is_printable,
)
from services.shared.errors import ValidationError, VerificationRequired
from services.shared.money import Money
from services.shared.timestamps import iso_timestamp

_APPLY_FIELDS = frozenset({"checkoutId", "bankConsentId", "idempotencyKey"})
_REVIEW_FIELDS = frozenset({"outcome", "note"})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ApplicationStatus(StrEnum):
    """The API's `ApplicationStatus`."""

    PENDING = "PENDING"
    DECIDED = "DECIDED"


@dataclass(frozen=True, kw_only=True)
class ApplyRequest:
    """A validated `applyForCredit` input."""

    checkout_id: str
    bank_consent_id: str | None
    idempotency_key: str

    @property
    def fingerprint(self) -> str:
        """A digest of what is asked, without the key: equal for a retry of this request."""
        body = {"checkoutId": self.checkout_id, "bankConsentId": self.bank_consent_id}
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()

    @property
    def key_hash(self) -> str:
        """The idempotency key's digest (the key itself is not stored)."""
        return hashlib.sha256(self.idempotency_key.encode()).hexdigest()


def application_id(customer_id: str, idempotency_key: str) -> str:
    """The id of the application a customer's idempotency key names (scoped to the customer).

    Example:
        >>> application_id("c1", "k1") == application_id("c1", "k1") != application_id("c2", "k1")
        True
    """
    digest = hashlib.sha256(f"{customer_id}\x00{idempotency_key}".encode()).hexdigest()
    return f"app_{digest[:32]}"


def _identifier(payload: Mapping[str, Any], name: str, *, required: bool, max_chars: int) -> Any:
    value = payload.get(name)
    if value is None:
        if required:
            raise ValidationError(f"{name} is required", field=name)
        return None
    if not is_printable(value, max_chars):
        raise ValidationError(
            f"{name} must be 1 to {max_chars} printable characters without spaces", field=name
        )
    return value


def parse_apply_request(payload: Mapping[str, Any]) -> ApplyRequest:
    """Validate `{checkoutId, bankConsentId?, idempotencyKey}`.

    Raises:
        ValidationError: naming the field at fault.
    """
    for name in payload:
        if name not in _APPLY_FIELDS:
            raise ValidationError(f"unknown field {name!r}", field=str(name))
    return ApplyRequest(
        checkout_id=_identifier(payload, "checkoutId", required=True, max_chars=ID_MAX_CHARS),
        bank_consent_id=_identifier(
            payload, "bankConsentId", required=False, max_chars=ID_MAX_CHARS
        ),
        idempotency_key=_identifier(
            payload, "idempotencyKey", required=True, max_chars=IDEMPOTENCY_KEY_MAX_CHARS
        ),
    )


class ReviewOutcome(StrEnum):
    """What an underwriter may settle a referral as."""

    APPROVED = "APPROVED"
    DECLINED = "DECLINED"


@dataclass(frozen=True, kw_only=True)
class ReviewRequest:
    """A validated `reviewApplication` input (the application id comes from the path)."""

    outcome: ReviewOutcome
    note: str


def parse_review_request(payload: Mapping[str, Any]) -> ReviewRequest:
    """Validate `{outcome: APPROVED | DECLINED, note}`.

    Raises:
        ValidationError: naming the field at fault. REFERRED is no settlement.
    """
    for name in payload:
        if name not in _REVIEW_FIELDS:
            raise ValidationError(f"unknown field {name!r}", field=str(name))
    outcome = payload.get("outcome")
    if outcome not in {o.value for o in ReviewOutcome}:
        raise ValidationError("outcome must be APPROVED or DECLINED", field="outcome")
    note = payload.get("note")
    if not isinstance(note, str) or not note.strip():
        raise ValidationError("note must be a non-empty string", field="note")
    if len(note) > NOTE_MAX_CHARS or _CONTROL.search(note):
        raise ValidationError(
            f"note must be at most {NOTE_MAX_CHARS} characters, without control characters",
            field="note",
        )
    return ReviewRequest(outcome=ReviewOutcome(outcome), note=note.strip())


@dataclass(frozen=True, kw_only=True)
class CreditApplication:
    """One application, its screening evidence and, once decided, its decision and offers.

    Attributes:
        steps: the screening steps of the latest run (the API's `ScreeningStep`s, as JSON).
        decision: the API's `Decision` plus evidence (band, limit, rule hits, score), as JSON.
        offers: the API's `Offer`s, as JSON.
        attempts: how many times the workflow ran (a dependency outage leaves it PENDING;
            a retry with the same key runs it again from the start).
    """

    id: str
    customer_id: str
    checkout_id: str
    status: ApplicationStatus
    key_hash: str
    fingerprint: str
    bank_consent_id: str | None
    amount: Money
    checkout_expires_at: datetime
    created_at: datetime
    device_id: str | None = None
    source_ip: str | None = None
    attempts: int = 0
    lease_until: datetime | None = None  # a run holds the workflow until then
    steps: Sequence[Mapping[str, Any]] = ()
    decision: Mapping[str, Any] | None = None
    offers: Sequence[Mapping[str, Any]] = field(default=())

    @property
    def outcome(self) -> str | None:
        """The decision's outcome, None while PENDING."""
        return None if self.decision is None else str(self.decision["outcome"])

    def running(self, now: datetime) -> bool:
        """Whether a run of the workflow holds this application right now."""
        return self.lease_until is not None and self.lease_until > now

    def answers(self, request: ApplyRequest) -> bool:
        """Whether `request` is a retry of the request that created this application."""
        return self.fingerprint == request.fingerprint

    def decided(
        self, decision: Mapping[str, Any], offers: Sequence[Mapping[str, Any]]
    ) -> CreditApplication:
        """This application with its decision."""
        return replace(
            self,
            status=ApplicationStatus.DECIDED,
            decision=dict(decision),
            offers=tuple(offers),
            steps=tuple(decision.get("steps", self.steps)),
        )

    def to_json(self) -> dict[str, Any]:
        """The API's `CreditApplication`."""
        decision = None
        if self.decision is not None:
            decision = {
                key: self.decision.get(key)
                for key in (
                    "outcome",
                    "reasons",
                    "decidedAt",
                    "policyVersion",
                    "affordability",
                    "steps",
                    "review",
                    "modelVersion",
                    "band",
                )
            }
        return {
            "id": self.id,
            "checkoutId": self.checkout_id,
            "customerId": self.customer_id,
            "status": self.status.value,
            "decision": decision,
            "offers": [dict(offer) for offer in self.offers],
            "steps": [dict(step) for step in self.steps],
            "createdAt": iso_timestamp(self.created_at),
        }


VERIFIED = "VERIFIED"
"""A customer profile's `verificationStatus` once they verified their phone or email."""


def require_verified(customer: dict[str, Any]) -> None:
    """Raises VerificationRequired unless the customer verified their phone or email."""
    if customer.get("verificationStatus") != VERIFIED:
        raise VerificationRequired(
            "Verify your phone or email before applying for credit",
            details={"verificationStatus": customer.get("verificationStatus")},
        )
