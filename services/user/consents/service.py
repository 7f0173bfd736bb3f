"""Open-banking use cases: grant, read, revoke and reconfirm consents; read bank data under one;
apply the bank's notification that it revoked or expired one.

Every method but `apply_bank_notification` acts for one signed-in customer. A consent id of
another customer is NotFound, never Unauthorized: whether it exists is none of the caller's
business. An id no consent can have (empty, over `ID_MAX_CHARS`, not valid Unicode) is NotFound
too, stating the limit, and is never looked up.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from services.shared.errors import InvalidState, NotFound, ValidationError
from services.shared.ids import ID_MAX_CHARS, is_valid_id
from services.shared.timestamps import iso_timestamp, utc_now
from services.user.consents.banking import DEFAULT_HISTORY, BankGateway, read_bank_data
from services.user.consents.domain import BankConsent, ConsentStatus, parse_datetime, parse_grant
from services.user.consents.notifications import BankNotification, Outcome, Recorded
from services.user.consents.ports import ConsentRepository

logger = logging.getLogger(__name__)

_NOT_FOUND = "Bank consent not found"
_NO_SUCH_ID = f"{_NOT_FOUND}: consent ids are 1 to {ID_MAX_CHARS} characters"


class ConsentService:
    """A customer's open-banking consents and, under an authorised one, their bank data.

    Args:
        repository: where consents are kept.
        bank: the bank's account-information API (the sandbox bank locally).
        clock: the current time; tests move it to expire consents.
    """

    def __init__(
        self,
        *,
        repository: ConsentRepository,
        bank: BankGateway,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._repository = repository
        self._bank = bank
        self._clock = clock

    def grant(self, *, customer_id: str, payload: Mapping[str, Any]) -> BankConsent:
        """Request a consent and have the customer authorise it at their bank.

        The two steps stay apart, as OBIE has them: the consent is stored AWAITING_AUTHORISATION,
        then the bank's answer moves it to AUTHORISED or REJECTED. With the sandbox bank the
        answer comes at once; a real bank's redirect would call `complete_authorisation` from
        its callback instead.

        Raises:
            ValidationError: bad permissions or expiry (nothing is written).
        """
        now = self._clock()
        request = parse_grant(payload, now=now, max_duration=self._bank.max_consent_duration)
        consent = BankConsent.request(
            consent_id=str(uuid.uuid4()), customer_id=customer_id, request=request, now=now
        )
        self._repository.add(consent)
        # If the bank call fails the consent stays AWAITING_AUTHORISATION, which grants nothing
        # and expires on its own; the customer may revoke it or grant again.
        return self.complete_authorisation(consent, approved=self._bank.authorise(consent))

    def complete_authorisation(self, consent: BankConsent, *, approved: bool) -> BankConsent:
        """Record the bank's answer to an AWAITING_AUTHORISATION consent."""
        now = self._clock()
        decided = consent.authorise(now) if approved else consent.reject(now)
        if not self._repository.transition(decided, expected=consent.status):
            raise InvalidState("The consent changed while it was being authorised")
        return decided

    def get(self, *, customer_id: str, consent_id: str) -> BankConsent:
        """The customer's consent as it stands now (EXPIRED once its expiry has passed).

        Raises:
            NotFound: the customer has no consent with this id, or no consent can have it.
        """
        if not is_valid_id(consent_id):
            raise NotFound(_NO_SUCH_ID)
        consent = self._repository.get(customer_id, consent_id)
        if consent is None:
            raise NotFound(_NOT_FOUND)
        return self._settled(consent)

    def list(self, *, customer_id: str) -> list[BankConsent]:
        """All the customer's consents, newest first."""
        consents = [self._settled(c) for c in self._repository.list(customer_id)]
        return sorted(consents, key=lambda c: (c.created_at, c.id), reverse=True)

    def revoke(self, *, customer_id: str, consent_id: str) -> BankConsent:
        """Withdraw a consent: no bank data is read under it again.

        Raises:
            NotFound: the customer has no consent with this id.
            InvalidState: it is already REVOKED, REJECTED or EXPIRED.
        """
        return self._change(customer_id, consent_id, BankConsent.revoke)

    def reconfirm(self, *, customer_id: str, consent_id: str) -> BankConsent:
        """The customer confirms they still consent: access goes on for another 90 days.

        Raises:
            NotFound: the customer has no consent with this id.
            InvalidState: the consent is not AUTHORISED (or has expired).
        """
        return self._change(customer_id, consent_id, BankConsent.reconfirm)

    def apply_bank_notification(self, notification: BankNotification) -> Outcome:
        """End a consent the bank says it revoked or expired; once per notification id.

        The notification's signature was checked before: it speaks for the bank, which names
        the customer as well as the consent. Every outcome is final, so the bank needs no retry:
        a repeated id, a consent already ended and an unknown consent all change nothing.

        Raises:
            InvalidState: the consent kept changing under us (the bank retries later).
        """
        for _ in range(2):
            consent = self._repository.get(notification.customer_id, notification.consent_id)
            if consent is None:
                outcome = Outcome.UNKNOWN_CONSENT
                break
            now = self._clock()
            try:
                ended = notification.apply(consent, now)
            except InvalidState:
                outcome = Outcome.ALREADY_ENDED
                break
            recorded = self._repository.record_notification(
                notification.id, ended, expected=consent.status, received_at=now
            )
            if recorded is Recorded.APPLIED:
                outcome = Outcome.APPLIED
                break
            if recorded is Recorded.REPLAYED:
                outcome = Outcome.REPLAYED
                break
            # CONSENT_CHANGED: someone changed it between our read and our write; judge again.
        else:
            raise InvalidState("The consent is being changed by another request; try again")
        logger.info(
            "bank notification %s (%s, consent %s, at the bank %s): %s",
            notification.id,
            notification.type.value,
            notification.consent_id,
            iso_timestamp(notification.occurred_at),
            outcome.value,
        )
        return outcome

    def bank_data(
        self, *, customer_id: str, consent_id: str, query: Mapping[str, str]
    ) -> dict[str, Any]:
        """The accounts, balances and transactions the consent lets us read.

        Args:
            query: optional `fromBookingDateTime` / `toBookingDateTime` (ISO 8601) bounding the
                transactions; by default the last 12 months.

        Raises:
            NotFound: the customer has no consent with this id.
            InvalidState: the consent is not AUTHORISED, has expired or awaits reconfirmation;
                no bank data is read at all.
            ValidationError: a bad window.
        """
        now = self._clock()
        for name in query:
            if name not in ("fromBookingDateTime", "toBookingDateTime"):
                raise ValidationError(f"unknown query parameter {name!r}", field=name)
        to = _bound(query, "toBookingDateTime", default=now)
        from_ = _bound(query, "fromBookingDateTime", default=to - DEFAULT_HISTORY)
        if from_ >= to:
            raise ValidationError(
                "fromBookingDateTime must be before toBookingDateTime", field="fromBookingDateTime"
            )
        consent = self.get(customer_id=customer_id, consent_id=consent_id)
        consent.check_data_access(now)
        return read_bank_data(self._bank, consent, from_=from_, to=to)

    def _change(
        self,
        customer_id: str,
        consent_id: str,
        change: Callable[[BankConsent, datetime], BankConsent],
    ) -> BankConsent:
        consent = self.get(customer_id=customer_id, consent_id=consent_id)
        changed = change(consent, self._clock())
        if not self._repository.transition(changed, expected=consent.status):
            # Someone else changed it between our read and our write: judge again on theirs.
            latest = self.get(customer_id=customer_id, consent_id=consent_id)
            changed = change(latest, self._clock())
            if not self._repository.transition(changed, expected=latest.status):
                raise InvalidState("The consent is being changed by another request; try again")
        return changed

    def _settled(self, consent: BankConsent) -> BankConsent:
        """`consent` as it stands now; an expiry that has passed is written back (lazily, and
        only if nobody changed the consent meanwhile)."""
        current = consent.effective(self._clock())
        if current.status is ConsentStatus.EXPIRED and consent.status is not ConsentStatus.EXPIRED:
            self._repository.transition(current, expected=consent.status)
        return current


def _bound(query: Mapping[str, str], name: str, *, default: datetime) -> datetime:
    raw = query.get(name)
    return default if raw is None else parse_datetime(raw, field=name)
