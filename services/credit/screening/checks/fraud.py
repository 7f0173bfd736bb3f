"""The fraud check of pre-screening: blocklist, application velocity, disposable e-mail domains.

Each signal becomes a reason code; the policy says whether it declines or refers
(`FRAUD_BLOCKLIST`, `APPLICATION_VELOCITY`, `DISPOSABLE_EMAIL`). Velocity is counted in the
applicant's earlier applications as the application store held them (`PriorApplications`).

Pure: no web, storage or AWS (the bundled lists are plain JSON files read once).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from services.credit.screening.checks.prior import PriorApplications, VelocityKey
from services.shared.json_record import JsonRecord

FRAUD_BLOCKLIST = "FRAUD_BLOCKLIST"
APPLICATION_VELOCITY = "APPLICATION_VELOCITY"
DISPOSABLE_EMAIL = "DISPOSABLE_EMAIL"

_DATA = Path(__file__).with_name("fraud_data")


@dataclass(frozen=True, kw_only=True)
class FraudRules:
    """The policy's velocity limits: at most this many applications in 24 hours; the next one is
    flagged (the one being decided not counted)."""

    max_applications_per_customer_24h: int
    max_applications_per_device_24h: int
    max_applications_per_ip_24h: int


@dataclass(frozen=True, kw_only=True)
class FraudSubject:
    """Who is applying and from where. `device_id` and `ip` are None when unknown."""

    application_id: str
    customer_id: str
    email: str | None
    phone: str | None
    device_id: str | None = None
    ip: str | None = None


def _email(value: str | None) -> str | None:
    return value.strip().lower() if value else None


def _phone(value: str | None) -> str | None:
    return "".join(ch for ch in value if ch == "+" or ch.isdigit()) if value else None


@dataclass(frozen=True, kw_only=True)
class Blocklist:
    """Identifiers refused outright; compared after normalising (e-mail case, phone spacing)."""

    emails: frozenset[str] = frozenset()
    phones: frozenset[str] = frozenset()
    devices: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls,
        *,
        emails: Iterable[str] = (),
        phones: Iterable[str] = (),
        devices: Iterable[str] = (),
    ) -> Blocklist:
        """A blocklist of these identifiers, normalised."""
        return cls(
            emails=frozenset(e for e in map(_email, emails) if e),
            phones=frozenset(p for p in map(_phone, phones) if p),
            devices=frozenset(devices),
        )

    def hits(self, subject: FraudSubject) -> tuple[str, ...]:
        """Which of the subject's identifiers are listed: `email`, `phone`, `device`."""
        found = []
        if _email(subject.email) in self.emails:
            found.append("email")
        if _phone(subject.phone) in self.phones:
            found.append("phone")
        if subject.device_id is not None and subject.device_id in self.devices:
            found.append("device")
        return tuple(found)


@lru_cache(maxsize=1)
def bundled_blocklist() -> Blocklist:
    """`fraud_data/blocklist.json` (the sandbox persona `fraud` is on it)."""
    data = json.loads((_DATA / "blocklist.json").read_text(encoding="utf-8"))
    return Blocklist.of(emails=data["emails"], phones=data["phones"], devices=data["devices"])


@lru_cache(maxsize=1)
def bundled_disposable_domains() -> frozenset[str]:
    """`fraud_data/disposable_email_domains.json` (source and licence noted in the file)."""
    data = json.loads((_DATA / "disposable_email_domains.json").read_text(encoding="utf-8"))
    return frozenset(str(d).lower() for d in data["domains"])


def is_disposable(email: str | None, domains: frozenset[str]) -> bool:
    """Whether the address's domain, or a parent domain of it, is a disposable-mail domain."""
    normalised = _email(email)
    if not normalised or "@" not in normalised:
        return False
    labels = normalised.rsplit("@", 1)[1].split(".")
    return any(".".join(labels[i:]) in domains for i in range(len(labels) - 1))


