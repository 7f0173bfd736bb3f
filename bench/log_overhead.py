"""What logging and tracing cost `applyForCredit`: the same decisions on two stacks, one logging
every request (INFO, as `bnpl dev` and AWS run) and one logging warnings only, run after one
another in turns so both see the same machine; medians of the runs and their ratio. Beside
latency and throughput, which a shared machine makes noisy, it reports the CPU each decision
took in the stack's services (the steadier measure of what the lines cost), and apart from it
the CPU of `bnpl dev`'s supervisor, which only a laptop runs: it keeps and shows the lines.

Both stacks trace (the request id and trace header travel either way); the cost of that alone
is measured apart, in this process: making a request's trace, binding it, and the headers of
one hop.

    python -m bench.decision --logging-overhead [--requests 200] [--clients 1 8] [--runs 3]
"""

from __future__ import annotations

import logging
import os
import statistics
import tempfile
import time
import timeit
from contextlib import ExitStack
from pathlib import Path

import httpx

from bench.decision import create_checkouts, run_level, seed_customers
from bench.processes import CpuShare, stack_processes
from bnpl.commands.trace import log_files, read
from bnpl.devstack import RunningStack, running_stack
from services.shared import trace
from services.shared.logs import configure_logging, flush_logs, stop_logging

LEVELS = {"INFO": "every request logged", "WARNING": "warnings only"}
# Processes only `bnpl dev` runs, and the load generator: not part of a decision's cost.
_NOT_SERVING = ("supervisor", "bench")


def cpu_ms(cpu: CpuShare, decisions: int) -> tuple[float, float]:
    """CPU ms per decision in the serving processes, and in the supervisor."""
    serving = sum(s for name, s in cpu.shares.items() if name not in _NOT_SERVING)
    per = cpu.elapsed_s * 1000 / decisions
    return serving * per, cpu.shares.get("supervisor", 0.0) * per


def trace_cost_us() -> float:
    """µs to make one request's trace, bind it, and build one hop's headers."""
    headers = {trace.TRACE_HEADER: "Root=1-6b14344d-eb4fcbefb9acda40b29a8652;Sampled=1"}

    def one() -> None:
        with trace.bound(trace.from_headers(headers)):
            trace.outgoing_headers()

    runs = [timeit.timeit(one, number=10_000) / 10_000 * 1e6 for _ in range(5)]
    return statistics.median(runs)


def line_cost_us(lines: int = 3000) -> float:
    """CPU µs one INFO line costs a process, the writer thread's share included: lines logged a
    millisecond apart (as a request's are, between its calls), less the same loop without them."""
    logger = logging.getLogger("services.credit.bench")
    bound = trace.Trace(request_id="req-12345678", root="1-6b14344d-eb4fcbefb9acda40b29a8652")

    def loop(log: bool) -> float:
        began = time.process_time()
        with trace.bound(bound):
            for number in range(lines):
                if log:
                    logger.info("POST /applications 200", extra={"duration_ms": number})
                time.sleep(0.001)
        flush_logs()
        return time.process_time() - began

    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    root.handlers = []
    with open(os.devnull, "w", encoding="utf-8") as sink:
        configure_logging("bench", stream=sink)
        try:
            runs = [(loop(True) - loop(False)) / lines * 1e6 for _ in range(3)]
        finally:
            stop_logging()
            root.handlers, root.level = saved
    return statistics.median(runs)


def lines_per_request(stack: RunningStack) -> float:
    """Log lines the stack wrote per API request that reached the credit service."""
    records = [r for _, r in read(log_files(stack.settings.log_dir))]
    decided = sum(1 for r in records if str(r.get("message", "")).startswith("POST /applications"))
    return sum(1 for r in records if r.get("request_id")) / max(decided, 1)


def run(*, requests: int, clients: list[int], runs: int, warmup: int) -> None:
    """Start both stacks, run each level on each in turns, print the medians and ratios."""
    with ExitStack() as opened:
        stacks = {
            level: opened.enter_context(
                running_stack(
                    Path(opened.enter_context(tempfile.TemporaryDirectory())),
                    env={"BNPL_LOG_LEVEL": level},
                )
            )
            for level in LEVELS
        }
        http = opened.enter_context(httpx.Client(timeout=60))
        needed = warmup + requests * runs * len(clients)
        jobs = {}
        for level, stack in stacks.items():
            subs = seed_customers(stack, needed)
            jobs[level] = list(zip(subs, create_checkouts(stack, http, needed), strict=True))
            run_level(stack, 4, jobs[level][:warmup])
            jobs[level] = jobs[level][warmup:]
        print(f"tracing alone: {trace_cost_us():.1f} µs per request hop (median of 5)")
        print(f"one log line: {line_cost_us():.0f} µs of CPU, its writing included (median of 3)")
        processes = {level: stack_processes(stack.process.pid) for level, stack in stacks.items()}
        for count in clients:
            rates: dict[str, list[float]] = {level: [] for level in LEVELS}
            p50s: dict[str, list[float]] = {level: [] for level in LEVELS}
            cpus: dict[str, list[float]] = {level: [] for level in LEVELS}
            kept: dict[str, list[float]] = {level: [] for level in LEVELS}
            for number in range(1, runs + 1):
                # In turns, each level first as often as second: whatever the run before leaves
                # behind (a collector, a poller catching up) falls on both alike.
                turn = list(stacks.items()) if number % 2 else list(stacks.items())[::-1]
                for level, stack in turn:
                    mine, jobs[level] = jobs[level][:requests], jobs[level][requests:]
                    latencies, wall_s, _, cpu = run_level(stack, count, mine, processes[level])
                    p50s[level].append(statistics.median(latencies))
                    rates[level].append(len(latencies) / wall_s)
                    serving, supervising = cpu_ms(cpu, len(latencies))
                    cpus[level].append(serving)
                    kept[level].append(supervising)
                    print(
                        f"clients={count:3d} run {number} {level:<7}  "
                        f"p50={p50s[level][-1]:6.1f} ms  {rates[level][-1]:5.1f} decisions/s  "
                        f"CPU {serving:5.1f} ms/decision (+{supervising:.1f} supervisor)"
                    )
            p50 = {level: statistics.median(v) for level, v in p50s.items()}
            rate = {level: statistics.median(v) for level, v in rates.items()}
            print(
                f"clients={count:3d} median of {runs}: p50 {p50['INFO']:.1f} ms logged / "
                f"{p50['WARNING']:.1f} ms not ({p50['INFO'] / p50['WARNING'] - 1:+.1%}); "
                f"{rate['INFO']:.1f} / {rate['WARNING']:.1f} decisions/s "
                f"({rate['WARNING'] / rate['INFO'] - 1:+.1%} throughput cost)"
            )
            used = {level: statistics.median(v) for level, v in cpus.items()}
            local = {level: statistics.median(v) for level, v in kept.items()}
            print(
                f"clients={count:3d} median of {runs}: CPU {used['INFO']:.1f} ms logged / "
                f"{used['WARNING']:.1f} ms not per decision "
                f"({used['INFO'] / used['WARNING'] - 1:+.1%}); bnpl dev's supervisor "
                f"{local['INFO']:.1f} / {local['WARNING']:.1f} ms"
            )
        print(f"log lines per decision, every process: {lines_per_request(stacks['INFO']):.1f}")
