"""The applicant's applications of the last day, as the application store held them when this
application was written: what the velocity rules count, and the approvals the exposure adds.

The store keeps them per customer, per device and per address (`VelocityKey`), and writes each
application into all of its keys' records together with the application itself, on the
condition that the records are still as it read them. So the records an application was written
against hold every application written before it: however many arrive at once, each is counted
by every one that comes after it.

Pure: no web, storage or AWS.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from services.shared.money import Money

APPROVED = "APPROVED"
VELOCITY_WINDOW = timedelta(hours=24)


class VelocityKey(StrEnum):
    """What applications are counted by."""

    CUSTOMER = "CUSTOMER"
    DEVICE = "DEVICE"
    IP = "IP"


@dataclass(frozen=True, kw_only=True)
class PriorApplication:
    """One earlier application. A device's or an address's record keeps only its id and time;
    the customer's also keeps what the exposure needs (`checkout_id`, `amount`, ...), and the
    outcome once decided."""

    id: str
    created_at: datetime
    checkout_id: str | None = None
    amount: Money | None = None
    checkout_expires_at: datetime | None = None
    outcome: str | None = None


@dataclass(frozen=True, kw_only=True)
class PriorApplications:
    """The earlier applications of each of the applicant's keys, oldest first."""

    by_key: Mapping[VelocityKey, tuple[PriorApplication, ...]] = field(default_factory=dict)

    @classmethod
    def among(
        cls,
        applications: Iterable[tuple[PriorApplication, Mapping[VelocityKey, str]]],
        keys: Mapping[VelocityKey, str],
    ) -> PriorApplications:
        """Those of `applications` (each with its own keys) that share one of `keys`, as a
        store's records of `keys` would hold them: for tests and tools."""
        listed = list(applications)
        return cls(
            by_key={
                key: tuple(
                    sorted((app for app, own in listed if own.get(key) == value), key=_created)
                )
                for key, value in keys.items()
            }
        )

    def holds(self, key: VelocityKey, application_id: str) -> bool:
        """Whether `key`'s applications include `application_id`."""
        return any(app.id == application_id for app in self.by_key.get(key, ()))

    def adding(
        self, keys: Mapping[VelocityKey, str], application: PriorApplication
    ) -> PriorApplications:
        """These, with `application` added under each of `keys`."""
        by_key = dict(self.by_key)
        for key in keys:
            by_key[key] = (*by_key.get(key, ()), application)
        return PriorApplications(by_key=by_key)

    def count(self, key: VelocityKey, *, now: datetime, excluding: str | None) -> int:
        """The applications of `key` made since `VELOCITY_WINDOW` before `now`, other than
        `excluding` (the one being decided: a retry never counts itself). Those a writer saw
        may carry a later time than its own (the clocks of writers differ); they count.

        Example:
            >>> from datetime import UTC, timedelta
            >>> now = datetime(2026, 12, 5, 12, tzinfo=UTC)
            >>> prior = PriorApplications(by_key={VelocityKey.DEVICE: (
            ...     PriorApplication(id="a0", created_at=now - timedelta(hours=25)),
            ...     PriorApplication(id="a1", created_at=now - timedelta(hours=1)),
            ...     PriorApplication(id="a2", created_at=now))})
            >>> prior.count(VelocityKey.DEVICE, now=now, excluding="a2")
            1
        """
        since = now - VELOCITY_WINDOW
        return sum(
            1 for app in self.by_key.get(key, ()) if app.created_at >= since and app.id != excluding
        )

    def open_approvals(self, *, currency: str, now: datetime) -> dict[str, int]:
        """Application id → amount (minor units) of the customer's approvals they may still
        accept: on a checkout still open, and their latest decided application there (a
        customer who applied to one checkout more than once can accept only the latest)."""
        latest: dict[str, PriorApplication] = {}
        for app in sorted(self.by_key.get(VelocityKey.CUSTOMER, ()), key=_created):
            if (
                app.outcome is not None
                and app.checkout_id is not None
                and app.amount is not None
                and app.amount.currency == currency
                and app.checkout_expires_at is not None
                and app.checkout_expires_at > now
            ):
                latest[app.checkout_id] = app
        return {
            app.id: app.amount.amount
            for app in latest.values()
            if app.outcome == APPROVED and app.amount is not None
        }


def applicant_keys(
    customer_id: str, device_id: str | None, ip: str | None
) -> dict[VelocityKey, str]:
    """The keys an application is counted by: its customer, and its device and address when
    known."""
    keys = {VelocityKey.CUSTOMER: customer_id}
    if device_id is not None:
        keys[VelocityKey.DEVICE] = device_id
    if ip is not None:
        keys[VelocityKey.IP] = ip
    return keys


def _created(app: PriorApplication) -> datetime:
    return app.created_at
