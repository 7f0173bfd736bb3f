"""What the local stack counted: the CloudWatch embedded-metric-format documents its processes
wrote, read back from `bnpl dev`'s log files and summed as CloudWatch would.

`bnpl dev` keeps each process's output lines as written in `<data dir>/logs/<process>.log` (the
previous run's in `<process>.log.1`). A line is a metric document when it is a JSON object with
`_aws.CloudWatchMetrics`; every other line (log records, a library's own prints) is skipped.

As in CloudWatch, each dimension set of a document is a metric of its own: a decision counted
under `service` and `outcome` is also counted under `service` alone, and both rows are shown.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The units whose percentiles mean something; counts are summed.
DURATION_UNITS = frozenset({"Milliseconds", "Microseconds", "Seconds"})


@dataclass(frozen=True, order=True)
class MetricKey:
    """One CloudWatch metric: its namespace, name and dimensions (name and value, sorted)."""

    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...]

    def dimensions_text(self) -> str:
        return " ".join(f"{name}={value}" for name, value in self.dimensions)


@dataclass
class Series:
    """Every value one metric received, in order, and its unit."""

    unit: str
    values: list[float] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.values)

    @property
    def total(self) -> float:
        return sum(self.values)

    def percentile(self, p: float) -> float:
        """The nearest-rank percentile `p` (0-100] of the values."""
        ordered = sorted(self.values)
        return ordered[max(math.ceil(p / 100 * len(ordered)) - 1, 0)]

    @property
    def is_duration(self) -> bool:
        return self.unit in DURATION_UNITS


def log_files(log_dir: Path) -> list[Path]:
    """The files `bnpl dev` keeps there: each process's `*.log` and its previous `*.log.1`."""
    return sorted({*log_dir.glob("*.log"), *log_dir.glob("*.log.1")})


def documents(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """The EMF documents among `lines`."""
    for line in lines:
        text = line.strip()
        if not text.startswith("{") or '"_aws"' not in text:
            continue
        try:
            document = json.loads(text)
        except ValueError:
            continue
        if isinstance(document, dict) and _directives(document):
            yield document


def read_documents(log_dir: Path, *, since_ms: int | None = None) -> Iterator[dict[str, Any]]:
    """The EMF documents of every log file in `log_dir` stamped at or after `since_ms` (epoch
    milliseconds), file by file."""
    for path in log_files(log_dir):
        with path.open(encoding="utf-8", errors="replace") as lines:
            for document in documents(lines):
                if since_ms is None or _timestamp(document) >= since_ms:
                    yield document


def summarise(docs: Iterable[Mapping[str, Any]]) -> dict[MetricKey, Series]:
    """Every metric the documents carry, with all its values (a metric value may be one number
    or a list of them, as EMF allows)."""
    series: dict[MetricKey, Series] = {}
    for document in docs:
        for directive in _directives(document):
            namespace = str(directive.get("Namespace", ""))
            for dimension_set in directive.get("Dimensions") or [[]]:
                dimensions = tuple(sorted((str(d), str(document.get(d))) for d in dimension_set))
                for metric in directive.get("Metrics") or []:
                    name = str(metric.get("Name"))
                    values = _values(document.get(name))
                    if not values:
                        continue
                    key = MetricKey(namespace, name, dimensions)
                    entry = series.setdefault(key, Series(unit=str(metric.get("Unit", "None"))))
                    entry.values.extend(values)
    return series


def table(series: Mapping[MetricKey, Series]) -> list[tuple[str, ...]]:
    """The summary's rows, header first: metric, dimensions, count, sum, p50 and p99 (the last
    two for durations only)."""
    rows: list[tuple[str, ...]] = [("METRIC", "DIMENSIONS", "COUNT", "SUM", "P50", "P99")]
    for key in sorted(series):
        entry = series[key]
        name = f"{key.name} (ms)" if entry.unit == "Milliseconds" else key.name
        p50 = _number(entry.percentile(50)) if entry.is_duration else ""
        p99 = _number(entry.percentile(99)) if entry.is_duration else ""
        rows.append((name, key.dimensions_text(), str(entry.count), _number(entry.total), p50, p99))
    return rows


def _directives(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    aws = document.get("_aws")
    found = aws.get("CloudWatchMetrics") if isinstance(aws, dict) else None
    return [d for d in found if isinstance(d, dict)] if isinstance(found, list) else []


def _timestamp(document: Mapping[str, Any]) -> int:
    stamp = document["_aws"].get("Timestamp")
    return int(stamp) if isinstance(stamp, int | float) else 0


def _values(value: Any) -> list[float]:
    items = value if isinstance(value, list) else [value]
    numbers = (item for item in items if not isinstance(item, bool))
    return [float(item) for item in numbers if isinstance(item, int | float)]


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.1f}"
