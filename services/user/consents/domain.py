"""Open-banking consents: what a customer lets us read from their bank, and for how long.

Modelled on UK OBIE account-access consents (research/credit.md §7.1, §7.3). Pure: no web,
storage or AWS.

Lifecycle (OBIE's, in our spelling):

    AWAITING_AUTHORISATION ──authorise──► AUTHORISED ──revoke──► REVOKED
            │        └──────reject──────► REJECTED
            └─revoke (the customer abandons it)─► REVOKED
    AWAITING_AUTHORISATION / AUTHORISED ──expiresAt passes──► EXPIRED (computed on read)
    AWAITING_AUTHORISATION / AUTHORISED ──the bank says it revoked / expired it──► REVOKED / EXPIRED

REJECTED, REVOKED and EXPIRED are final. Since FCA PS21/19 the bank no longer re-authenticates
every 90 days; instead we (the AISP) must have the customer reconfirm at least every 90 days
and must not read their data while a reconfirmation is overdue (`reconfirm_by`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from services.shared.errors import InvalidState, ValidationError
from services.shared.timestamps import iso_timestamp

DEFAULT_DURATION = timedelta(days=90)
# UK: the AISP must reconfirm the customer's consent at least every 90 days (FCA PS21/19).
RECONFIRMATION_INTERVAL = timedelta(days=90)


class ConsentStatus(StrEnum):
    """Where a consent is in its lifecycle (OBIE's statuses)."""

    AWAITING_AUTHORISATION = "AWAITING_AUTHORISATION"
    AUTHORISED = "AUTHORISED"
    REJECTED = "REJECTED"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"


_LIVE = frozenset({ConsentStatus.AWAITING_AUTHORISATION, ConsentStatus.AUTHORISED})


class Permission(StrEnum):
    """The OBIE account-access permissions we ask for: what affordability needs and no more
    (no ReadPAN or ReadParty: data minimisation)."""

    READ_ACCOUNTS_BASIC = "ReadAccountsBasic"
    READ_ACCOUNTS_DETAIL = "ReadAccountsDetail"
    READ_BALANCES = "ReadBalances"
    READ_TRANSACTIONS_BASIC = "ReadTransactionsBasic"
    READ_TRANSACTIONS_CREDITS = "ReadTransactionsCredits"
    READ_TRANSACTIONS_DEBITS = "ReadTransactionsDebits"
    READ_TRANSACTIONS_DETAIL = "ReadTransactionsDetail"


TRANSACTION_GRANULARITY = frozenset(
    {Permission.READ_TRANSACTIONS_BASIC, Permission.READ_TRANSACTIONS_DETAIL}
)
TRANSACTION_DIRECTION = frozenset(
    {Permission.READ_TRANSACTIONS_CREDITS, Permission.READ_TRANSACTIONS_DEBITS}
)


@dataclass(frozen=True, kw_only=True)
class ConsentRequest:
    """A validated request for a consent."""

    permissions: frozenset[Permission]
    expires_at: datetime


@dataclass(frozen=True, kw_only=True)
class BankConsent:
    """One account-access consent of one customer.

    Attributes:
        status: as stored; `effective(now)` also applies expiry.
        expires_at: when the access ends (OBIE `ExpirationDateTime`); always set by us.
        authorised_at / reconfirmed_at: start the 90-day reconfirmation clock.
    """

    id: str
    customer_id: str
    status: ConsentStatus
    permissions: frozenset[Permission]
    created_at: datetime
    status_updated_at: datetime
    expires_at: datetime
    authorised_at: datetime | None = None
    reconfirmed_at: datetime | None = None

    @classmethod
    def request(
        cls, *, consent_id: str, customer_id: str, request: ConsentRequest, now: datetime
    ) -> BankConsent:
        """A new consent, awaiting the customer's authorisation at their bank."""
        return cls(
            id=consent_id,
            customer_id=customer_id,
            status=ConsentStatus.AWAITING_AUTHORISATION,
            permissions=request.permissions,
            created_at=now,
            status_updated_at=now,
            expires_at=request.expires_at,
        )

    @property
    def reconfirm_by(self) -> datetime | None:
        """When the customer must have reconfirmed by; None until authorised."""
        since = self.reconfirmed_at or self.authorised_at
        return since + RECONFIRMATION_INTERVAL if since else None

    def effective(self, now: datetime) -> BankConsent:
        """This consent as it stands at `now`: a live one past its expiry is EXPIRED."""
        if self.status in _LIVE and now >= self.expires_at:
            return replace(self, status=ConsentStatus.EXPIRED, status_updated_at=self.expires_at)
        return self

    def authorise(self, now: datetime) -> BankConsent:
        """The bank authorised it (the customer passed SCA and chose their accounts)."""
        self._require(now, {ConsentStatus.AWAITING_AUTHORISATION}, "authorised")
        return replace(
            self, status=ConsentStatus.AUTHORISED, status_updated_at=now, authorised_at=now
        )

    def reject(self, now: datetime) -> BankConsent:
        """The bank or the customer turned it down."""
        self._require(now, {ConsentStatus.AWAITING_AUTHORISATION}, "rejected")
        return replace(self, status=ConsentStatus.REJECTED, status_updated_at=now)

    def revoke(self, now: datetime) -> BankConsent:
        """The customer withdrew it, with us or at their bank: no more access, ever (a new
        consent is a new grant)."""
        self._require(now, _LIVE, "revoked")
        return replace(self, status=ConsentStatus.REVOKED, status_updated_at=now)

    def expire(self, now: datetime) -> BankConsent:
        """The bank ended it before `expires_at` (which stays the term that was granted)."""
        self._require(now, _LIVE, "expired")
        return replace(self, status=ConsentStatus.EXPIRED, status_updated_at=now)

    def reconfirm(self, now: datetime) -> BankConsent:
        """The customer reconfirmed it: access may go on (or resume) for another 90 days."""
        self._require(now, {ConsentStatus.AUTHORISED}, "reconfirmed")
        return replace(self, reconfirmed_at=now)

    def check_data_access(self, now: datetime) -> None:
        """Refuse unless we may read the customer's bank data under this consent at `now`.

        Raises:
            InvalidState: not AUTHORISED (awaiting, rejected, revoked or expired), or the
                90-day reconfirmation is overdue.
        """
        current = self.effective(now)
        if current.status is not ConsentStatus.AUTHORISED:
            raise InvalidState(
                f"Consent is {current.status.value}: it gives no access to bank data",
                details={"status": current.status.value},
            )
        reconfirm_by = current.reconfirm_by
        if reconfirm_by is not None and now >= reconfirm_by:
            raise InvalidState(
                f"Consent must be reconfirmed by the customer every "
                f"{RECONFIRMATION_INTERVAL.days} days; it is due, so no bank data is read",
                details={
                    "status": current.status.value,
                    "reconfirmBy": iso_timestamp(reconfirm_by),
                },
            )

    def _require(
        self, now: datetime, allowed: set[ConsentStatus] | frozenset[ConsentStatus], verb: str
    ) -> None:
        current = self.effective(now).status
        if current not in allowed:
            raise InvalidState(
                f"A consent that is {current.value} cannot be {verb}",
                details={"status": current.value},
            )

    def to_json(self) -> dict[str, Any]:
        """The API's `BankConsent` (as stored: apply `effective(now)` first)."""
        authorised = self.status is ConsentStatus.AUTHORISED
        return {
            "id": self.id,
            "status": self.status.value,
            "permissions": sorted(p.value for p in self.permissions),
            "expiresAt": iso_timestamp(self.expires_at),
            "createdAt": iso_timestamp(self.created_at),
            "statusUpdatedAt": iso_timestamp(self.status_updated_at),
            "authorisedAt": _iso(self.authorised_at),
            "reconfirmBy": _iso(self.reconfirm_by) if authorised else None,
        }


def _iso(moment: datetime | None) -> str | None:
    return iso_timestamp(moment) if moment is not None else None


def parse_permissions(value: object) -> frozenset[Permission]:
    """A non-empty list of OBIE permission names that make sense together.

    Transactions need a granularity (ReadTransactionsBasic or ReadTransactionsDetail) and a
    direction (ReadTransactionsCredits and/or ReadTransactionsDebits): OBIE refuses a direction
    without a granularity (credit.md §7.1), and a granularity alone would leave the direction
    to each bank's reading.

    Raises:
        ValidationError: `field` is `permissions`.
    """
    field = "permissions"
    if not isinstance(value, list) or not value:
        raise ValidationError("permissions must be a non-empty list", field=field)
    known = {p.value: p for p in Permission}
    permissions: set[Permission] = set()
    for name in value:
        if not isinstance(name, str) or name not in known:
            raise ValidationError(
                f"unknown permission {name!r}; use {', '.join(sorted(known))}", field=field
            )
        permissions.add(known[name])
    granularity = permissions & TRANSACTION_GRANULARITY
    direction = permissions & TRANSACTION_DIRECTION
    if direction and not granularity:
        raise ValidationError(
            "ReadTransactionsCredits and ReadTransactionsDebits need ReadTransactionsBasic or "
            "ReadTransactionsDetail",
            field=field,
        )
    if granularity and not direction:
        raise ValidationError(
            "ReadTransactionsBasic and ReadTransactionsDetail need ReadTransactionsCredits "
            "and/or ReadTransactionsDebits",
            field=field,
        )
    return frozenset(permissions)


def parse_grant(
    payload: Mapping[str, Any], *, now: datetime, max_duration: timedelta
) -> ConsentRequest:
    """Validate a grant request: `{permissions: [...], expiresAt?: ISO 8601 date-time}`.

    Args:
        now: the time of the request.
        max_duration: the longest access the bank allows; `expiresAt` may not lie beyond it.
            Without `expiresAt` the consent lasts `DEFAULT_DURATION` (or the bank's maximum,
            if shorter).

    Raises:
        ValidationError: naming the field at fault.
    """
    for name in payload:
        if name not in ("permissions", "expiresAt"):
            raise ValidationError(f"unknown field {name!r}", field=str(name))
    permissions = parse_permissions(payload.get("permissions"))
    raw = payload.get("expiresAt")
    if raw is None:
        return ConsentRequest(
            permissions=permissions, expires_at=now + min(DEFAULT_DURATION, max_duration)
        )
    expires_at = parse_datetime(raw, field="expiresAt")
    # Milliseconds, as every timestamp we store and answer.
    expires_at = expires_at.replace(microsecond=expires_at.microsecond // 1000 * 1000)
    if expires_at <= now:
        raise ValidationError("expiresAt must be in the future", field="expiresAt")
    if expires_at > now + max_duration:
        raise ValidationError(
            f"expiresAt may be at most {max_duration.days} days ahead", field="expiresAt"
        )
    return ConsentRequest(permissions=permissions, expires_at=expires_at)


def parse_datetime(value: object, *, field: str) -> datetime:
    """An ISO 8601 date-time with an offset (AWSDateTime), e.g. `2026-05-01T12:00:00Z`."""
    message = f"{field} must be an ISO 8601 date-time with an offset, e.g. 2026-05-01T12:00:00Z"
    if not isinstance(value, str):
        raise ValidationError(message, field=field)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(message, field=field) from None
    if moment.tzinfo is None:
        raise ValidationError(message, field=field)
    return moment
