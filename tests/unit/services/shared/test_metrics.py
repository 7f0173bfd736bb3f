"""The metrics port and its sinks: EMF documents as CloudWatch reads them, one line per event
however many threads emit, and a sink that never fails the request it counts."""

from __future__ import annotations

import io
import json
import logging
import threading
from typing import Any

import pytest
from aws_lambda_powertools.metrics import EphemeralMetrics

from services.shared.emf import EmfMetrics
from services.shared.metrics import (
    NO_METRICS,
    RecordingMetrics,
    count,
    milliseconds,
)


def assert_valid_emf(document: dict[str, Any]) -> None:
    """The EMF specification's rules: a millisecond timestamp, directives with a namespace,
    dimension sets whose keys are members of the document, and a value for every metric."""
    aws = document["_aws"]
    assert isinstance(aws["Timestamp"], int)
    assert aws["Timestamp"] > 1_600_000_000_000
    assert aws["CloudWatchMetrics"]
    for directive in aws["CloudWatchMetrics"]:
        assert directive["Namespace"] == "BNPL"
        for dimension_set in directive["Dimensions"]:
            assert all(isinstance(document[d], str) and document[d] for d in dimension_set)
        for metric in directive["Metrics"]:
            assert metric["Unit"] in {"Count", "Milliseconds"}
            assert all(isinstance(v, float) for v in document[metric["Name"]])


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


class TestEmfMetrics:
    def test_an_event_is_one_emf_line_with_its_dimensions_and_a_service_rollup(self):
        stream = io.StringIO()
        sink = EmfMetrics(service="credit", stream=stream)

        sink.emit(count("Decisions"), milliseconds("DecisionLatency", 41.5), outcome="APPROVED")

        assert stream.getvalue().count("\n") == 1
        [document] = lines(stream)
        assert_valid_emf(document)
        [directive] = document["_aws"]["CloudWatchMetrics"]
        assert directive["Dimensions"] == [["service", "outcome"], ["service"]]
        assert directive["Metrics"] == [
            {"Name": "Decisions", "Unit": "Count"},
            {"Name": "DecisionLatency", "Unit": "Milliseconds"},
        ]
        assert (document["service"], document["outcome"]) == ("credit", "APPROVED")
        assert (document["Decisions"], document["DecisionLatency"]) == ([1.0], [41.5])

    def test_an_event_without_dimensions_is_counted_under_service_alone(self):
        stream = io.StringIO()
        EmfMetrics(service="webhooks", stream=stream).emit(count("DeadLettered"))
        [document] = lines(stream)
        assert_valid_emf(document)
        assert document["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service"]]

    def test_every_event_is_the_document_powertools_writes_for_it(self):
        """The directive is Powertools' (kept per kind of event); only the values change."""
        stream = io.StringIO()
        sink = EmfMetrics(service="credit", stream=stream)
        for step, ms in (("FraudDetection", 3.0), ("FinalDecision", 7.25)):
            sink.emit(
                count("ScreeningSteps"),
                milliseconds("ScreeningStepDuration", ms),
                count("ScreeningStepErrors", 0),
                step=step,
            )
        for document in lines(stream):
            powertools = EphemeralMetrics(namespace="BNPL", service="credit")
            powertools.add_dimension(name="service", value="credit")
            powertools.add_dimension(name="step", value=document["step"])
            powertools.add_dimensions(service="credit")
            powertools.add_metric(name="ScreeningSteps", unit="Count", value=1)
            powertools.add_metric(
                name="ScreeningStepDuration",
                unit="Milliseconds",
                value=document["ScreeningStepDuration"][0],
            )
            powertools.add_metric(name="ScreeningStepErrors", unit="Count", value=0)
            expected = json.loads(json.dumps(powertools.serialize_metric_set()))
            expected["_aws"]["Timestamp"] = document["_aws"]["Timestamp"]
            assert document == expected

    def test_an_empty_dimension_value_is_named_rather_than_dropped(self):
        stream = io.StringIO()
        EmfMetrics(service="credit", stream=stream).emit(count("DecisionReasons"), reason="")
        [document] = lines(stream)
        assert document["reason"] == "unknown"
        assert document["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0] == ["service", "reason"]

    def test_the_namespace_comes_from_powertools_variable_else_bnpl(self, monkeypatch):
        assert EmfMetrics(service="user").namespace == "BNPL"
        monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "BNPL-staging")
        assert EmfMetrics(service="user").namespace == "BNPL-staging"

    def test_powertools_switch_turns_it_off(self, monkeypatch):
        monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
        stream = io.StringIO()
        EmfMetrics(service="credit", stream=stream).emit(count("Decisions"))
        assert stream.getvalue() == ""

    def test_stdout_is_the_default_and_is_looked_up_at_each_write(self, capsys):
        sink = EmfMetrics(service="appsync")
        sink.emit(count("ResolverErrors", 2), errorType="DependencyFailure")
        [line] = capsys.readouterr().out.splitlines()
        assert json.loads(line)["ResolverErrors"] == [2.0]

    def test_a_sink_that_cannot_write_never_fails_the_caller_and_warns_once(self, caplog):
        class Broken(io.StringIO):
            def write(self, text: str) -> int:
                raise OSError("stdout is closed")

        sink = EmfMetrics(service="credit", stream=Broken())
        with caplog.at_level(logging.WARNING, logger="services.shared.emf"):
            sink.emit(count("Decisions"))
            sink.emit(count("Decisions"))
        assert [r.message for r in caplog.records] == ["metrics could not be written"]

    def test_a_metric_powertools_refuses_is_not_raised(self):
        stream = io.StringIO()
        EmfMetrics(service="credit", stream=stream).emit(count(""))  # no name
        assert stream.getvalue() == ""

    def test_threads_emitting_together_each_get_whole_lines(self, tmp_path):
        """A file object, as stdout is: no line holds two documents or half of one."""
        path = tmp_path / "out.log"
        with path.open("w", encoding="utf-8") as out:
            sink = EmfMetrics(service="credit", stream=out)
            start = threading.Barrier(8)

            def emit(worker: int) -> None:
                start.wait()
                for i in range(300):
                    sink.emit(
                        count("ScreeningSteps"),
                        milliseconds("ScreeningStepDuration", i),
                        step=f"step-{worker}",
                    )

            threads = [threading.Thread(target=emit, args=(w,)) for w in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        documents = [json.loads(line) for line in path.read_text().splitlines()]
        assert len(documents) == 8 * 300
        for worker in range(8):
            mine = [d for d in documents if d["step"] == f"step-{worker}"]
            assert sorted(d["ScreeningStepDuration"][0] for d in mine) == list(range(300))


class TestRecordingMetrics:
    def test_it_sums_and_lists_by_metric_and_dimensions(self):
        metrics = RecordingMetrics()
        metrics.emit(count("Decisions"), milliseconds("DecisionLatency", 10), outcome="APPROVED")
        metrics.emit(count("Decisions"), milliseconds("DecisionLatency", 30), outcome="DECLINED")
        assert metrics.total("Decisions") == 2
        assert metrics.total("Decisions", outcome="DECLINED") == 1
        assert metrics.values("DecisionLatency") == [10, 30]
        assert metrics.values("Nothing") == []

    def test_no_metrics_counts_nothing(self):
        NO_METRICS.emit(count("Decisions"), outcome="APPROVED")  # nothing to assert: no error


@pytest.mark.parametrize(
    ("made", "unit"), [(count("A"), "Count"), (milliseconds("A", 1), "Milliseconds")]
)
def test_measures_carry_their_unit(made, unit):
    assert made.unit == unit
