"""Leases: a request that is about to charge a card first holds the item the charge is for.

Taking money and recording it cannot be one transaction (the card network is not DynamoDB), so
the request that charges holds a lease on what it pays for: the checkout for a first payment,
the plan for an instalment. The lease names the request (its idempotency record's id) and the
key it charges with, and lasts `LEASE_TIME`.

- Another request for the same thing meanwhile is refused (`LeaseHeld`) without charging.
- The same request again (a retry, a duplicate) may go on: the provider's idempotency hands it
  the same charge.
- The write that records the payment requires the lease and removes it in the same transaction.
- A lease that outlived its request (the process died after charging) is taken over by the next
  request or by the sweep, which gives that charge back (`services.credit.plans.service`).

This module holds the leases and their port (pure); `lease_store` keeps them in DynamoDB.

A checkout is bound to nobody until the first payment is recorded, so its lease also names the
shopper and application it is for: one applicant's acceptance charges at a time, and the sweep
knows whose charge to give back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

# Long enough for a charge with its timeouts and retries; short enough that a request that
# died holds nothing for long.
LEASE_TIME = timedelta(seconds=60)
CLAIM_ATTEMPTS = 3


@dataclass(frozen=True, kw_only=True)
class Lease:
    """Who holds an item while charging for it, with which provider key, until when; on a
    checkout, also the shopper and application the charge is for."""

    owner: str
    charge_key: str
    until: datetime
    customer_id: str | None = None
    application_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class Acceptor:
    """The shopper a lease on a checkout is taken for, accepting an offer of their
    application while the checkout is bound to nobody yet."""

    customer_id: str
    application_id: str


@dataclass(frozen=True, kw_only=True)
class HeldItem:
    """An item whose lease ran out, with its customer: what the sweep settles."""

    item_id: str
    customer_id: str
    plan_id: str | None
    lease: Lease


class LeaseHeld(Exception):  # noqa: N818 - a condition, not an error the API answers
    """Another request holds the item and its lease has not run out."""


class ItemMoved(Exception):  # noqa: N818 - a condition, not an error the API answers
    """The item is gone or no longer in the state the lease was asked for."""


class LeaseStore(Protocol):
    """Leases on checkouts (first payments) and plans (instalments)."""

    def claim_checkout(
        self, checkout_id: str, lease: Lease, *, acceptor: Acceptor | None, now: datetime
    ) -> Lease | None:
        """Hold an unbound checkout whose applicants record `acceptor`'s application as the
        shopper's, for `lease.owner` (any checkout when `acceptor` is None: the sweep taking
        over a lease that ran out).

        Returns:
            The lease of a request that died holding it (now displaced), or None.

        Raises:
            LeaseHeld: another request holds it.
            ItemMoved: the checkout is bound, or this is not the shopper's application on it.
        """
        ...

    def claim_plan(self, plan_id: str, lease: Lease, *, now: datetime) -> Lease | None:
        """Hold a plan for `lease.owner`; the displaced lease of a dead request, or None.

        Raises:
            LeaseHeld: another request holds it.
            ItemMoved: the plan is gone.
        """
        ...

    def release_checkout(self, checkout_id: str, owner: str) -> None:
        """Let go of a checkout's lease, if `owner` still holds it."""
        ...

    def release_plan(self, plan_id: str, owner: str) -> None:
        """Let go of a plan's lease, if `owner` still holds it."""
        ...

    def expired_checkouts(self, now: datetime) -> list[HeldItem]:
        """Checkouts whose lease ran out before `now` (the sweep's scan)."""
        ...

    def expired_plans(self, now: datetime) -> list[HeldItem]:
        """Plans whose lease ran out before `now` (the sweep's scan)."""
        ...
