"""The credit service's use cases for applications: apply (idempotently), read, review.

Idempotency: the application's id derives from (customer, idempotency key) and its item is
written only if absent, so one key is one application. A decided application is returned as
stored: the workflow never runs twice for it. A PENDING one (a dependency stayed down) is run
again *from the start* by a retry with the same key, on fresh data; its earlier steps stay on
the item until then. One run at a time: a run holds a lease on the item; a concurrent request
with the same key waits for that run's decision instead of running its own.

Several shoppers may apply to one checkout (up to `MAX_APPLICANTS_PER_CHECKOUT`); each decision is
its own shopper's and is announced as their view of the checkout. A shopper applying again is
no new applicant: their latest decision is the one that counts.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from services.credit.applications.challenger_records import ChallengerRecords
from services.credit.applications.domain import (
    ApplicationStatus,
    ApplyRequest,
    CreditApplication,
    ReviewOutcome,
    application_id,
    parse_apply_request,
    parse_review_request,
    require_verified,
)
from services.credit.applications.ports import (
    ApplicantRecords,
    ApplicationStore,
    CheckoutUnavailable,
    LeaseLost,
)
from services.credit.checkouts.domain import Checkout, CheckoutStatus, CustomerCaller
from services.credit.checkouts.ports import CheckoutRepository, CheckoutUpdates
from services.credit.limits import is_id
from services.credit.policy.rules import Policy
from services.credit.screening.checks.prior import PriorApplications, VelocityKey, applicant_keys
from services.credit.screening.events import EventPublisher, rejection_event
from services.credit.screening.retry import RetryPolicy, call_with_retries
from services.credit.screening.review import settle_referral
from services.credit.screening.runner import ScreeningWorkflow
from services.credit.screening.state import Screening
from services.credit.webhooks.events import EventDraft, decision_event
from services.shared.audit.chain import Entry
from services.shared.errors import (
    Conflict,
    DependencyFailure,
    IdempotencyKeyReused,
    InvalidState,
    NotFound,
    ServiceError,
    Unauthorized,
)
from services.shared.metrics import NO_METRICS, MetricsSink, count, milliseconds
from services.shared.timestamps import utc_now
from services.shared.trace import ContextThreadPool

logger = logging.getLogger(__name__)

UNDERWRITERS = "underwriters"
# Longer than any run can take (every dependency's tries and timeouts), so a live run is never
# taken over; a run that died (process killed) is picked up by a retry once it lapses.
LEASE = timedelta(seconds=60)
AWAIT_DECISION_S = 15.0
POLL_S = 0.05


class ProfileReader(Protocol):
    """The user service's `GET /customers/me` (`adapters.profiles.ProfileClient`)."""

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
    """Credit applications over a store, the checkouts, the user service and the workflow.

    `metrics` hears of each decision this service makes (not of one answered again for a retry):
    its outcome, how long the shopper waited for it from their request, and its reason codes.
    """

    def __init__(
        self,
        *,
        store: ApplicationStore,
        checkouts: CheckoutRepository,
        profiles: ProfileReader,
        workflow: ScreeningWorkflow,
        events: EventPublisher,
        updates: CheckoutUpdates,
        event_bus_name: str,
        retry: RetryPolicy | None = None,
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
        new_owner: Callable[[], str] = lambda: uuid.uuid4().hex,
        pool: Executor | None = None,
        metrics: MetricsSink = NO_METRICS,
        timer: Callable[[], float] = time.perf_counter,
        challengers: ChallengerRecords | None = None,
    ) -> None:
        self._store = store
        self._challengers = challengers or ChallengerRecords(store, metrics=metrics)
        self._metrics = metrics
        self._timer = timer
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
        self._pool = pool or ContextThreadPool(max_workers=8, thread_name_prefix="applications")

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
            CheckoutExpired, InvalidState: the checkout no longer takes applications, or not
                from this shopper (`MAX_APPLICANTS_PER_CHECKOUT` others applied).
            VerificationRequired: the customer has not verified their profile.
            DependencyFailure: a dependency stayed down; the application stays PENDING with
                the steps so far, and a retry with the same key runs it again.
            Conflict: another request with this key is still being decided; retry it.
        """
        began = self._timer()
        request = parse_apply_request(payload)
        app_id = application_id(shopper.sub, request.idempotency_key)
        # The profile is asked for while the application, the checkout and the applicant's
        # earlier applications are read: a new application needs them all, and they are
        # checked in the order a caller expects.
        profile = self._pool.submit(self._profile, shopper)
        applicant = applicant_keys(shopper.sub, shopper.device_id, shopper.source_ip)
        read = self._store.read_for_apply(
            app_id, request.checkout_id if is_id(request.checkout_id) else None, applicant
        )
        if read.application is not None:
            profile.cancel()  # a retry reads the profile again when it runs the workflow
            return self._resume(read.application, request, shopper, read.records, began=began)
        now = self._clock()
        checkout = self._opened(read.checkout, shopper.sub, now)
        customer = profile.result()
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
        prior = self._store.create(application, owner=owner, records=read.records)
        if prior is None:
            winner = self._store.get(app_id)
            if winner is None:  # pragma: no cover - applications are never deleted
                raise Conflict("The application is being created by another request; retry")
            return self._resume(winner, request, shopper, read.records, began=began)
        return self._run(
            application,
            shopper,
            prior,
            customer=customer,
            checkout=checkout,
            owner=owner,
            began=began,
        )

    def _resume(
        self,
        application: CreditApplication,
        request: ApplyRequest,
        shopper: Shopper,
        records: ApplicantRecords,
        *,
        began: float,
    ) -> CreditApplication:
        if not application.answers(request):
            raise IdempotencyKeyReused(
                "This idempotency key was used for a different application request",
                details={"field": "idempotencyKey"},
            )
        if application.status is ApplicationStatus.DECIDED:
            return application
        # Records read with the application hold every application written before it, unless
        # they were read before it was written (another request with this key won the race)
        # or it came from another device or address.
        keys = applicant_keys(application.customer_id, application.device_id, application.source_ip)
        if records.keys != keys or not records.prior.holds(VelocityKey.CUSTOMER, application.id):
            records = self._store.records(keys)
        return self._run(application, shopper, records.prior, began=began)

    def _run(
        self,
        application: CreditApplication,
        shopper: Shopper,
        prior: PriorApplications,
        *,
        customer: dict[str, Any] | None = None,
        checkout: Checkout | None = None,
        owner: str | None = None,
        began: float,
    ) -> CreditApplication:
        """Run the workflow under the lease `owner` holds (taken here when None), with `prior`
        the applicant's applications written before this run; `began` is when the request
        that runs it arrived (`timer`)."""
        now = self._clock()
        if owner is None:
            owner = self._new_owner()
            if not self._store.acquire(application.id, owner=owner, now=now, until=now + LEASE):
                return self._await_decision(application.id)
        steps: list[dict[str, Any]] = [dict(s) for s in application.steps]
        try:
            checkout = checkout or self._open_checkout(application.checkout_id, shopper.sub, now)
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
                prior=prior,
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
            self._store.decide(
                decided,
                owner=owner,
                now=decided_at,
                events=[_decision_event(checkout, decided)],
                first_events=checkout.untouched,
                recorded=prior.holds(VelocityKey.CUSTOMER, application.id),
            )
        except LeaseLost:
            return self._await_decision(application.id)
        except CheckoutUnavailable:
            self._store.save_progress(application.id, owner=owner, steps=steps)
            raise self._closed(application.checkout_id, shopper.sub, self._clock()) from None
        except BaseException:
            self._store.save_progress(application.id, owner=owner, steps=steps)
            raise
        logger.info(
            "application %s decided %s",
            decided.id,
            decided.outcome,
            extra={
                "application_id": decided.id,
                "outcome": decided.outcome,
                # Each screening step, in order: what a trace of the request shows as its hops.
                "steps": [[s.name, s.status.value, s.duration_ms] for s in run.steps],
            },
        )
        self._count_decision(decided, began)
        if run.challenger is not None:
            self._challengers.record(decided.id, run.challenger)
        if run.rejected:
            self._publish_rejection(decided)
        self._announce(checkout, decided)
        return decided

    def _count_decision(self, application: CreditApplication, began: float) -> None:
        """One event for the decision, with the shopper's wait, and one per reason code."""
        waited_ms = (self._timer() - began) * 1000
        outcome = str(application.outcome)
        self._metrics.emit(
            count("Decisions"), milliseconds("DecisionLatency", waited_ms), outcome=outcome
        )
        for reason in (application.decision or {}).get("reasons") or []:
            self._metrics.emit(count("DecisionReasons"), reason=str(reason.get("code")))

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

    def _open_checkout(self, checkout_id: str, sub: str, now: datetime) -> Checkout:
        """The checkout, if it takes an application from the shopper `sub`."""
        return self._opened(self._checkouts.get(checkout_id), sub, now)

    @staticmethod
    def _opened(checkout: Checkout | None, sub: str, now: datetime) -> Checkout:
        """`checkout`, if there is one and it takes an application from the shopper `sub`."""
        if checkout is None:
            raise NotFound("Checkout not found")
        refusal = checkout.refusal(sub, now)
        if refusal is not None:
            raise refusal
        return checkout

    def _closed(self, checkout_id: str, sub: str, now: datetime) -> ServiceError:
        """Why the checkout refused a decision for `sub` (read again: it moved meanwhile)."""
        checkout = self._checkouts.get(checkout_id)
        if checkout is None:  # pragma: no cover - checkouts are never deleted
            return NotFound("Checkout not found")
        return checkout.refusal(sub, now) or Conflict(
            "The checkout changed while the application was decided; retry with the same "
            "idempotency key",
            details={"checkoutId": checkout_id},
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
        found = self._store.get(application_id) if is_id(application_id) else None
        if found is None or (found.customer_id != sub and UNDERWRITERS not in groups):
            raise NotFound("Application not found")
        return found

    def audit_trail(self, *, groups: tuple[str, ...], application_id: str) -> list[Entry]:
        """The application's audit entries, oldest first, to underwriters only (its customer
        sees the decision's reasons on the application itself).

        Raises:
            NotFound: it does not exist, or the caller is no underwriter (indistinguishable).
        """
        found = self._store.get(application_id) if is_id(application_id) else None
        if found is None or UNDERWRITERS not in groups:
            raise NotFound("Application not found")
        return self._store.audit_trail(application_id)

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

        Only that applicant's decision on the checkout changes; the checkout stays open to the
        others until someone accepts an offer.

        Raises:
            Unauthorized: the caller is not in the `underwriters` group, or is the applicant
                (nobody reviews their own application).
            ValidationError, NotFound.
            InvalidState: the application is not REFERRED (or was settled meanwhile), or it is
                no longer its shopper's application on an open checkout.
            CheckoutExpired: the checkout's time is up.
        """
        if UNDERWRITERS not in groups:
            raise Unauthorized("Only underwriters may review applications")
        request = parse_review_request(payload)
        application = self.get(sub=sub, groups=groups, application_id=application_id)
        if application.customer_id == sub:
            raise Unauthorized("An underwriter may not review their own application")
        if application.outcome != "REFERRED" or application.decision is None:
            raise InvalidState(
                "Only a REFERRED application can be reviewed",
                details={"status": application.status.value, "outcome": application.outcome},
            )
        now = self._clock()
        checkout = self._referral_checkout(application, now)
        settled = settle_referral(application, request, reviewer=sub, policy=self.policy, now=now)
        try:
            self._store.settle(settled, now=now, events=[_decision_event(checkout, settled)])
        except LeaseLost:
            raise InvalidState("The application was settled by another review") from None
        except CheckoutUnavailable:
            self._referral_checkout(application, now)  # says why
            raise InvalidState("The checkout changed during the review; review again") from None
        if request.outcome is ReviewOutcome.DECLINED:
            self._publish_rejection(settled)
        self._announce(checkout, settled)
        return settled

    def _referral_checkout(self, application: CreditApplication, now: datetime) -> Checkout:
        """The checkout of a referral, if the referral still stands on it.

        Raises:
            CheckoutExpired, InvalidState: the checkout is closed, or its shopper applied again
                since (their latest application is the one that counts).
        """
        checkout = self._checkouts.get(application.checkout_id)
        if checkout is None:  # pragma: no cover - checkouts are never deleted
            raise NotFound("Checkout not found")
        refusal = checkout.refusal(application.customer_id, now)
        if refusal is not None:
            raise refusal
        mine = checkout.applicants.get(application.customer_id)
        if mine is None or mine.application_id != application.id:
            raise InvalidState(
                "The shopper applied again on this checkout: only their latest application counts",
                details={"checkoutId": checkout.id, "reason": "SUPERSEDED"},
            )
        return checkout

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

    def _announce(self, checkout: Checkout, application: CreditApplication) -> None:
        """Publish the checkout as the applicant now sees it: their outcome, their sub, their
        application (a subscription filtered on customerId reaches them alone)."""
        sub = application.customer_id
        view = _decided(checkout, application).seen_by(CustomerCaller(sub=sub), None)
        assert view is not None, "an applicant sees the unbound checkout they applied to"
        self._updates.published(view.to_json())


def _decided(checkout: Checkout, application: CreditApplication) -> Checkout:
    """The checkout with `application`'s outcome as its customer's entry."""
    return checkout.with_decision(
        application.customer_id, application.id, CheckoutStatus(str(application.outcome))
    )


def _decision_event(checkout: Checkout, application: CreditApplication) -> EventDraft:
    """What the merchant hears of a decision: the checkout as they would read it now."""
    return decision_event(
        _decided(checkout, application),
        application_id=application.id,
        outcome=str(application.outcome),
    )
