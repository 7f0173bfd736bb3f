"""`bnpl jobs run`: one run of the credit service's sweep against the local stack.

Expires uncaptured authorisations, marks instalments LATE with capped fees, gives back charges
of requests that died mid-payment and makes refunds still owed (`services.credit.jobs.sweep`);
then one pass of the webhook sender: the events those changes wrote, and every delivery whose
retry is due by then (in AWS the sender Lambda's schedule does this every minute).
`--at` runs it as if it were another moment, to walk a plan through its life in the sandbox.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime

from pynamodb.exceptions import PynamoDBException

from bnpl.commands import UsageError, dev_settings, local_environment
from services.shared.settings import Settings
from services.shared.timestamps import utc_now


def run(*, at: str | None, as_json: bool) -> int:
    """Run the sweep once and print what it did.

    Returns:
        0; 1 when DynamoDB cannot be reached (the stack is not running) or an item failed.
    """
    moment = _moment(at)
    local = dev_settings()
    environ = local.service_environ()
    settings = Settings.from_environ({**os.environ, **environ})
    from services.credit.sweep_task import run_once
    from services.credit.webhooks.settings import WebhookSettings
    from services.credit.webhooks.wiring import webhook_sender

    clock = (lambda: moment) if moment else None
    try:
        with local_environment(environ):
            report = run_once(settings, clock=clock)
            sender = webhook_sender(
                settings, WebhookSettings.from_environ(environ), clock=clock or utc_now
            )
            webhooks = sender.run_once()
            sender.close()
    except PynamoDBException as exc:
        sys.stderr.write(
            f"bnpl jobs: cannot reach DynamoDB at {settings.dynamodb_endpoint} ({exc.msg}); "
            "is `bnpl dev` up?\n"
        )
        return 1
    figures = {
        **report.to_json(),
        "webhooks_dispatched": webhooks.dispatched,
        "webhooks_delivered": webhooks.delivered,
        "webhook_attempts_failed": webhooks.failed_attempts,
        "webhooks_dead_lettered": webhooks.dead_lettered,
    }
    if as_json:
        sys.stdout.write(json.dumps(figures, indent=2) + "\n")
    else:
        for name, value in figures.items():
            sys.stdout.write(f"{name.replace('_', ' ')}: {value}\n")
    return 1 if report.failures else 0


def _moment(at: str | None) -> datetime | None:
    if at is None:
        return None
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        raise UsageError(f"--at must be an ISO 8601 date-time, not {at!r}") from None
    if moment.tzinfo is None:
        raise UsageError("--at needs a timezone, e.g. 2026-12-31T09:00:00Z")
    return moment
