"""moto's server for the workflow tests, run as its own process (`moto_sfn` starts it).

    python moto_process.py --aws-port PORT [--retry-wait-scale SCALE]

It prints the port it listens on (127.0.0.1, chosen by the system) once it accepts requests,
and exits when its standard input closes: the test process closes it on exit, and the system
closes it when the test process dies, so the server never outlives the tests.

`--aws-port` is where moto's Step Functions engine sends its own AWS calls (a Task state's
Lambda Invoke): the engine addresses `localhost:$MOTO_PORT`. `--retry-wait-scale` multiplies the
waits a Retry makes between attempts, which the engine really sleeps; nothing else is changed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from types import SimpleNamespace


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--aws-port", type=int, required=True)
    parser.add_argument("--retry-wait-scale", type=float, default=1.0)
    args = parser.parse_args()
    os.environ["MOTO_PORT"] = str(args.aws_port)

    from moto.server import ThreadedMotoServer

    if args.retry_wait_scale != 1.0:
        _scale_retry_waits(args.retry_wait_scale)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    sys.stdout.write(f"{server.get_host_and_port()[1]}\n")
    sys.stdout.flush()
    # Anything printed from now on goes to the log, not to a pipe that is no longer read.
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdin.read()
    # Nothing in the server is worth an orderly stop, and executions may still be running.
    os._exit(0)


def _scale_retry_waits(scale: float) -> None:
    # The retrier computes the wait (IntervalSeconds, BackoffRate, MaxDelaySeconds, jitter) and
    # then calls `time.sleep` of its own module: only that module's `time` is replaced.
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl

    def sleep(seconds: float) -> None:
        time.sleep(seconds * scale)

    retrier_decl.time = SimpleNamespace(sleep=sleep)  # type: ignore[attr-defined,assignment]


if __name__ == "__main__":
    main()
