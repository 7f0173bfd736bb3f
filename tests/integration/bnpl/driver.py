"""Runs `bnpl.supervisor.Supervisor` as `bnpl dev` does, over children described in JSON.

Usage: python driver.py '{"grace": 0.5, "stages": [[{"name": ..., "args": [...], "port": N,
"timeout": S, "restarts": N}]]}'. Prints `READY <pids as JSON>` once every stage is up,
`FAILED <name> <reason>` and the child's last lines on a failure, `STOPPED` at the end; exits 0
on a signal, 1 on a failure.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from bnpl.supervisor import (
    ChildFailedError,
    ChildSpec,
    StopRequestedError,
    Supervisor,
    http_probe,
)

CHILD = Path(__file__).with_name("child.py")


def spec(entry: dict[str, Any]) -> ChildSpec:
    port = entry.get("port")
    return ChildSpec(
        name=entry["name"],
        argv=[sys.executable, str(CHILD), "--name", entry["name"], *entry.get("args", [])],
        ready=http_probe(f"http://127.0.0.1:{port}/health") if port else (lambda: True),
        ready_timeout_s=entry.get("timeout", 10.0),
        restarts=entry.get("restarts", 0),
    )


def main() -> int:
    config = json.loads(sys.argv[1])
    supervisor = Supervisor(grace_s=config["grace"], poll_s=0.02)
    with supervisor.handling_signals():
        try:
            for stage in config["stages"]:
                supervisor.start(*(spec(entry) for entry in stage))
            supervisor.write(f"READY {json.dumps(supervisor.pids)}\n")
            supervisor.watch()
        except StopRequestedError:
            pass
        except ChildFailedError as failure:
            supervisor.write(f"FAILED {failure.name} {failure.reason}\n")
            supervisor.write("".join(f"TAIL {line}\n" for line in failure.tail))
            return 1
        finally:
            supervisor.write(f"PIDS {json.dumps(supervisor.pids)}\n")
            supervisor.stop()
            supervisor.write("STOPPED\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
