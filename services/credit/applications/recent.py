"""A customer's applications of the last day, as the screening reads them: one index query
serves every reader that asks at once (the exposure's open approvals and the fraud check's
customer velocity both start as a decision's run does)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import PynamoDBException

from services.credit.models import ApplicationModel
from services.credit.screening.checks.fraud import VELOCITY_WINDOW
from services.shared.dynamodb import bind
from services.shared.errors import DependencyFailure
from services.shared.settings import Settings
from services.shared.single_flight import SingleFlight
from services.shared.timestamps import utc_now

logger = logging.getLogger(__name__)

# The longest look-back of any reader, with room for the readers' clocks to differ.
LOOK_BACK = VELOCITY_WINDOW + timedelta(minutes=5)
_ATTRIBUTES = [
    "id",
    "checkout_id",
    "outcome",
    "amount",
    "currency",
    "checkout_expires_at",
    "created_at",
]


@dataclass(frozen=True, kw_only=True)
class RecentApplication:
    """What the screening needs of one of the customer's applications."""

    id: str
    checkout_id: str
    outcome: str | None
    amount: int
    currency: str
    checkout_expires_at: datetime
    created_at: datetime


class RecentApplications:
    """The customer's applications created in the last `LOOK_BACK`, from the `by_customer`
    index. Only reads in flight are shared (`SingleFlight`): nothing is kept once one returns."""

    def __init__(self, settings: Settings) -> None:
        self._apps = bind(ApplicationModel, settings)
        self._reads: SingleFlight[list[RecentApplication]] = SingleFlight()

    def since(
        self, customer_id: str, since: datetime, *, fresh_from: datetime | None = None
    ) -> list[RecentApplication]:
        """The customer's applications created at or after `since`, oldest first.

        Args:
            fresh_from: from a read that started at this time or later (one that sees every
                application written before it); any read in flight will do when None.

        Raises:
            DependencyFailure: the store could not be read.
        """
        earliest = utc_now() - LOOK_BACK
        if since < earliest:  # further back than the shared read looks: a query of its own
            found = self._query(customer_id, since)
        else:
            found = self._reads.do(
                customer_id,
                lambda: self._query(customer_id, earliest),
                started_after=None if fresh_from is None else fresh_from.timestamp(),
            )
        return [app for app in found if app.created_at >= since]

    def _query(self, customer_id: str, since: datetime) -> list[RecentApplication]:
        apps = self._apps
        try:
            items = list(
                apps.by_customer.query(
                    customer_id, apps.created_at >= since, attributes_to_get=_ATTRIBUTES
                )
            )
        except PynamoDBException as exc:
            logger.warning("reading applications failed: %r", exc)
            raise DependencyFailure("The application store is unavailable") from exc
        return [
            RecentApplication(
                id=item.id,
                checkout_id=item.checkout_id,
                outcome=item.outcome,
                amount=int(item.amount),
                currency=item.currency,
                checkout_expires_at=item.checkout_expires_at,
                created_at=item.created_at,
            )
            for item in items
        ]
