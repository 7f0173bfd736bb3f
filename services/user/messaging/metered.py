"""Every verification code handed to a provider, counted by channel, and whether it failed.

Counted at the `CodeSender` port, around whichever sender the composition root chose (the dev
outbox, End User Messaging, SES), so a provider that stops taking codes shows up as failures of
its channel whichever it is, and the verification use cases need not know about metrics.
"""

from __future__ import annotations

from datetime import datetime

from services.shared.metrics import MetricsSink, count
from services.user.messaging import CodeSender
from services.user.verification.domain import Channel


class MeteredCodeSender:
    """A `CodeSender` that counts each code the one it wraps sends or fails to send."""

    def __init__(self, sender: CodeSender, metrics: MetricsSink) -> None:
        self._sender = sender
        self._metrics = metrics

    def send(self, channel: Channel, destination: str, code: str, expires_at: datetime) -> None:
        failed = 1
        try:
            self._sender.send(channel, destination, code, expires_at)
            failed = 0
        finally:
            self._metrics.emit(
                count("VerificationCodesSent", 1 - failed),
                count("VerificationCodesFailed", failed),
                channel=channel.value,
            )
