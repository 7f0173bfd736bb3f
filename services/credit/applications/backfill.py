"""Fills the records of recent applications (`recent`) from the applications table.

Run once where the records table is new (`python -m services.credit.applications.backfill`,
in the credit service's task with its environment), so that the velocity rules and the exposure
see the applications written before the records were kept from the start, instead of only a
day later. Safe to run again, and while the service takes applications: each application is
added under its id, and each write moves its record's version on, so a writer that read the
record before writes again.
"""

from __future__ import annotations

import logging
import os
import sys
from collections import defaultdict
from datetime import datetime

from services.credit.applications.domain import CreditApplication
from services.credit.applications.recent import CAPACITY, KEEP, RecentApplicationRecords
from services.credit.applications.store import to_domain
from services.credit.models import ApplicationModel
from services.credit.screening.checks.prior import VelocityKey, applicant_keys
from services.shared.dynamodb import bind
from services.shared.settings import Settings
from services.shared.timestamps import utc_now

logger = logging.getLogger(__name__)


def backfill(settings: Settings, *, now: datetime) -> int:
    """Add every application made in the `KEEP` before `now` to its records; how many.

    Raises:
        DependencyFailure: the store could not be read or written.
    """
    apps = bind(ApplicationModel, settings)
    by_record: defaultdict[tuple[VelocityKey, str], list[CreditApplication]] = defaultdict(list)
    found = 0
    for item in apps.scan(apps.created_at >= now - KEEP):
        application = to_domain(item)
        found += 1
        keys = applicant_keys(application.customer_id, application.device_id, application.source_ip)
        for key, value in keys.items():
            by_record[key, value].append(application)
    records = RecentApplicationRecords(settings)
    for (key, value), applications in by_record.items():
        newest = sorted(applications, key=lambda app: app.created_at)[-CAPACITY:]
        records.add_existing(key, value, newest)
    return found


def main() -> int:
    logging.basicConfig(level=logging.INFO)
    count = backfill(Settings.from_environ(os.environ), now=utc_now())
    sys.stdout.write(f"applications added to their records: {count}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
