"""Scoring with a challenger model in shadow once the champion's decision is stored, and storing
its record: off the request's path, so the shopper never waits for the challenger."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Executor, Future

from services.credit.applications.ports import ApplicationStore
from services.credit.screening.shadow import PendingShadow
from services.shared.metrics import NO_METRICS, MetricsSink, count
from services.shared.trace import ContextThreadPool

logger = logging.getLogger(__name__)


# Records waiting at most: a challenger slower than decisions arrive would otherwise grow the
# queue without end. Past it a record is dropped and counted, never the decision.
MAX_WAITING = 256


class ChallengerRecords:
    """Scores each decided application with the challenger on a pool of its own, and stores
    the record. The pool's threads are all a slow challenger can hold up."""

    def __init__(
        self,
        store: ApplicationStore,
        *,
        pool: Executor | None = None,
        metrics: MetricsSink = NO_METRICS,
        max_waiting: int = MAX_WAITING,
    ) -> None:
        self._store = store
        self._room = threading.BoundedSemaphore(max_waiting)
        self._pool = pool or ContextThreadPool(max_workers=2, thread_name_prefix="challenger")
        self._metrics = metrics

    def record(self, application_id: str, pending: PendingShadow) -> Future[None] | None:
        """Score a decided application with the challenger and store the record, later; None
        when too many are waiting already (the record is dropped)."""
        if not self._room.acquire(blocking=False):
            logger.warning("challenger records backed up: %s not scored", application_id)
            self._metrics.emit(count("ChallengerScores"), status="DROPPED")
            return None
        return self._pool.submit(self._record, application_id, pending)

    def _record(self, application_id: str, pending: PendingShadow) -> None:
        try:
            record = pending.evidence()
            self._store.record_challenger(application_id, record)
            self._metrics.emit(count("ChallengerScores"), status=str(record["status"]))
        except Exception:  # the decision is stored and answered; nothing here may undo it
            logger.exception("challenger score of %s not recorded", application_id)
        finally:
            self._room.release()
