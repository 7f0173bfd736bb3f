"""How `bnpl dev` shows and keeps log lines, and how `bnpl trace` puts one request together."""

from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path

from bnpl.commands import trace
from bnpl.log_view import LogFile, render

ROOT = "1-6b14344d-eb4fcbefb9acda40b29a8652"
OTHER_ROOT = "1-6b14344d-000000000000000000000000"


def line(**fields: object) -> str:
    return json.dumps({"level": "INFO", **fields})


def test_a_json_line_shows_its_message_duration_and_request():
    shown = render(line(message="POST /applications 200", duration_ms=12.5, request_id="r-1"))
    assert shown == ["INFO    POST /applications 200 (12.5 ms)  request r-1"]


def test_a_metrics_document_is_kept_but_not_shown():
    emf = json.dumps({"_aws": {"Timestamp": 1, "CloudWatchMetrics": []}, "Decisions": 1})
    assert render(emf) == []


def test_other_output_shows_as_it_is():
    assert render("Initializing DynamoDB Local with the following configuration:") == [
        "Initializing DynamoDB Local with the following configuration:"
    ]
    assert render("{not json") == ["{not json"]


def test_an_exception_shows_its_traceback_lines():
    shown = render(line(message="boom", exception="Traceback:\n  File x\nValueError: v"))
    assert shown == ["INFO    boom", "Traceback:", "  File x", "ValueError: v"]


def test_a_log_file_keeps_the_last_run_and_rotates_past_its_size(tmp_path: Path):
    path = tmp_path / "credit.log"
    path.write_text("last run\n")
    kept = LogFile(path, rotate_bytes=20, fresh=True)
    assert (tmp_path / "credit.log.1").read_text() == "last run\n"
    kept.write("0123456789")
    kept.write("0123456789")  # past 20 bytes: moved aside, a new file begun
    kept.write("after")
    kept.close()
    kept.write("after close")  # a pump still draining writes nowhere, and does not fail
    assert (tmp_path / "credit.log.1").read_text() == "0123456789\n0123456789\n"
    assert path.read_text() == "after\n"


def record(at: str, service: str, message: str, **fields: object) -> dict[str, object]:
    return {"timestamp": f"2026-12-05T10:00:{at}+00:00", "service": service, "message": message}


def test_a_request_is_put_together_from_every_process_in_the_order_its_hops_began():
    records = [
        (
            "appsync",
            {
                **record("01.000", "appsync", "POST /graphql 200"),
                "request_id": "r-1",
                "trace_id": ROOT,
                "duration_ms": 900.0,
            },
        ),
        (
            "credit",
            {
                **record("00.950", "credit", "POST /applications 200"),
                "request_id": "r-1",
                "trace_id": ROOT,
                "duration_ms": 800.0,
            },
        ),
        (
            "user",
            {
                **record("00.400", "user", "GET /customers/me 200"),
                "request_id": "r-1",
                "trace_id": ROOT,
                "duration_ms": 100.0,
            },
        ),
        (
            "credit",
            {
                **record("00.900", "credit", "application a-1 decided APPROVED"),
                "request_id": "r-1",
                "trace_id": ROOT,
                "steps": [["FraudDetection", "PASSED", 0], ["FinalDecision", "PASSED", 9]],
            },
        ),
        # What the request caused: another request id, the same trace.
        (
            "appsync",
            {
                **record("01.100", "appsync", "POST /graphql 200"),
                "request_id": "r-2",
                "trace_id": ROOT,
                "duration_ms": 10.0,
            },
        ),
        # Another request altogether.
        (
            "credit",
            {
                **record("00.500", "credit", "GET /health 200"),
                "request_id": "r-3",
                "trace_id": OTHER_ROOT,
            },
        ),
    ]
    lines = trace.collect(records, "r-1")
    assert [(line.service, line.message) for line in lines] == [
        ("appsync", "POST /graphql 200"),  # began at 00.100
        ("credit", "POST /applications 200"),  # 00.150
        ("user", "GET /customers/me 200"),  # 00.300
        ("credit", "application a-1 decided APPROVED"),  # 00.900
        ("appsync", "POST /graphql 200"),  # 01.090
    ]
    assert lines[0].began == datetime.fromisoformat("2026-12-05T10:00:00.100+00:00")
    out = io.StringIO()
    trace.show(lines, "r-1", out)
    shown = out.getvalue().splitlines()
    assert shown[0] == f"request r-1, trace {ROOT}"
    assert shown[1].startswith("10:00:00.100  +    0.0 ms  appsync     900.0 ms  POST /graphql")
    assert "+   50.0 ms  credit" in shown[2]
    assert shown[4].endswith("application a-1 decided APPROVED")
    assert [line.strip() for line in shown[5:7]] == [
        "step FraudDetection PASSED (0 ms)",
        "step FinalDecision PASSED (9 ms)",
    ]
    assert shown[7].endswith("POST /graphql 200  (same trace)")


def test_trace_reads_every_kept_file_and_says_when_nothing_names_the_request(tmp_path, capsys):
    (tmp_path / "credit.log.1").write_text(
        json.dumps({**record("00.000", "credit", "older"), "request_id": "r-1"}) + "\n"
    )
    (tmp_path / "credit.log").write_text(
        "not json\n"
        + json.dumps({**record("00.500", "credit", "newer"), "request_id": "r-1"})
        + "\n"
    )
    assert trace.run("r-1", folder=tmp_path) == 0
    out = capsys.readouterr().out
    assert out.index("older") < out.index("newer")
    assert trace.run("r-9", folder=tmp_path) == 1
    assert "names request r-9" in capsys.readouterr().err
