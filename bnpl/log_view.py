"""How `bnpl dev` shows the stack's JSON log lines on a terminal, and how it keeps them.

Every process writes JSON lines (`services.shared.logs`); a person reading `bnpl dev` wants the
message, its duration and which request it was, not the JSON. The files under `<data>/logs/`
keep every line exactly as written, for `bnpl trace` and `bnpl metrics`. Metric documents (EMF)
go to the files only. A line that is not JSON (a library printing on its own) shows as it is.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import IO, Any

# Past this size a process's file is moved to `<name>.log.1` (replacing the one before) and a
# new one begun: two files' worth of each process's recent lines is what `bnpl trace` searches.
ROTATE_BYTES = 64 * 1024 * 1024


def parse(line: str) -> dict[str, Any] | None:
    """The JSON object a log line holds, or None."""
    if not line.startswith("{"):
        return None
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def is_metrics(record: dict[str, Any]) -> bool:
    """Whether a record is a CloudWatch embedded-metric-format document."""
    return "_aws" in record


def render(line: str) -> list[str]:
    """The terminal lines for one output line: none for a metrics document."""
    record = parse(line)
    if record is None:
        return [line]
    if is_metrics(record):
        return []
    if "message" not in record:
        return [line]
    text = f"{record.get('level', '')!s:<7} {record['message']}"
    if "duration_ms" in record:
        text += f" ({record['duration_ms']} ms)"
    if record.get("request_id"):
        text += f"  request {record['request_id']}"
    shown = [text]
    if record.get("exception"):
        shown += str(record["exception"]).splitlines()
    return shown


class LogFile:
    """One process's lines, appended as written and rotated past `ROTATE_BYTES`."""

    def __init__(
        self, path: Path, *, rotate_bytes: int = ROTATE_BYTES, fresh: bool = False
    ) -> None:
        self.path = path
        self.rotate_bytes = rotate_bytes
        path.parent.mkdir(parents=True, exist_ok=True)
        if fresh and path.exists() and path.stat().st_size:
            path.replace(path.with_name(path.name + ".1"))  # the last run's lines stay one run
        self._file: IO[str] = path.open("a", encoding="utf-8")
        self._size = path.stat().st_size
        # A restarted process's output pump may overlap the one draining its predecessor.
        self._lock = threading.Lock()

    def write(self, line: str) -> None:
        """Append one line (without its newline)."""
        with self._lock:
            if self._file.closed:  # a pump still draining a process the stop gave up on
                return
            self._file.write(line + "\n")
            self._file.flush()
            self._size += len(line) + 1
            if self._size > self.rotate_bytes:
                self.rotate()

    def rotate(self) -> None:
        """Move the file to `<name>.1` and begin a new one."""
        self._file.close()
        self.path.replace(self.path.with_name(self.path.name + ".1"))
        self._file = self.path.open("a", encoding="utf-8")
        self._size = 0

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._file.close()
