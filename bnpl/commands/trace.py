"""`bnpl trace <request-id>`: one request's whole path through the local stack, in time order.

Read from the log files `bnpl dev` keeps (`<data>/logs/<process>.log` and the rotated `.1`):
every line naming the request id, and every line of the same X-Ray trace (what the request
caused: the real-time update a service published through the API, the webhook sent for it). A
line that closes a hop (a service answering, a card-network call, a webhook sent) carries its
duration, so each hop is shown from when it began, with how long it took. A decision's line
carries its screening steps, shown beneath it in the order they ran.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from bnpl.commands import dev_settings
from bnpl.log_view import parse


@dataclass(frozen=True)
class Line:
    """One log line of the request: when it began, where, what."""

    began: datetime
    process: str
    service: str
    message: str
    duration_ms: float | None
    record: dict[str, Any]


def log_files(folder: Path) -> list[Path]:
    """The stack's log files, older generation first."""
    return sorted(folder.glob("*.log.1")) + sorted(folder.glob("*.log"))


def read(files: Iterable[Path]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(process, record) for every JSON line of `files`."""
    for path in files:
        process = path.name.split(".log")[0]
        with path.open(encoding="utf-8", errors="replace") as lines:
            for line in lines:
                record = parse(line.rstrip("\n"))
                if record is not None and "message" in record:
                    yield process, record


def collect(records: Iterable[tuple[str, dict[str, Any]]], request_id: str) -> list[Line]:
    """The lines of `request_id` and of its traces, ordered by when each began."""
    kept = list(records)
    roots = {
        r["trace_id"] for _, r in kept if r.get("request_id") == request_id and r.get("trace_id")
    }
    found = [
        _line(process, record)
        for process, record in kept
        if record.get("request_id") == request_id or record.get("trace_id") in roots
    ]
    return sorted((line for line in found if line is not None), key=lambda line: line.began)


def _line(process: str, record: dict[str, Any]) -> Line | None:
    try:
        ended = datetime.fromisoformat(str(record["timestamp"]))
    except (KeyError, ValueError):
        return None
    duration = record.get("duration_ms")
    duration_ms = float(duration) if isinstance(duration, int | float) else None
    return Line(
        began=ended - timedelta(milliseconds=duration_ms or 0),
        process=process,
        service=str(record.get("service", process)),
        message=str(record["message"]),
        duration_ms=duration_ms,
        record=record,
    )


def show(lines: list[Line], request_id: str, out: TextIO) -> None:
    """Print the lines as a table: offset from the first, service, duration, message."""
    roots = sorted({str(line.record["trace_id"]) for line in lines if "trace_id" in line.record})
    out.write(f"request {request_id}, trace {', '.join(roots) or '(none)'}\n")
    first = lines[0].began
    width = max(len(line.service) for line in lines)
    for line in lines:
        offset = (line.began - first).total_seconds() * 1000
        took = f"{line.duration_ms:8.1f} ms" if line.duration_ms is not None else " " * 11
        other = "" if line.record.get("request_id") == request_id else "  (same trace)"
        out.write(
            f"{line.began:%H:%M:%S.%f}"[:-3]
            + f"  +{offset:7.1f} ms  {line.service:<{width}}  {took}  {line.message}{other}\n"
        )
        for step in _steps(line.record):
            out.write(f"{'':25}{'':<{width}}  {step}\n")


def _steps(record: dict[str, Any]) -> list[str]:
    """A decision's screening steps as lines: `step <name> <status>  <ms> ms`."""
    steps = record.get("steps")
    if not isinstance(steps, list):
        return []
    return [
        f"  step {name} {status} ({took} ms)"
        for step in steps
        if isinstance(step, list) and len(step) == 3
        for name, status, took in [step]
    ]


def run(request_id: str, *, as_json: bool = False, folder: Path | None = None) -> int:
    """Print the request's path. Returns 0, or 1 when no kept line names it."""
    folder = folder or dev_settings().log_dir
    lines = collect(read(log_files(folder)), request_id.strip())
    if not lines:
        sys.stderr.write(
            f"bnpl trace: no log line in {folder} names request {request_id}; the files keep "
            "what the running (or last) `bnpl dev` wrote\n"
        )
        return 1
    if as_json:
        sys.stdout.write(json.dumps([line.record for line in lines], indent=2) + "\n")
    else:
        show(lines, request_id.strip(), sys.stdout)
    return 0
