"""`bnpl metrics`: the EMF documents of the stack's log files, summed per metric and dimension set,
whatever else the files hold; `--since` as minutes or an ISO moment."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bnpl.cli import main
from bnpl.metric_logs import read_documents, summarise, table
from services.shared.emf import EmfMetrics
from services.shared.metrics import count, milliseconds

NOW = datetime.now(UTC)


def emf(stamp: datetime, **fields: object) -> str:
    """A document as another writer might make it: scalar values, its own dimension sets."""
    document = {
        "_aws": {
            "Timestamp": int(stamp.timestamp() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": "BNPL",
                    "Dimensions": [["service"]],
                    "Metrics": [{"Name": "DeadLettered", "Unit": "Count"}],
                }
            ],
        },
        "service": "webhooks",
        **fields,
    }
    return json.dumps(document)


@pytest.fixture
def logs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder whose logs hold what `bnpl dev` keeps: JSON log records, plain lines, a
    broken line, and metric documents from three processes, one file rotated."""
    monkeypatch.setenv("BNPL_DATA_DIR", str(tmp_path))
    folder = tmp_path / "logs"
    folder.mkdir()
    credit = io.StringIO()
    sink = EmfMetrics(service="credit", stream=credit)
    for outcome, ms in (("APPROVED", 40), ("APPROVED", 60), ("DECLINED", 20), ("REFERRED", 100)):
        sink.emit(count("Decisions"), milliseconds("DecisionLatency", ms), outcome=outcome)
    (folder / "credit.log").write_text(
        '{"level": "INFO", "message": "started", "service": "credit"}\n'
        "INFO:     Uvicorn running on http://127.0.0.1:4002\n"
        + credit.getvalue()
        + '{"_aws": {"Timestamp": 1, "CloudWatchMetrics"\n'  # cut short
    )
    previous = io.StringIO()
    EmfMetrics(service="user", stream=previous).emit(
        count("VerificationCodesSent"), count("VerificationCodesFailed", 0), channel="SMS"
    )
    (folder / "user.log.1").write_text(previous.getvalue())
    (folder / "webhooks.log").write_text(
        emf(NOW - timedelta(hours=2), DeadLettered=1)
        + "\n"
        + emf(NOW, DeadLettered=[1, 1])
        + "\n"
        + '{"_aws": {"note": "not a metric document"}}\n'
    )
    (folder / "notes.txt").write_text(emf(NOW, DeadLettered=5) + "\n")  # not a log file
    return folder


def rows(folder: Path, since_ms: int | None = None) -> dict[tuple[str, str], tuple[str, ...]]:
    found = table(summarise(read_documents(folder, since_ms=since_ms)))
    assert found[0] == ("METRIC", "DIMENSIONS", "COUNT", "SUM", "P50", "P99")
    return {(row[0], row[1]): row[2:] for row in found[1:]}


def test_each_metric_and_dimension_set_is_summed_with_percentiles_for_durations(logs):
    summary = rows(logs)
    assert summary[("Decisions", "outcome=APPROVED service=credit")] == ("2", "2", "", "")
    assert summary[("Decisions", "service=credit")] == ("4", "4", "", "")
    assert summary[("DecisionLatency (ms)", "service=credit")] == ("4", "220", "40", "100")
    assert summary[("DecisionLatency (ms)", "outcome=APPROVED service=credit")] == (
        "2",
        "100",
        "40",
        "60",
    )
    assert summary[("VerificationCodesSent", "channel=SMS service=user")] == ("1", "1", "", "")
    assert summary[("VerificationCodesFailed", "service=user")] == ("1", "0", "", "")
    # A scalar and a list of values alike; the text file is not read.
    assert summary[("DeadLettered", "service=webhooks")] == ("3", "3", "", "")


def test_since_keeps_the_documents_stamped_from_then(logs):
    summary = rows(logs, since_ms=int((NOW - timedelta(minutes=30)).timestamp() * 1000))
    assert summary[("DeadLettered", "service=webhooks")] == ("2", "2", "", "")
    assert summary[("Decisions", "service=credit")] == ("4", "4", "", "")


def test_the_command_prints_the_table(logs, capsys):
    assert main(["metrics"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].split() == ["METRIC", "DIMENSIONS", "COUNT", "SUM", "P50", "P99"]
    assert any(line.split() == ["Decisions", "service=credit", "4", "4"] for line in printed)
    assert any(
        line.split() == ["DecisionLatency", "(ms)", "service=credit", "4", "220", "40", "100"]
        for line in printed
    )


@pytest.mark.parametrize("since", ["60", "90.5", (NOW - timedelta(hours=1)).isoformat()])
def test_since_takes_minutes_or_an_iso_moment(logs, capsys, since):
    assert main(["metrics", "--since", since]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert any(line.split() == ["DeadLettered", "service=webhooks", "2", "2"] for line in printed)


def test_nothing_since_then_says_so(logs, capsys):
    assert main(["metrics", "--since", "2099-01-01T00:00:00Z"]) == 0
    assert capsys.readouterr().out.startswith("no metrics in ")


@pytest.mark.parametrize(
    ("since", "message"),
    [("yesterday", "minutes or an ISO 8601"), ("2026-12-31T09:00:00", "needs a timezone")],
)
def test_a_bad_since_is_a_usage_error(logs, capsys, since, message):
    assert main(["metrics", "--since", since]) == 2
    assert message in capsys.readouterr().err


def test_no_log_folder_is_an_error_that_says_what_to_do(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BNPL_DATA_DIR", str(tmp_path))
    assert main(["metrics"]) == 1
    assert "start the stack with `bnpl dev`" in capsys.readouterr().err
