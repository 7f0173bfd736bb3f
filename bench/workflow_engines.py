"""What a pre-screening run costs in process and as an execution of its state machine on moto's
ASL interpreter: the same application and the same data sources (in memory, so the figures are
the engines' own), one run after another, in turns; medians of the runs and their ratio.

moto's engine is a local stand-in for Step Functions, not a model of its latency: each Task is a
Lambda invoke over HTTP to a local endpoint, and the execution is started and then polled (moto
has no StartSyncExecution). On AWS, add each Lambda invoke's and the state transitions' latency
instead; `infra/README.md` weighs the two.

    python -m bench.workflow_engines [--runs 30]
"""

from __future__ import annotations

import argparse
import statistics
import time

from services.credit.screening.definition import DEFINITION_PATH
from services.credit.screening.run_json import screening_to_json
from services.credit.screening.step_task import RunResult
from tests.unit.services.credit.workflow.fakes import screening
from tests.unit.services.credit.workflow.test_step_task import context, in_process
from tests.workflow.moto_sfn import moto_step_functions
from tests.workflow.screening_handler import serving


def run(*, runs: int) -> None:
    """Run the approval persona `runs` times on each engine, in turns; print the medians."""
    local: list[float] = []
    machine_ms: list[float] = []
    with moto_step_functions() as moto:
        arn = moto.add_function("tests.workflow.screening_handler:handler", timeout_s=10)
        machine = moto.create_state_machine(
            DEFINITION_PATH.read_text(encoding="utf-8"),
            substitutions={"screening_step_arn": arn},
            machine_type="EXPRESS",
        )
        with serving(context()):
            for number in range(runs + 2):  # the first two warm both up
                began = time.perf_counter()
                decided = in_process(screening())
                spent = (time.perf_counter() - began) * 1000
                execution = machine.run({"screening": screening_to_json(screening()), "steps": []})
                if execution.status != "SUCCEEDED" or decided.outcome is None:
                    raise SystemExit(f"run {number} did not decide: {execution.error}")
                if RunResult(document=execution.output).workflow_run().outcome != decided.outcome:
                    raise SystemExit(f"run {number}: the engines decided differently")
                if number >= 2:
                    local.append(spent)
                    machine_ms.append(execution.duration_s * 1000)
        tasks = len(moto.invocations) // (runs + 2)
    in_proc, on_moto = statistics.median(local), statistics.median(machine_ms)
    print(f"in process: {in_proc:.1f} ms a run (median of {runs}; p90 {_p90(local):.1f} ms)")
    print(
        f"on moto's ASL interpreter: {on_moto:.1f} ms an execution (median of {runs}; "
        f"p90 {_p90(machine_ms):.1f} ms), {tasks} Lambda invokes each; "
        f"{on_moto / in_proc:.0f}x the in-process run"
    )


def _p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    run(runs=parser.parse_args().runs)


if __name__ == "__main__":
    main()
