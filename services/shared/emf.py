"""The metrics sink the processes use: one CloudWatch embedded-metric-format document per event,
written to stdout as one JSON line, which CloudWatch Logs turns into metrics (Lambda's and ECS's
`awslogs` log groups alike) and `bnpl metrics` reads back from the local stack's log files.

Built on Powertools' EMF provider, so the documents are the ones Powertools' `Metrics` would
write, validation included. Not on `Metrics` itself: it keeps its metrics and dimensions in
class attributes shared by every instance, and the services emit from many request threads at
once, so two requests would flush each other's figures. Nothing here is shared between calls
but an immutable directive per kind of event (see `EmfMetrics.document`), which a provider of
its own (`EphemeralMetrics`) wrote and validated the first time.

The line is written with a single `write`, under a lock every sink in the process shares:
`print` writes the text and the newline separately, so two threads printing together can put two
documents on one line, and a text stream is not safe for threads at all (writes from several at
once can corrupt its buffer; the tests catch it doing so).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from typing import Any, TextIO

import orjson
from aws_lambda_powertools.metrics import EphemeralMetrics
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

from services.shared.metrics import NAMESPACE, Measure

logger = logging.getLogger(__name__)

# Powertools' own variable; Terraform could set it to keep one environment's metrics apart.
NAMESPACE_ENV = "POWERTOOLS_METRICS_NAMESPACE"
UNKNOWN = "unknown"
# One for the process: the sinks of all services in it write to the same stdout.
_WRITE_LOCK = threading.Lock()


class EmfMetrics:
    """A `MetricsSink` writing EMF documents for one service.

    Each document's metrics carry two dimension sets: `service` plus the event's own dimensions,
    and `service` alone, so an alarm can watch a total (every step's errors) without knowing
    every value a dimension takes.

    Args:
        service: the `service` dimension (`credit`, `user`, `webhooks`, `appsync`).
        namespace: the CloudWatch namespace; `POWERTOOLS_METRICS_NAMESPACE`, else `BNPL`.
        stream: where the lines go; the process's stdout at the time of each write by default.

    Setting `POWERTOOLS_METRICS_DISABLED=true` turns it off, as it turns Powertools' off.

    Example:
        >>> sink = EmfMetrics(service="credit")
        >>> sink.emit(count("Decisions"), outcome="APPROVED")  # doctest: +SKIP
        {"_aws":{"Timestamp":...,"CloudWatchMetrics":[{"Namespace":"BNPL",...}]},...}
    """

    def __init__(
        self, *, service: str, namespace: str | None = None, stream: TextIO | None = None
    ) -> None:
        self.service = service
        self.namespace = namespace or os.environ.get(NAMESPACE_ENV) or NAMESPACE
        self._stream = stream
        self._disabled = is_metrics_disabled()
        self._warned = False
        # Per event shape, its directive (see `document`). Races only compute one twice.
        self._directives: dict[tuple[tuple[tuple[str, str], ...], tuple[str, ...]], Any] = {}

    def emit(self, *measures: Measure, **dimensions: str) -> None:
        if self._disabled or not measures:
            return
        try:
            line = self.document(*measures, **dimensions)
            with _WRITE_LOCK:
                (self._stream or sys.stdout).write(line)
        except Exception:  # a metric must never fail the request it describes
            if not self._warned:
                self._warned = True
                logger.warning("metrics could not be written", exc_info=True)

    def document(self, *measures: Measure, **dimensions: str) -> str:
        """One event's EMF document, as the line `emit` writes (newline included).

        The first event of each shape (its metric names and units, its dimension names) goes
        through Powertools, which validates it and writes the `CloudWatchMetrics` directive;
        that directive is kept, and later events of the shape only fill in their values. The
        documents are Powertools' either way; Powertools' per-call validation (tens of
        microseconds a metric) is paid once per shape instead of once per event.

        Raises:
            SchemaValidationError, MetricValueError, MetricNameError: Powertools refused it.
        """
        # An empty value would be dropped with a warning, moving the figure to another
        # dimension set; it is named instead.
        named = {name: value or UNKNOWN for name, value in dimensions.items()}
        shape = (tuple((m.name, m.unit) for m in measures), tuple(named))
        directive = self._directives.get(shape)
        if directive is None:
            directive = self._directive(measures, named)
            self._directives[shape] = directive
        document: dict[str, Any] = {
            "_aws": {"Timestamp": time.time_ns() // 1_000_000, "CloudWatchMetrics": [directive]},
            "service": self.service,
            **named,
        }
        for measure in measures:
            document.setdefault(measure.name, []).append(float(measure.value))
        return orjson.dumps(document).decode() + "\n"

    def _directive(self, measures: tuple[Measure, ...], dimensions: dict[str, str]) -> Any:
        """The `CloudWatchMetrics` entry Powertools writes for an event of this shape."""
        provider = EphemeralMetrics(namespace=self.namespace, service=self.service)
        provider.add_dimension(name="service", value=self.service)
        for name, value in dimensions.items():
            provider.add_dimension(name=name, value=value)
        if dimensions:
            provider.add_dimensions(service=self.service)
        for measure in measures:
            provider.add_metric(name=measure.name, unit=measure.unit, value=measure.value)
        return provider.serialize_metric_set()["_aws"]["CloudWatchMetrics"][0]
