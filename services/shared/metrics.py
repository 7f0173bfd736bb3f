"""What the services count, as a port: the code that knows an event happened says so here, and the
composition root decides where it goes.

A domain module may not import a metrics library (the import contracts keep web, storage and AWS
libraries out of them), yet the decision, the screening step and the charge are only known
there. So they are handed a `MetricsSink` and call `emit` once per event: one decision, one
step, one charge. The sink in a process is `services.shared.emf.EmfMetrics` (a CloudWatch
embedded-metric-format document on stdout per event); tests use `RecordingMetrics`; anything
not wired counts nothing (`NO_METRICS`).

Every event is one call with every figure it has, under the same dimensions, so a decision's
count and its latency land in one document and can never disagree. Sinks add the `service`
dimension themselves; callers name only what varies (`outcome`, `step`, `operation`...).

Pure: no web, storage or AWS.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

NAMESPACE = "BNPL"
"""The CloudWatch namespace of every metric the product emits."""

Unit = Literal["Count", "Milliseconds", "None"]


@dataclass(frozen=True, slots=True)
class Measure:
    """One figure of an event: its metric name, value and CloudWatch unit."""

    name: str
    value: float
    unit: Unit = "Count"


def count(name: str, value: float = 1) -> Measure:
    """A count: 1 for "it happened", or 0/1 for "it failed" so that the average is a rate.

    Example:
        >>> count("Decisions")
        Measure(name='Decisions', value=1, unit='Count')
    """
    return Measure(name, value, "Count")


def milliseconds(name: str, value: float) -> Measure:
    """A duration in milliseconds (percentiles are taken over these).

    Example:
        >>> milliseconds("DecisionLatency", 12.5)
        Measure(name='DecisionLatency', value=12.5, unit='Milliseconds')
    """
    return Measure(name, value, "Milliseconds")


def ratio(name: str, value: float) -> Measure:
    """A figure without a unit: a share, an index (CloudWatch's unit "None").

    Example:
        >>> ratio("ModelScorePSI", 0.04)
        Measure(name='ModelScorePSI', value=0.04, unit='None')
    """
    return Measure(name, value, "None")


class MetricsSink(Protocol):
    """Where the events' figures go."""

    def emit(self, *measures: Measure, **dimensions: str) -> None:
        """Record one event: every measure under the same dimensions (the sink adds `service`).

        Never raises: a metric that cannot be written must not fail the request it describes.
        """
        ...


class NoMetrics:
    """Counts nothing: for wiring that has nowhere to send metrics (a CLI printing JSON)."""

    def emit(self, *measures: Measure, **dimensions: str) -> None:
        del measures, dimensions


NO_METRICS = NoMetrics()


@dataclass(frozen=True)
class Emitted:
    """One event as a sink received it."""

    measures: tuple[Measure, ...]
    dimensions: Mapping[str, str]

    def value(self, name: str) -> float | None:
        """The figure named `name` in this event, or None."""
        return next((m.value for m in self.measures if m.name == name), None)


class RecordingMetrics:
    """Keeps every event in memory, for tests. Safe to share between the threads that serve
    requests, as the services do."""

    def __init__(self) -> None:
        self._events: list[Emitted] = []
        self._lock = threading.Lock()

    def emit(self, *measures: Measure, **dimensions: str) -> None:
        with self._lock:
            self._events.append(Emitted(tuple(measures), dict(dimensions)))

    @property
    def events(self) -> list[Emitted]:
        """Every event so far, in the order they were emitted."""
        with self._lock:
            return list(self._events)

    def values(self, name: str, **dimensions: str) -> list[float]:
        """Every value of metric `name` in events that carry at least these dimensions."""
        return [
            value
            for event in self.events
            if dimensions.items() <= event.dimensions.items()
            for value in [event.value(name)]
            if value is not None
        ]

    def total(self, name: str, **dimensions: str) -> float:
        """The sum of metric `name` over events that carry at least these dimensions."""
        return sum(self.values(name, **dimensions))
