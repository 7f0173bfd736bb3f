"""`bnpl outbox` against DynamoDB Local: what the dev outbox sender wrote, newest first."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

import pytest

from bnpl import cli
from services.user.messaging.outbox import OutboxSender
from services.user.verification.domain import Channel

pytestmark = pytest.mark.ddblocal

T0 = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


@pytest.fixture
def outbox_env(ddb_settings, monkeypatch, tmp_path):
    """The environment `bnpl outbox` reads, pointing at the module's tables."""
    endpoint = urlparse(ddb_settings.dynamodb_endpoint)
    monkeypatch.setenv("BNPL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BNPL_HOST", endpoint.hostname)
    monkeypatch.setenv("BNPL_DYNAMODB_PORT", str(endpoint.port))
    monkeypatch.setenv("BNPL_TABLE_PREFIX", ddb_settings.table_prefix)
    return ddb_settings


def send(settings, at: datetime, channel: Channel, destination: str, code: str) -> None:
    OutboxSender(settings, clock=lambda: at).send(
        channel, destination, code, at + timedelta(minutes=10)
    )


def test_empty_then_newest_first(outbox_env, capsys):
    assert cli.main(["outbox"]) == 0
    assert capsys.readouterr().out == "the outbox is empty\n"

    send(outbox_env, T0, Channel.SMS, "+447700900111", "111111")
    send(outbox_env, T0 + timedelta(seconds=1), Channel.EMAIL, "ada@example.test", "222222")
    send(outbox_env, T0 + timedelta(seconds=2), Channel.SMS, "+447700900111", "333333")

    assert cli.main(["outbox", "--json", "--limit", "2"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {
            "channel": "SMS",
            "destination": "+447700900111",
            "code": "333333",
            "sentAt": "2026-11-22T09:30:02.000Z",
        },
        {
            "channel": "EMAIL",
            "destination": "ada@example.test",
            "code": "222222",
            "sentAt": "2026-11-22T09:30:01.000Z",
        },
    ]

    assert cli.main(["outbox", "--to", "+447700900111", "--json"]) == 0
    assert [m["code"] for m in json.loads(capsys.readouterr().out)] == ["333333", "111111"]

    assert cli.main(["outbox"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["SENT", "AT", "CHANNEL", "DESTINATION", "CODE"]
    assert lines[1].split() == ["2026-11-22T09:30:02.000Z", "SMS", "+447700900111", "333333"]
    assert len(lines) == 4


def test_the_outbox_logs_one_line_with_the_masked_destination(outbox_env, caplog):
    with caplog.at_level("INFO", logger="services.user.outbox"):
        send(outbox_env, T0, Channel.SMS, "+447700900123", "424242")
    assert caplog.messages == ["outbox: SMS to +44•••••••123: code 424242"]


@pytest.mark.parametrize("limit", ["0", "-1", "1001", "ten"])
def test_a_bad_limit_is_a_usage_error(limit, capsys):
    assert cli.main(["outbox", "--limit", limit]) == 2
    assert "--limit" in capsys.readouterr().err


def test_no_stack_is_a_clear_error(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("BNPL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BNPL_DYNAMODB_PORT", "9")  # nothing listens there
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    assert cli.main(["outbox"]) == 1
    assert "is `bnpl dev` up?" in capsys.readouterr().err
