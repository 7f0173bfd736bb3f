"""The credit service's use cases for applications: apply (idempotently), read, review.

Idempotency: the application's id derives from (customer, idempotency key) and its item is
written only if absent, so one key is one application. A decided application is returned as
stored: the workflow never runs twice for it. A PENDING one (a dependency stayed down) is run
again *from the start* by a retry with the same key, on fresh data; its earlier steps stay on
the item until then. One run at a time: a run holds a lease on the item; a concurrent request
with the same key waits for that run's decision instead of running its own.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from services.credit.applications import ApplicationStore, CheckoutUnavailable, LeaseLost
from services.credit.checkout_updates import CheckoutUpdates
from services.credit.credit_application import (
    ApplicationStatus,
    ApplyRequest,
    CreditApplication,
    ReviewOutcome,
    application_id,
    parse_apply_request,
    parse_review_request,
)
from services.credit.domain import Checkout, CheckoutStatus
from services.credit.offers import candidate_offers
from services.credit.policy import Policy
from services.credit.profiles import require_verified
from services.credit.repository import CheckoutRepository
from services.credit.workflow.events import EventPublisher, rejection_event
from services.credit.workflow.retry import RetryPolicy, call_with_retries
from services.credit.workflow.runner import StepResult, Workflow
from services.credit.workflow.steps import Screening, StepStatus
from services.shared.errors import (
    CheckoutExpired,
    Conflict,
    DependencyFailure,
    IdempotencyKeyReused,
    InvalidState,
    NotFound,
    Unauthorized,
)
from services.shared.timestamps import iso_timestamp, utc_now

logger = logging.getLogger(__name__)

UNDERWRITERS = "underwriters"
# Longer than any run can take (every dependency's tries and timeouts), so a live run is never
# taken over; a run that died (process killed) is picked up by a retry once it lapses.
LEASE = timedelta(seconds=60)
AWAIT_DECISION_S = 15.0
POLL_S = 0.05
MAX_ID_CHARS = 128


class ProfileReader(Protocol):
    """The user service's `GET /customers/me` (`services.credit.profiles.ProfileClient`)."""

    def me(self, authorization: str) -> dict[str, Any]: ...


@dataclass(frozen=True, kw_only=True)
class Shopper:
    """The signed-in customer applying, and where the request came from.

    Attributes:
        authorization: their `Authorization` value, forwarded to the user service.
        device_id, source_ip: as AppSync saw the request (via the credit proxy); None if unknown.
    """

    sub: str
    groups: tuple[str, ...]
    authorization: str
    device_id: str | None = None
    source_ip: str | None = None


