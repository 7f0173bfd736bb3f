"""Cold start of `bnpl dev` to ready: every process started and answering its health check.

Each run starts a fresh stack (`--in-memory`, new ports, new data folder) and stops it.

    python -m bench.dev_startup [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from bnpl.devstack import running_stack


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    times = []
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory() as tmp, running_stack(Path(tmp)) as stack:
            times.append(stack.ready_after_s)
            said = next(line for line in stack.log().splitlines() if "ready in" in line).strip()
            print(f"run {run}: ready after {stack.ready_after_s:.2f} s; bnpl dev said: {said}")
    print(f"median {statistics.median(times):.2f} s, max {max(times):.2f} s over {len(times)} runs")


if __name__ == "__main__":
    main()
