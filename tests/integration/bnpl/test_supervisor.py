"""The supervisor with real child processes: prefixed logs, readiness, signals, failures.

Each test runs `driver.py` (the supervisor, as `bnpl dev` uses it) as its own process, so signals
reach it exactly as they reach `bnpl dev`, and then checks through /proc that nothing it started
is left running.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bnpl import log_view
from bnpl.supervisor import ChildFailedError, ChildSpec, Supervisor

DRIVER = Path(__file__).with_name("driver.py")
ROOT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def proc_stat(pid: int) -> tuple[str, int] | None:
    """(state, process group) of a process, None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text.rsplit(")", 1)[1].split()
    return fields[0], int(fields[2])


def running(pid: int) -> bool:
    # A zombie has exited; it only waits for a parent (maybe a reaper-less PID 1) to collect it.
    stat = proc_stat(pid)
    return stat is not None and stat[0] != "Z"


def group_members(pgids: set[int]) -> list[int]:
    """Live processes in any of these process groups."""
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = proc_stat(int(entry.name))
            if stat is not None and stat[0] != "Z" and stat[1] in pgids:
                members.append(int(entry.name))
    return members


class Driver:
    """The supervisor process, with its output collected line by line."""

    def __init__(self, config: dict[str, Any]) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, str(DRIVER), json.dumps(config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            cwd=ROOT,
        )
        self.lines: list[str] = []
        self._drained = False
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        with self.process.stdout:
            for line in self.process.stdout:
                self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, predicate: Callable[[str], bool], *, timeout: float = 20.0) -> str:
        """The first (new) line matching `predicate`; fails with the output so far if none."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=deadline - time.monotonic())
            except queue.Empty:
                break
            if line is None:
                self._drained = True
                break
            self.lines.append(line)
            if predicate(line):
                return line
        pytest.fail("expected line never came; output:\n" + "\n".join(self.lines))

    def finish(self, *, timeout: float = 20.0) -> int:
        code = self.process.wait(timeout=timeout)
        while not self._drained:
            line = self._queue.get(timeout=5)
            if line is None:
                self._drained = True
            else:
                self.lines.append(line)
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def pids(self, marker: str) -> dict[str, int]:
        line = next(line for line in self.lines if line.startswith(marker + " "))
        pids: dict[str, int] = json.loads(line.split(" ", 1)[1])
        return pids


@pytest.fixture
def run_driver():
    started: list[Driver] = []

    def start(config: dict[str, Any]) -> Driver:
        driver = Driver(config)
        started.append(driver)
        return driver

    yield start
    for driver in started:
        driver.kill()
        driver.finish()
        # Should the supervisor have failed to stop something, do not leave it running.
        for marker in ("READY", "PIDS"):
            if any(line.startswith(marker + " ") for line in driver.lines):
                for pgid in driver.pids(marker).values():
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.killpg(pgid, signal.SIGKILL)


def child(
    name: str, *args: str, port: int | None = None, timeout: float = 10.0, restarts: int = 0
) -> dict[str, Any]:
    return {
        "name": name,
        "args": list(args),
        "port": port,
        "timeout": timeout,
        "restarts": restarts,
    }


def served(port: int, *args: str) -> tuple[str, ...]:
    return ("--port", str(port), *args)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_every_child_and_leaves_no_orphan(run_driver, signum):
    steady, stubborn = free_port(), free_port()
    driver = run_driver(
        {
            "grace": 0.5,
            "stages": [
                [
                    child("steady", *served(steady), port=steady),
                    # Ignores SIGTERM and leaves a SIGTERM-proof grandchild in its group.
                    child(
                        "stubborn",
                        *served(stubborn, "--ignore-term", "--grandchild"),
                        port=stubborn,
                    ),
                ]
            ],
        }
    )
    grandchild_line = driver.wait_for(lambda line: "| grandchild " in line)
    driver.wait_for(lambda line: line.startswith("READY "))
    pids = driver.pids("READY")
    grandchild = int(grandchild_line.rsplit(" ", 1)[1])
    assert all(running(pid) for pid in [*pids.values(), grandchild])
    stat = proc_stat(grandchild)
    assert stat is not None
    assert stat[1] == pids["stubborn"]  # in its parent's process group

    driver.process.send_signal(signum)

    assert driver.finish() == 0
    assert "STOPPED" in driver.lines
    assert "stubborn | did not stop within 0.5 s; killing it" in driver.lines
    assert not [pid for pid in [*pids.values(), grandchild] if running(pid)]
    assert group_members(set(pids.values())) == []


def test_output_is_prefixed_and_a_stage_starts_once_the_previous_is_healthy(run_driver):
    slow, dependent = free_port(), free_port()
    driver = run_driver(
        {
            "grace": 2,
            "stages": [
                [child("slow", *served(slow, "--delay", "0.4"), port=slow)],
                [child("dependent", *served(dependent, "--check-port", str(slow)), port=dependent)],
            ],
        }
    )
    driver.wait_for(lambda line: line.startswith("READY "))
    driver.process.send_signal(signal.SIGTERM)
    assert driver.finish() == 0

    lines = driver.lines
    assert "slow     | hello from slow" in lines
    assert f"slow     | listening on {slow}" in lines
    assert "dependent | hello from dependent" in lines  # longer than the width: never cut
    assert "dependent | dependency up" in lines
    ready = next(i for i, line in enumerate(lines) if line.startswith("slow     | ready after"))
    assert lines.index(f"slow     | listening on {slow}") < ready
    assert ready < lines.index("dependent | hello from dependent")


def test_a_crashing_child_stops_the_others_and_exits_1(run_driver):
    steady, crasher = free_port(), free_port()
    driver = run_driver(
        {
            "grace": 2,
            "stages": [
                [child("steady", *served(steady), port=steady)],
                [child("crasher", *served(crasher, "--exit-after", "0.5", "--code", "3"))],
            ],
        }
    )
    assert driver.finish() == 1
    assert "FAILED crasher exited with code 3 unexpectedly" in driver.lines
    assert "TAIL about to crash" in driver.lines
    pids = driver.pids("PIDS")
    assert not [pid for pid in pids.values() if running(pid)]
    assert group_members(set(pids.values())) == []


def test_a_child_that_never_becomes_healthy_fails_after_its_timeout(run_driver):
    port, other = free_port(), free_port()
    driver = run_driver(
        {
            "grace": 2,
            "stages": [
                [
                    child("other", *served(other), port=other),
                    child("silent", *served(port, "--no-listen"), port=port, timeout=0.5),
                ]
            ],
        }
    )
    assert driver.finish() == 1
    assert "FAILED silent was not ready after 0.5 s" in driver.lines
    assert "TAIL hello from silent" in driver.lines
    pids = driver.pids("PIDS")
    assert not [pid for pid in pids.values() if running(pid)]


def test_a_child_that_exits_while_starting_fails_at_once(run_driver):
    port = free_port()
    driver = run_driver(
        {
            "grace": 2,
            "stages": [[child("broken", "--exit-after", "0", "--code", "2", port=port)]],
        }
    )
    assert driver.finish() == 1
    assert "FAILED broken exited with code 2 before it was ready" in driver.lines


def test_prefixes_are_aligned_and_colored_only_when_asked():
    plain = Supervisor(out=sys.stdout, color=False, name_width=8)
    assert plain.prefix("idp") == "idp      | "
    assert plain.prefix("appsync") == "appsync  | "
    colored = Supervisor(out=sys.stdout, color=True, name_width=8)
    assert colored.prefix("idp").startswith("\x1b[")
    assert "idp      | " in colored.prefix("idp")


def test_a_child_killed_from_outside_is_reported_by_signal(run_driver):
    steady, victim = free_port(), free_port()
    driver = run_driver(
        {
            "grace": 2,
            "stages": [
                [
                    child("steady", *served(steady), port=steady),
                    child("victim", *served(victim), port=victim),
                ]
            ],
        }
    )
    driver.wait_for(lambda line: line.startswith("READY "))
    os.kill(driver.pids("READY")["victim"], signal.SIGKILL)
    assert driver.finish() == 1
    assert "FAILED victim was killed by SIGKILL unexpectedly" in driver.lines
    assert not running(driver.pids("PIDS")["steady"])


def serves(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def test_a_child_killed_after_it_served_is_started_again_and_the_set_goes_on(run_driver):
    steady, victim = free_port(), free_port()
    driver = run_driver(
        {
            "grace": 2,
            "stages": [
                [
                    child("steady", *served(steady), port=steady),
                    child("victim", *served(victim), port=victim, restarts=1),
                ]
            ],
        }
    )
    driver.wait_for(lambda line: line.startswith("READY "))
    first = driver.pids("READY")
    os.killpg(first["victim"], signal.SIGKILL)
    driver.wait_for(
        lambda line: (
            line == "victim   | was killed by SIGKILL unexpectedly; starting it again "
            "(restart 1 of 1 within 60 s)"
        )
    )
    driver.wait_for(lambda line: line.startswith("victim   | ready again after "))
    assert serves(victim)
    assert running(first["steady"])  # the rest of the set was never touched

    driver.process.send_signal(signal.SIGTERM)
    assert driver.finish() == 0
    last = driver.pids("PIDS")
    assert last["steady"] == first["steady"]
    assert last["victim"] != first["victim"]
    assert group_members({*first.values(), *last.values()}) == []


def test_a_child_that_keeps_dying_fails_the_set_once_its_restarts_are_spent(run_driver):
    steady = free_port()
    driver = run_driver(
        {
            "grace": 2,
            "stages": [
                [child("steady", *served(steady), port=steady)],
                [child("crasher", "--exit-after", "0.3", "--code", "3", restarts=2)],
            ],
        }
    )
    assert driver.finish() == 1
    restarts = [line for line in driver.lines if "starting it again" in line]
    assert restarts == [
        f"crasher  | exited with code 3 unexpectedly; starting it again "
        f"(restart {n} of 2 within 60 s)"
        for n in (1, 2)
    ]
    assert "FAILED crasher exited with code 3 unexpectedly" in driver.lines
    assert group_members(set(driver.pids("PIDS").values())) == []


def test_a_program_that_cannot_start_is_a_failure_not_a_crash():
    supervisor = Supervisor(out=sys.stdout, color=False)
    spec = ChildSpec(name="ghost", argv=["/nonexistent/program"], ready=lambda: True)
    with pytest.raises(ChildFailedError, match="ghost could not start"):
        supervisor.start(spec)
    supervisor.stop()
    assert supervisor.pids == {}


def test_each_childs_output_is_kept_as_written_and_shown_as_rendered(tmp_path):
    lines = [
        json.dumps({"level": "INFO", "message": "POST /applications 200", "duration_ms": 3.5}),
        json.dumps({"_aws": {"Timestamp": 1, "CloudWatchMetrics": []}, "Decisions": 1}),
        "plain text",
    ]
    script = "".join(f"print({line!r})\n" for line in lines) + "import time\ntime.sleep(30)\n"
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "talker.log").write_text("the last run\n")
    out = io.StringIO()
    supervisor = Supervisor(
        out=out, color=False, grace_s=1, log_dir=tmp_path / "logs", render=log_view.render
    )
    spec = ChildSpec(name="talker", argv=[sys.executable, "-u", "-c", script], ready=lambda: True)
    try:
        supervisor.start(spec)
        kept = tmp_path / "logs" / "talker.log"
        deadline = time.monotonic() + 10
        while kept.read_text().count("\n") < len(lines):
            assert time.monotonic() < deadline, kept.read_text()
            time.sleep(0.05)
    finally:
        supervisor.stop()
    assert kept.read_text().splitlines() == lines
    assert (tmp_path / "logs" / "talker.log.1").read_text() == "the last run\n"
    assert "talker   | INFO    POST /applications 200 (3.5 ms)" in out.getvalue().splitlines()
    assert "talker   | plain text" in out.getvalue().splitlines()
    assert "Decisions" not in out.getvalue()