@dataclass(frozen=True, kw_only=True)
class FraudSignals:
    """What the fraud check saw, and the reason codes it raises (none when clean).

    Counts are earlier applications in the last 24 hours; None when the identifier is unknown.
    """

    blocklist_hits: tuple[str, ...] = ()
    customer_applications_24h: int = 0
    device_applications_24h: int | None = None
    ip_applications_24h: int | None = None
    disposable_email: bool = False
    reasons: tuple[str, ...] = field(default=())

    @property
    def passed(self) -> bool:
        """True when no signal fired."""
        return not self.reasons

    def to_json(self) -> dict[str, Any]:
        """Evidence for the decision record (no identifiers, only what matched)."""
        return {
            "blocklistHits": list(self.blocklist_hits),
            "customerApplications24h": self.customer_applications_24h,
            "deviceApplications24h": self.device_applications_24h,
            "ipApplications24h": self.ip_applications_24h,
            "disposableEmail": self.disposable_email,
            "reasons": list(self.reasons),
        }

    @classmethod
    def from_json(cls, data: object) -> FraudSignals:
        """The signals `to_json` wrote, exactly.

        Raises:
            KeyError: a field is missing.
            ValueError: an unknown field, a wrong type or an invalid value.
        """
        with JsonRecord(data, "FraudSignals") as record:
            return cls(
                blocklist_hits=tuple(record.values("blocklistHits", str)),
                customer_applications_24h=record.value("customerApplications24h", int),
                device_applications_24h=record.optional("deviceApplications24h", int),
                ip_applications_24h=record.optional("ipApplications24h", int),
                disposable_email=record.value("disposableEmail", bool),
                reasons=tuple(record.values("reasons", str)),
            )


class FraudCheck:
    """Runs the three checks for one application.

    Args:
        rules: the policy's velocity limits.
        blocklist, disposable_domains: the bundled lists unless given.

    Example:
        >>> from datetime import UTC
        >>> check = FraudCheck(rules=FraudRules(max_applications_per_customer_24h=5,
        ...     max_applications_per_device_24h=5, max_applications_per_ip_24h=20))
        >>> check.check(FraudSubject(application_id="a1", customer_id="sandbox-fraud",
        ...     email="Fraud@Sandbox.bnpl.test", phone=None), prior=PriorApplications(),
        ...     now=datetime.now(UTC)).reasons
        ('FRAUD_BLOCKLIST',)
    """

    def __init__(
        self,
        *,
        rules: FraudRules,
        blocklist: Blocklist | None = None,
        disposable_domains: frozenset[str] | None = None,
    ) -> None:
        self._rules = rules
        self._blocklist = bundled_blocklist() if blocklist is None else blocklist
        self._domains = (
            bundled_disposable_domains() if disposable_domains is None else disposable_domains
        )

    def check(
        self, subject: FraudSubject, *, prior: PriorApplications, now: datetime
    ) -> FraudSignals:
        """The signals for `subject` applying at `now`, with `prior` the applications of its
        customer, device and address written before it."""

        def count(key: VelocityKey) -> int:
            return prior.count(key, now=now, excluding=subject.application_id)

        hits = self._blocklist.hits(subject)
        by_customer = count(VelocityKey.CUSTOMER)
        by_device = None if subject.device_id is None else count(VelocityKey.DEVICE)
        by_ip = None if subject.ip is None else count(VelocityKey.IP)
        disposable = is_disposable(subject.email, self._domains)
        reasons = []
        if hits:
            reasons.append(FRAUD_BLOCKLIST)
        rules = self._rules
        if (
            by_customer >= rules.max_applications_per_customer_24h
            or (by_device or 0) >= rules.max_applications_per_device_24h
            or (by_ip or 0) >= rules.max_applications_per_ip_24h
        ):
            reasons.append(APPLICATION_VELOCITY)
        if disposable:
            reasons.append(DISPOSABLE_EMAIL)
        return FraudSignals(
            blocklist_hits=hits,
            customer_applications_24h=by_customer,
            device_applications_24h=by_device,
            ip_applications_24h=by_ip,
            disposable_email=disposable,
            reasons=tuple(reasons),
        )