class ApplicationService:
    """Credit applications over a store, the checkouts, the user service and the workflow."""

    def __init__(
        self,
        *,
        store: ApplicationStore,
        checkouts: CheckoutRepository,
        profiles: ProfileReader,
        workflow: Workflow,
        events: EventPublisher,
        updates: CheckoutUpdates,
        event_bus_name: str,
        retry: RetryPolicy | None = None,
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
        new_owner: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        self._store = store
        self._checkouts = checkouts
        self._profiles = profiles
        self._workflow = workflow
        self._events = events
        self._updates = updates
        self._bus = event_bus_name
        self._retry = retry or RetryPolicy()
        self._clock = clock
        self._sleep = sleep
        self._new_owner = new_owner

    @property
    def policy(self) -> Policy:
        return self._workflow.policy

    # ------------------------------------------------------------------ apply

    def apply(self, *, shopper: Shopper, payload: Mapping[str, Any]) -> CreditApplication:
        """Apply for credit on a checkout: screen, decide, store, announce.

        Raises:
            ValidationError: bad input (nothing written).
            IdempotencyKeyReused: the key was used for another checkout or consent.
            NotFound: no such checkout.
            CheckoutExpired, InvalidState: the checkout no longer takes applications.
            VerificationRequired: the customer has not verified their profile.
            DependencyFailure: a dependency stayed down; the application stays PENDING with
                the steps so far, and a retry with the same key runs it again.
            Conflict: another request with this key is still being decided; retry it.
        """
        request = parse_apply_request(payload)
        app_id = application_id(shopper.sub, request.idempotency_key)
        existing = self._store.get(app_id)
        if existing is not None:
            return self._resume(existing, request, shopper)
        now = self._clock()
        checkout = self._open_checkout(request.checkout_id, now)
        customer = self._profile(shopper)
        owner = self._new_owner()
        # Created with its first run's lease held: one write fewer than create-then-acquire.
        application = CreditApplication(
            id=app_id,
            customer_id=shopper.sub,
            checkout_id=checkout.id,
            status=ApplicationStatus.PENDING,
            key_hash=request.key_hash,
            fingerprint=request.fingerprint,
            bank_consent_id=request.bank_consent_id,
            amount=checkout.amount,
            checkout_expires_at=checkout.expires_at,
            created_at=now,
            device_id=shopper.device_id,
            source_ip=shopper.source_ip,
            attempts=1,
            lease_until=now + LEASE,
        )
        if not self._store.create(application, owner=owner):
            winner = self._store.get(app_id)
            if winner is None:  # pragma: no cover - applications are never deleted
                raise Conflict("The application is being created by another request; retry")
            return self._resume(winner, request, shopper)
        return self._run(application, shopper, customer=customer, checkout=checkout, owner=owner)

    def _resume(
        self, application: CreditApplication, request: ApplyRequest, shopper: Shopper
    ) -> CreditApplication:
        if not application.answers(request):
            raise IdempotencyKeyReused(
                "This idempotency key was used for a different application request",
                details={"field": "idempotencyKey"},
            )
        if application.status is ApplicationStatus.DECIDED:
            return application
        return self._run(application, shopper)

    def _run(
        self,
        application: CreditApplication,
        shopper: Shopper,
        *,
        customer: dict[str, Any] | None = None,
        checkout: Checkout | None = None,
        owner: str | None = None,
    ) -> CreditApplication:
        """Run the workflow under the lease `owner` holds (taken here when None)."""
        now = self._clock()
        if owner is None:
            owner = self._new_owner()
            if not self._store.acquire(application.id, owner=owner, now=now, until=now + LEASE):
                return self._await_decision(application.id)
        steps: list[dict[str, Any]] = [dict(s) for s in application.steps]
        try:
            checkout = checkout or self._open_checkout(application.checkout_id, now)
            customer = customer or self._profile(shopper)
            screening = Screening(
                application_id=application.id,
                customer=customer,
                checkout=checkout.to_json(),
                amount=checkout.amount,
                authorization=shopper.authorization,
                bank_consent_id=application.bank_consent_id,
                device_id=application.device_id,
                source_ip=application.source_ip,
                now=now,
            )
            run = self._workflow.run(screening)
            steps = [step.to_json() for step in run.steps]
            if run.outcome is None:
                assert run.error is not None
                raise run.error
            decided_at = self._clock()
            decided = application.decided(
                run.decision_json(decided_at=decided_at), [o.to_json() for o in run.offers]
            )
            outcome = run.outcome.outcome.value
            self._store.decide(decided, owner=owner, checkout_status=outcome, now=decided_at)
        except LeaseLost:
            return self._await_decision(application.id)
        except CheckoutUnavailable:
            self._store.save_progress(application.id, owner=owner, steps=steps)
            raise self._closed(application.checkout_id, self._clock()) from None
        except BaseException:
            self._store.save_progress(application.id, owner=owner, steps=steps)
            raise
        if run.rejected:
            self._publish_rejection(decided)
        self._announce(checkout, decided, CheckoutStatus(outcome))
        return decided

    def _await_decision(self, app_id: str) -> CreditApplication:
        """Another request runs this application's workflow: answer its decision."""
        deadline = time.monotonic() + AWAIT_DECISION_S
        while time.monotonic() < deadline:
            current = self._store.get(app_id)
            if current is not None and current.status is ApplicationStatus.DECIDED:
                return current
            if current is not None and not current.running(self._clock()):
                # That run ended undecided (a dependency was down): its caller was told so.
                raise DependencyFailure(
                    "The application could not be decided yet; retry with the same idempotency key",
                    details={"applicationId": app_id},
                )
            self._sleep(POLL_S)
        raise Conflict(
            "The application is still being decided; retry with the same idempotency key",
            details={"applicationId": app_id},
        )

    def _open_checkout(self, checkout_id: str, now: datetime) -> Checkout:
        checkout = self._checkouts.get(checkout_id) if len(checkout_id) <= MAX_ID_CHARS else None
        if checkout is None:
            raise NotFound("Checkout not found")
        if checkout.status is not CheckoutStatus.CREATED or checkout.expired(now):
            raise self._closed(checkout_id, now)
        return checkout

    def _closed(self, checkout_id: str, now: datetime) -> Exception:
        checkout = self._checkouts.get(checkout_id)
        if checkout is None:  # pragma: no cover - checkouts are never deleted
            return NotFound("Checkout not found")
        if checkout.expired(now):
            return CheckoutExpired("The checkout has expired", details={"checkoutId": checkout_id})
        return InvalidState(
            f"The checkout is {checkout.status.value}: it takes no more applications",
            details={"checkoutId": checkout_id, "status": checkout.status.value},
        )

    def _profile(self, shopper: Shopper) -> dict[str, Any]:
        customer = call_with_retries(
            lambda: self._profiles.me(shopper.authorization),
            policy=self._retry,
            sleep=self._sleep,
        ).value
        require_verified(customer)
        return customer

    # ------------------------------------------------------------------ read

    def get(self, *, sub: str, groups: tuple[str, ...], application_id: str) -> CreditApplication:
        """The application, to its customer or an underwriter.

        Raises:
            NotFound: it does not exist, or the caller may not see it (indistinguishable).
        """
        found = self._store.get(application_id) if len(application_id) <= MAX_ID_CHARS else None
        if found is None or (found.customer_id != sub and UNDERWRITERS not in groups):
            raise NotFound("Application not found")
        return found

    # ------------------------------------------------------------------ review

    def review(
        self,
        *,
        sub: str,
        groups: tuple[str, ...],
        application_id: str,
        payload: Mapping[str, Any],
    ) -> CreditApplication:
        """An underwriter settles a REFERRED application: APPROVED (with offers) or DECLINED.

        Raises:
            Unauthorized: the caller is not in the `underwriters` group.
            ValidationError, NotFound.
            InvalidState: the application is not REFERRED (or was settled meanwhile).
            CheckoutExpired: the checkout's time is up.
        """
        if UNDERWRITERS not in groups:
            raise Unauthorized("Only underwriters may review applications")
        request = parse_review_request(payload)
        application = self.get(sub=sub, groups=groups, application_id=application_id)
        if application.outcome != "REFERRED" or application.decision is None:
            raise InvalidState(
                "Only a REFERRED application can be reviewed",
                details={"status": application.status.value, "outcome": application.outcome},
            )
        now = self._clock()
        checkout = self._checkouts.get(application.checkout_id)
        if (
            checkout is None
            or checkout.expired(now)
            or checkout.status is not (CheckoutStatus.REFERRED)
        ):
            raise self._closed(application.checkout_id, now)
        referral = application.decision
        approved = request.outcome is ReviewOutcome.APPROVED
        step = StepResult(
            name="UnderwriterReview",
            status=StepStatus.PASSED if approved else StepStatus.FAILED,
            duration_ms=0,
            detail={"outcome": request.outcome.value, "reviewer": sub, "note": request.note},
        )
        offers = self._review_offers(application, referral, now) if approved else []
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
                "reviewer": sub,
                "reviewedAt": iso_timestamp(now),
                "referredAt": referral.get("decidedAt"),
            },
        }
        settled = application.decided(decision, offers)
        try:
            self._store.settle(settled, checkout_status=request.outcome.value, now=now)
        except LeaseLost:
            raise InvalidState("The application was settled by another review") from None
        except CheckoutUnavailable:
            raise self._closed(application.checkout_id, now) from None
        if not approved:
            self._publish_rejection(settled)
        self._announce(checkout, settled, CheckoutStatus(request.outcome.value))
        return settled

    def _review_offers(
        self, application: CreditApplication, referral: Mapping[str, Any], now: datetime
    ) -> list[dict[str, Any]]:
        """The plans of an underwriter's approval: the band's products for the amount whose
        instalment passes affordability on the referral's figures; with no figures (the
        underwriter assessed them by hand), pay-in-4 only, the interest-free shortest plan."""
        policy = self.policy
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

    # ------------------------------------------------------------------ announcements

    def _publish_rejection(self, application: CreditApplication) -> None:
        decision = application.decision or {}
        event = rejection_event(
            application_id=application.id,
            checkout_id=application.checkout_id,
            customer_id=application.customer_id,
            reasons=decision.get("reasons") or [],
            policy_version=str(decision.get("policyVersion")),
            decided_at=self._clock(),
            event_bus_name=self._bus,
        )
        try:
            self._events.publish(event)
        except Exception:
            # The decision is stored and answered; the event is re-derivable from it. Logged
            # loudly so an operator can replay it.
            logger.exception("rejection event of %s was not published", application.id)

    def _announce(
        self, checkout: Checkout, application: CreditApplication, status: CheckoutStatus
    ) -> None:
        changed = replace(
            checkout,
            status=status,
            customer_id=application.customer_id,
            application_id=application.id,
        )
        self._updates.published(changed.to_json())
