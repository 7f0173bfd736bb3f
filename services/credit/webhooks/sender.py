"""The webhook sender: fans each new event out to its endpoints, then delivers, retries and
dead-letters.

One pass (`run_once`) does both halves:

1. Dispatch: every event not yet fanned out gets one delivery per enabled endpoint of its
   merchant that takes its type (a `webhook.test` event: its one endpoint), each due at once;
   then the event is marked dispatched. A delivery's id is a function of (event, endpoint), so a
   pass that dies half-way and runs again makes no second delivery.
2. Delivery: every due delivery is claimed (a lease), sent, and its outcome recorded
   (`Delivery.after`). Deliveries of one checkout to one endpoint go out in `sequence` order
   within a pass; different ones go out side by side.

Locally `bnpl dev` runs it in a loop (`sender_task`); in AWS the sender Lambda runs a pass on
every batch of the outbox's stream and on a schedule (`lambda_handler`).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from itertools import groupby
from typing import Protocol

import httpx
import orjson

from services.credit.webhooks.domain import (
    ATTEMPT_TIMEOUT_S,
    Attempt,
    Delivery,
    DeliveryStatus,
    DisabledReason,
    Endpoint,
    SigningSecret,
    StoredEvent,
    failing_too_long,
    new_delivery,
    next_attempt,
    parse_retry_after,
)
from services.credit.webhooks.events import EventType
from services.credit.webhooks.ports import SecretStore
from services.credit.webhooks.signing import signed_headers
from services.credit.webhooks.store import DynamoWebhookStore
from services.shared import trace
from services.shared.errors import ServiceError
from services.shared.metrics import NO_METRICS, MetricsSink, count
from services.shared.timestamps import utc_now

logger = logging.getLogger(__name__)

# A lease outlives the attempt it covers (15 s) with room to record the outcome.
LEASE = timedelta(seconds=45)
BATCH = 100


class DeadLetters(Protocol):
    def report(self, delivery: Delivery) -> None:
        """Tell operations a delivery was given up (the dead-letter queue in AWS)."""
        ...


class LoggedDeadLetters:
    """The local stack's dead letters: a warning in the sender's log."""

    def report(self, delivery: Delivery) -> None:
        logger.warning(
            "delivery %s of %s to %s dead-lettered after %d attempts: %s",
            delivery.id,
            delivery.event_id,
            delivery.endpoint_id,
            delivery.attempts,
            delivery.last_error,
        )


# A delivery after its turn, and the attempt made (None when it was given up unsent).
Sent = tuple[Delivery, Attempt | None]


@dataclass
class PassReport:
    """What one pass did."""

    dispatched: int = 0
    delivered: int = 0
    failed_attempts: int = 0
    dead_lettered: int = 0
    outcomes: list[Delivery] = field(default_factory=list)

    @property
    def attempts(self) -> int:
        return self.delivered + self.failed_attempts

    def add(self, sent: Iterable[Sent]) -> None:
        for outcome, attempt in sent:
            self.outcomes.append(outcome)
            if attempt is not None and attempt.delivered:
                self.delivered += 1
            elif attempt is not None:
                self.failed_attempts += 1
            if outcome.status is DeliveryStatus.FAILED:
                self.dead_lettered += 1


class WebhookSender:
    """Dispatches and delivers (see the module docstring).

    Args:
        merchant_of: the merchant of a checkout (the stream of its events); None if unknown.
        lease: how long a claimed delivery is held; longer than `timeout_s`.
        metrics: told of each attempt (and whether it failed) and of each dead letter.
    """

    def __init__(
        self,
        *,
        store: DynamoWebhookStore,
        secrets: SecretStore,
        merchant_of: Callable[[str], str | None],
        http: httpx.Client,
        dead_letters: DeadLetters | None = None,
        clock: Callable[[], datetime] = utc_now,
        timeout_s: float = ATTEMPT_TIMEOUT_S,
        lease: timedelta = LEASE,
        workers: int = 8,
        metrics: MetricsSink = NO_METRICS,
    ) -> None:
        self._store = store
        self._metrics = metrics
        self._secrets = secrets
        self._merchant_of = merchant_of
        self._http = http
        self._dead_letters = dead_letters or LoggedDeadLetters()
        self._clock = clock
        self._timeout_s = timeout_s
        self._lease = lease
        self._owner = f"sender:{uuid.uuid4()}"
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="webhook")
        # Read once per pass: a merchant's endpoints, an endpoint's secrets.
        self._endpoints: dict[str, list[Endpoint]] = {}
        self._signing: dict[str, list[SigningSecret]] = {}

    def run_once(self) -> PassReport:
        """Dispatch what is new (sending each at once), then deliver what is due."""
        self._endpoints.clear()
        self._signing.clear()
        report = PassReport()
        self.dispatch(report=report)
        self.deliver_due(report)
        return report

    # ------------------------------------------------------------------ dispatch

    def dispatch(
        self, keys: Iterable[tuple[str, int]] | None = None, *, report: PassReport | None = None
    ) -> PassReport:
        """Fan out the given events (by default every undispatched one) and make each new
        delivery's first attempt at once: one checkout's events in sequence order, different
        checkouts' side by side."""
        report = report or PassReport()
        found = sorted(keys if keys is not None else self._store.undispatched(BATCH))
        if not found:
            return report
        try:
            events = self._store.events_at(found)
        except ServiceError as exc:
            logger.warning("dispatch left for a later pass: %r", exc)
            return report
        lanes = [list(g) for _, g in groupby(found, key=lambda key: key[0])]
        for made in self._pool.map(partial(self._dispatch_lane, events), lanes):
            report.dispatched += len(made)
            report.add(made)
        return report

    def _dispatch_lane(
        self, events: Mapping[tuple[str, int], StoredEvent], keys: list[tuple[str, int]]
    ) -> list[Sent]:
        made: list[Sent] = []
        try:
            for stream, sequence in keys:
                event = events.get((stream, sequence))
                if event is not None:
                    for endpoint in self._endpoints_for(event):
                        now = self._clock()
                        delivery = new_delivery(event, endpoint, now)
                        # Created held by this sender, so no other sends it meanwhile; if this
                        # one dies now, the lease runs out and the delivery is due.
                        if self._store.add_delivery(
                            delivery, owner=self._owner, until=now + self._lease
                        ):
                            made.append(self._attempt(delivery, endpoint, event))
                self._store.dispatched(stream, sequence)
        except ServiceError as exc:
            # Storage failed: what is not marked dispatched is fanned out again by a later
            # pass, and a delivery made already is not made twice.
            logger.warning("dispatch left for a later pass: %r", exc)
        return made

    def _endpoints_for(self, event: StoredEvent) -> list[Endpoint]:
        if event.type is EventType.WEBHOOK_TEST:
            endpoint = self._store.endpoint(event.stream.removeprefix("test:"))
            return [endpoint] if endpoint and endpoint.enabled else []
        merchant = _named_merchant(event) or self._merchant_of(event.stream)
        if merchant is None:
            logger.warning("event %s names no known checkout; not sent", event.id)
            return []
        if merchant not in self._endpoints:
            self._endpoints[merchant] = self._store.endpoints_of(merchant)
        return [e for e in self._endpoints[merchant] if e.wants(event.type)]

    # ------------------------------------------------------------------ delivery

    def deliver_due(self, report: PassReport | None = None) -> PassReport:
        """Claim and send every due delivery: one checkout's to one endpoint in sequence order,
        different ones side by side."""
        report = report or PassReport()
        now = self._clock()
        claimed = [
            d
            for d in (
                self._store.claim(i, owner=self._owner, now=now, until=now + self._lease)
                for i in self._store.due(now, BATCH)
            )
            if d is not None
        ]
        claimed.sort(key=lambda d: (d.endpoint_id, d.stream, d.sequence))
        lanes = [list(g) for _, g in groupby(claimed, key=lambda d: (d.endpoint_id, d.stream))]
        for outcomes in self._pool.map(self._deliver_lane, lanes):
            report.add(outcomes)
        return report

    def _deliver_lane(self, lane: list[Delivery]) -> list[Sent]:
        done = []
        for delivery in lane:
            try:
                done.append(self.attempt(delivery))
            except ServiceError as exc:
                # Storage failed around the attempt: the lease runs out and a later pass retries.
                logger.warning("delivery %s left for a later pass: %r", delivery.id, exc)
        return done

    def attempt(self, delivery: Delivery) -> Sent:
        """Send one claimed delivery and record what happened: the delivery as it is now, and
        the attempt (None when it was given up unsent)."""
        endpoint = self._store.endpoint(delivery.endpoint_id)
        event = self._store.event_at(delivery.stream, delivery.sequence)
        return self._attempt(delivery, endpoint, event)

    def _attempt(
        self, delivery: Delivery, endpoint: Endpoint | None, event: StoredEvent | None
    ) -> Sent:
        now = self._clock()
        if endpoint is None or not endpoint.enabled or event is None:
            why = "endpoint disabled" if event is not None else "event no longer kept"
            return self._finish(delivery.given_up(why, now), endpoint), None
        with trace.bound(_cause(event)):
            began = time.perf_counter()
            attempt = self._send(endpoint, event)
            self._metrics.emit(
                count("DeliveryAttempts"), count("DeliveryFailures", 0 if attempt.delivered else 1)
            )
            logger.info(
                "webhook %s %s to %s: %s",
                event.type.value,
                event.id,
                endpoint.id,
                attempt.status_code or attempt.error,
                extra={
                    "hop": "webhook",
                    "duration_ms": round((time.perf_counter() - began) * 1000, 1),
                    "attempt": delivery.attempts + 1,
                },
            )
            now = self._clock()
            retry_at = next_attempt(delivery.attempts + 1, attempt, now)
            return self._finish(delivery.after(attempt, now, retry_at), endpoint, attempt), attempt

    def _send(self, endpoint: Endpoint, event: StoredEvent) -> Attempt:
        body = event.body.encode()
        try:
            # Signed at the real time, whatever clock schedules the attempts: receivers hold the
            # timestamp to their own clock.
            headers = signed_headers(event.id, body, self._secrets_of(endpoint.id), utc_now())
        except ValueError as exc:
            return Attempt(status_code=None, error=str(exc))
        try:
            response = self._http.post(
                endpoint.url, content=body, headers=headers, timeout=self._timeout_s
            )
        except httpx.TimeoutException:
            return Attempt(status_code=None, error=f"timed out after {self._timeout_s:g} s")
        except httpx.HTTPError as exc:
            return Attempt(status_code=None, error=f"{type(exc).__name__}: {exc}")
        retry_after = parse_retry_after(response.headers.get("retry-after"), self._clock())
        return Attempt(status_code=response.status_code, retry_after=retry_after)

    def _secrets_of(self, endpoint_id: str) -> list[SigningSecret]:
        if endpoint_id not in self._signing:
            self._signing[endpoint_id] = self._secrets.get(endpoint_id)
        return self._signing[endpoint_id]

    def _finish(
        self, outcome: Delivery, endpoint: Endpoint | None, attempt: Attempt | None = None
    ) -> Delivery:
        now = self._clock()
        if not self._store.record(outcome, owner=self._owner):
            logger.warning("delivery %s: lease lost before its outcome was recorded", outcome.id)
            return outcome
        if endpoint is not None and attempt is not None:
            self._endpoint_health(endpoint, attempt, outcome, now)
        # Operations hear of deliveries that ran out of attempts; one the merchant stopped (a
        # disabled endpoint, a 410) is theirs to see in `webhookDeliveries`, not an alarm.
        exhausted = attempt is not None and not attempt.gone
        if outcome.status is DeliveryStatus.FAILED and exhausted:
            self._dead_letters.report(outcome)
            self._metrics.emit(count("DeadLettered"))
        return outcome

    def _endpoint_health(
        self, endpoint: Endpoint, attempt: Attempt, outcome: Delivery, now: datetime
    ) -> None:
        if attempt.delivered:
            if endpoint.failing_since is not None:
                self._store.succeeded(endpoint.id)
            return
        if attempt.gone:
            self._store.disable(endpoint.id, DisabledReason.GONE, now)
            logger.warning("endpoint %s answered 410 Gone: disabled", endpoint.id)
            return
        failing = self._store.failed(endpoint.id, now)
        given_up = outcome.status is DeliveryStatus.FAILED
        if given_up and failing is not None and failing_too_long(failing, now):
            self._store.disable(endpoint.id, DisabledReason.FAILING, now)
            since = failing.failing_since
            logger.warning("endpoint %s failing since %s: disabled", endpoint.id, since)

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def _cause(event: StoredEvent) -> trace.Trace:
    """The trace of the request that caused `event` (new ids for an event from before)."""
    return trace.Trace(
        request_id=event.request_id or trace.new_request_id(),
        root=event.trace_root or trace.new_root(),
    )


def _named_merchant(event: StoredEvent) -> str | None:
    """The merchant a checkout event's own snapshot names (we wrote it), sparing a read of the
    checkout; None for an event without one (a plan's)."""
    checkout = orjson.loads(event.body).get("data", {}).get("checkout")
    merchant = checkout.get("merchantId") if isinstance(checkout, dict) else None
    return merchant if isinstance(merchant, str) else None
