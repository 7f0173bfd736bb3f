"""`bnpl outbox`: the verification codes the local stack "sent", newest first."""

from __future__ import annotations

import json
import os
import sys

from pynamodb.exceptions import PynamoDBException

from bnpl.commands import dev_settings, local_environment
from services.shared.settings import Settings
from services.shared.timestamps import iso_timestamp
from services.user.messaging.outbox import newest_messages


def run(*, limit: int, as_json: bool, destination: str | None) -> int:
    """Print the newest `limit` outbox messages (all, or those to `destination`).

    Reads the dev stack's DynamoDB from the same settings `bnpl dev` gives the services.

    Returns:
        0, or 1 when DynamoDB cannot be read (the stack is not running).
    """
    local = dev_settings()
    environ = local.service_environ()
    settings = Settings.from_environ({**os.environ, **environ})
    try:
        # botocore reads the (fake, local) credentials from the process environment, as in
        # `bnpl dev`; they are put back afterwards so a caller's own environment survives.
        with local_environment(environ):
            messages = newest_messages(settings, limit=limit, destination=destination)
    except PynamoDBException as exc:
        sys.stderr.write(
            f"bnpl outbox: cannot read {settings.table_name('dev_outbox')} at "
            f"{settings.dynamodb_endpoint} ({exc.msg}); is `bnpl dev` up?\n"
        )
        return 1
    if as_json:
        sys.stdout.write(json.dumps([m.to_json() for m in messages], indent=2) + "\n")
        return 0
    if not messages:
        sys.stdout.write("the outbox is empty\n")
        return 0
    rows = [("SENT AT", "CHANNEL", "DESTINATION", "CODE")] + [
        (iso_timestamp(m.sent_at), m.channel, m.destination, m.code) for m in messages
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=True)]
        sys.stdout.write("  ".join(cells).rstrip() + "\n")
    return 0
