"""Each verification code handed to a provider is counted by channel, sent or failed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.shared.errors import DependencyFailure
from services.shared.metrics import RecordingMetrics
from services.user.messaging.metered import MeteredCodeSender
from services.user.verification.domain import Channel

EXPIRES = datetime(2026, 11, 22, 9, 40, tzinfo=UTC)


class Provider:
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.sent: list[tuple[Channel, str]] = []

    def send(self, channel: Channel, destination: str, code: str, expires_at: datetime) -> None:
        if self.error is not None:
            raise self.error
        self.sent.append((channel, destination))


def test_a_code_sent_is_counted_under_its_channel():
    metrics, provider = RecordingMetrics(), Provider()
    MeteredCodeSender(provider, metrics).send(Channel.SMS, "+447700900123", "123456", EXPIRES)
    assert provider.sent == [(Channel.SMS, "+447700900123")]
    assert metrics.total("VerificationCodesSent", channel="SMS") == 1
    assert metrics.total("VerificationCodesFailed") == 0


def test_a_code_the_provider_refused_is_a_failure_and_still_raises():
    metrics = RecordingMetrics()
    sender = MeteredCodeSender(Provider(DependencyFailure("SES is down")), metrics)
    with pytest.raises(DependencyFailure):
        sender.send(Channel.EMAIL, "ada@example.com", "123456", EXPIRES)
    assert metrics.total("VerificationCodesFailed", channel="EMAIL") == 1
    assert metrics.total("VerificationCodesSent") == 0
