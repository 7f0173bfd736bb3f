"""What scoring a challenger in shadow costs `applyForCredit`: the same decisions on two stacks,
one whose credit service also scores every application on the scoring endpoint's Challenger
variant (credit-v2) and one without a challenger, run after one another in turns so both see the
same machine; medians of the runs and their ratio.

The challenger is asked once the decision is stored and answered, so it is off the shopper's
path; but on one laptop its work (a second scoring call, a policy run, one more DynamoDB write,
their log lines) shares the cores with the next decisions. So the bench first paces one client
(`PAUSE_S` between requests, which lets that work finish): the difference there is what the
shadow adds to a decision itself. Then the loaded levels, and the CPU each process spends per
decision, which shows where the extra work lands: in AWS the scoring endpoint and DynamoDB are
not the service's cores.

    python -m bench.decision --shadow-overhead [--requests 200] [--clients 1 8] [--runs 3]
"""

from __future__ import annotations

import statistics
import tempfile
from collections import defaultdict
from contextlib import ExitStack
from pathlib import Path

import httpx

from bench.decision import create_checkouts, run_level, seed_customers
from bench.log_overhead import cpu_ms
from bench.processes import CpuShare, stack_processes
from bnpl.devstack import running_stack
from bnpl.settings import PROJECT_ROOT

SETUPS = {
    "shadow": str(PROJECT_ROOT / "models" / "credit-v2"),
    "alone": "",  # no challenger: the credit service scores the champion only
}
PAUSE_S = 0.25
PACED = 0  # the level key of one paced client


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def _per_process_ms(cpu: CpuShare, decisions: int) -> dict[str, float]:
    return {name: share * cpu.elapsed_s * 1000 / decisions for name, share in cpu.shares.items()}


def _change(a: float, b: float) -> str:
    return f"{a:.1f} with a challenger / {b:.1f} without ({a / b - 1:+.1%})"


def run(*, requests: int, clients: list[int], runs: int, warmup: int) -> None:
    """Start both stacks, run each level on each in turns, print the medians and ratios."""
    levels = [PACED, *clients]
    with ExitStack() as opened:
        stacks = {
            name: opened.enter_context(
                running_stack(
                    Path(opened.enter_context(tempfile.TemporaryDirectory())),
                    env={"BNPL_SCORING_CHALLENGER_DIR": folder},
                )
            )
            for name, folder in SETUPS.items()
        }
        http = opened.enter_context(httpx.Client(timeout=60))
        needed = warmup + requests * runs * len(levels)
        jobs = {}
        for name, stack in stacks.items():
            subs = seed_customers(stack, needed)
            jobs[name] = list(zip(subs, create_checkouts(stack, http, needed), strict=True))
            run_level(stack, 4, jobs[name][:warmup])
            jobs[name] = jobs[name][warmup:]
        processes = {name: stack_processes(stack.process.pid) for name, stack in stacks.items()}
        for level in levels:
            count, pause = (1, PAUSE_S) if level == PACED else (level, 0.0)
            label = f"1 paced ({PAUSE_S * 1000:.0f} ms apart)" if level == PACED else str(level)
            seen: dict[str, dict[str, list[float]]] = {
                key: {name: [] for name in SETUPS} for key in ("p50", "p95", "rate", "cpu")
            }
            by_process: dict[str, dict[str, list[float]]] = {
                name: defaultdict(list) for name in SETUPS
            }
            for number in range(1, runs + 1):
                # In turns, each first as often as second (as bench.log_overhead).
                turn = list(stacks.items()) if number % 2 else list(stacks.items())[::-1]
                for name, stack in turn:
                    mine, jobs[name] = jobs[name][:requests], jobs[name][requests:]
                    latencies, wall_s, _, cpu = run_level(
                        stack, count, mine, processes[name], pause_s=pause
                    )
                    seen["p50"][name].append(statistics.median(latencies))
                    seen["p95"][name].append(_p95(latencies))
                    seen["rate"][name].append(len(latencies) / wall_s)
                    seen["cpu"][name].append(cpu_ms(cpu, len(latencies))[0])
                    for process, ms in _per_process_ms(cpu, len(latencies)).items():
                        by_process[name][process].append(ms)
                    print(
                        f"clients={label} run {number} {name:<6}  "
                        f"p50={seen['p50'][name][-1]:6.1f} ms  p95={seen['p95'][name][-1]:6.1f} ms"
                        f"  CPU {seen['cpu'][name][-1]:5.1f} ms/decision"
                    )
            med = {k: {n: statistics.median(v) for n, v in d.items()} for k, d in seen.items()}
            print(f"clients={label}, median of {runs}:")
            print(f"  p50 ms {_change(med['p50']['shadow'], med['p50']['alone'])}")
            print(f"  p95 ms {_change(med['p95']['shadow'], med['p95']['alone'])}")
            if level != PACED:
                print(f"  decisions/s {_change(med['rate']['shadow'], med['rate']['alone'])}")
            print(f"  CPU ms a decision {_change(med['cpu']['shadow'], med['cpu']['alone'])}")
            extra = {
                process: statistics.median(by_process["shadow"][process])
                - statistics.median(by_process["alone"].get(process, [0.0]))
                for process in by_process["shadow"]
            }
            print(
                "  of which, by process: "
                + ", ".join(
                    f"{process} {ms:+.1f}"
                    for process, ms in sorted(extra.items(), key=lambda kv: -abs(kv[1]))
                    if abs(ms) >= 0.2
                )
            )
