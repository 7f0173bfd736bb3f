"""Where a running stack spends its CPU and memory: its processes, read from /proc.

`bnpl dev` starts one process per service (several for a service that runs worker processes);
each is named here after what it serves, and a service's workers are summed under its name.

    with cpu_sampled(stack_processes(stack.process.pid)) as cpu:
        ...  # the load
    print_cpu(cpu, per=requests)
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")
# A process's command line → the name it is reported under (first match wins).
_NAMES = (
    ("DynamoDBLocal", "dynamodb"),
    ("services.credit.webhooks.sender_task", "webhooks"),
    ("services.credit.app", "credit"),
    ("services.user.app", "user"),
    ("services.scoring.app", "scoring"),
    ("bnpl.emulator", "emulator"),
    ("bnpl.idp", "idp"),
    ("bnpl.web_host", "web"),
    ("bnpl.shop", "shop"),
    ("bnpl dev", "supervisor"),
)


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _name(pid: int) -> str:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "gone"
    if "multiprocessing" in argv:  # a uvicorn worker: named after its parent's app
        return _name(_parent(pid))
    return next((name for marker, name in _NAMES if marker in argv), argv.split(" ")[0])


def _parent(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def stack_processes(root: int) -> dict[int, str]:
    """Every process under `root` (the `bnpl dev` process), pid → service name."""
    pids, todo = {}, [root]
    while todo:
        pid = todo.pop()
        pids[pid] = _name(pid)
        todo += _children(pid)
    return pids


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (0 once it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS


def rss_bytes(pid: int) -> int:
    """Resident set size of a process (0 once it has gone)."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
    except OSError:
        return 0


@dataclass
class CpuShare:
    """CPU per service over a sampled interval, as a share of one core."""

    elapsed_s: float = 0.0
    shares: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.shares.values())


@contextmanager
def cpu_sampled(processes: dict[int, str]) -> Iterator[CpuShare]:
    """Measure each service's CPU over the `with` block (this process counted as "bench")."""
    watched = {**processes, os.getpid(): "bench"}
    before = {pid: cpu_seconds(pid) for pid in watched}
    began = time.perf_counter()
    result = CpuShare()
    yield result
    result.elapsed_s = time.perf_counter() - began
    used: dict[str, float] = defaultdict(float)
    for pid, name in watched.items():
        used[name] += cpu_seconds(pid) - before[pid]
    result.shares = {name: seconds / result.elapsed_s for name, seconds in used.items()}


def print_cpu(cpu: CpuShare, *, indent: str = "  ", per: int = 0, unit: str = "request") -> None:
    """The busiest services first, with the total of the machine's cores; with `per` (the
    requests served meanwhile), also the CPU milliseconds each took in each service."""

    def each(share: float) -> str:
        return f"  {share * cpu.elapsed_s * 1000 / per:5.1f} ms per {unit}" if per else ""

    print(f"{indent}CPU over {cpu.elapsed_s:.1f} s (share of one core):")
    for name, share in sorted(cpu.shares.items(), key=lambda kv: -kv[1]):
        if share >= 0.005:
            print(f"{indent}  {name:12s} {share:5.2f}{each(share)}")
    print(f"{indent}  {'total':12s} {cpu.total:5.2f} of {os.cpu_count()} cores{each(cpu.total)}")


def print_rss(processes: dict[int, str], *, indent: str = "  ") -> None:
    """Resident memory per service and of the whole stack."""
    per: dict[str, int] = defaultdict(int)
    for pid, name in processes.items():
        per[name] += rss_bytes(pid)
    mib = 1024 * 1024
    listed = ", ".join(f"{n} {b / mib:.0f}" for n, b in sorted(per.items(), key=lambda kv: -kv[1]))
    print(f"{indent}RSS of the stack: {sum(per.values()) / mib:.0f} MiB ({listed})")
