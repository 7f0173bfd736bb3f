"""One run of the sweep (`services.credit.jobs.sweep`) with the service's own settings.

`python -m services.credit.sweep_task` is how a deployed environment runs it: the credit
service's image and task role, started on a schedule, printing its report as one JSON line.
`bnpl jobs run` runs the same against the local stack.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import datetime

import httpx

from services.credit.checkouts.updates import AppSyncCheckoutUpdates
from services.credit.jobs.sweep import SweepReport
from services.credit.wiring import checkout_updates, sweep
from services.shared.emf import EmfMetrics
from services.shared.metrics import NO_METRICS, MetricsSink
from services.shared.settings import Settings


def run_once(
    settings: Settings,
    *,
    clock: Callable[[], datetime] | None = None,
    metrics: MetricsSink = NO_METRICS,
) -> SweepReport:
    """Run the sweep once; every checkout it changed is announced before this returns, and every
    refund it made is counted in `metrics`."""
    with httpx.Client(timeout=settings.http_timeout_s) as http:
        updates = checkout_updates(settings, http)
        report = sweep(settings, clock=clock, updates=updates, metrics=metrics).run()
        if isinstance(updates, AppSyncCheckoutUpdates):
            updates.close()
    return report


def main() -> int:
    """Exit 0, or 1 when an item failed (the next run picks it up again)."""
    # The refunds' metric documents precede the report on stdout (CloudWatch Logs in AWS).
    report = run_once(Settings.from_environ(), metrics=EmfMetrics(service="credit"))
    sys.stdout.write(json.dumps({"sweep": report.to_json()}) + "\n")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
