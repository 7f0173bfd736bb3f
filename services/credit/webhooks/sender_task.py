"""The local stack's webhook sender: `python -m services.credit.webhooks.sender_task`.

`bnpl dev` runs it as its own process. It runs a pass (`WebhookSender.run_once`) every
`BNPL_WEBHOOK_POLL_INTERVAL_S` (a tenth of a second by default), at once again while a pass
found work, and stops cleanly on SIGTERM or SIGINT: a delivery it was sending when killed is
sent again by the next sender once its lease runs out.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from types import FrameType

from services.credit.webhooks.sender import WebhookSender
from services.credit.webhooks.settings import WebhookSettings
from services.credit.webhooks.wiring import webhook_sender
from services.shared.emf import EmfMetrics
from services.shared.errors import ServiceError
from services.shared.logs import configure_logging
from services.shared.settings import Settings

logger = logging.getLogger("webhooks")


def run(sender: WebhookSender, stop: threading.Event, poll_interval_s: float) -> None:
    """Pass after pass until `stop` is set; a failed pass (storage down) is logged and retried."""
    while not stop.is_set():
        try:
            report = sender.run_once()
        except ServiceError as exc:
            logger.warning("sender pass failed, retrying: %s", exc.message)
            stop.wait(1.0)
            continue
        if report.attempts or report.dispatched:
            logger.info(
                "dispatched %d, delivered %d, failed %d, dead-lettered %d",
                report.dispatched,
                report.delivered,
                report.failed_attempts,
                report.dead_lettered,
            )
            continue
        stop.wait(poll_interval_s)


def main() -> int:
    configure_logging("webhooks")
    settings = Settings.from_environ()
    webhooks = WebhookSettings.from_environ()
    sender = webhook_sender(settings, webhooks, metrics=EmfMetrics(service="webhooks"))
    stop = threading.Event()

    def stopping(signum: int, frame: FrameType | None) -> None:
        del signum, frame
        stop.set()

    signal.signal(signal.SIGTERM, stopping)
    signal.signal(signal.SIGINT, stopping)
    logger.info("webhook sender started")
    run(sender, stop, webhooks.poll_interval_s)
    sender.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
