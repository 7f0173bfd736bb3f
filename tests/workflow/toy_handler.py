"""Lambda handlers for the harness's own tests: each does one thing a step Lambda does."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any


class CheckFailed(Exception):  # noqa: N818 - the name is the error a definition catches
    """The check failed: a Catch on "CheckFailed" routes the run on."""


class DependencyFailure(Exception):  # noqa: N818 - the name is the error a definition retries
    """A dependency was down: a Retry on "DependencyFailure" tries again."""


def double(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Answer twice the amount, and the function's name from the context."""
    return {"doubled": event["amount"] * 2, "function": context.function_name}


def reject(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Fail the check named by the event's rule."""
    raise CheckFailed(f"rule {event['rule']} failed")


def slow(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Answer after `seconds`."""
    time.sleep(event["seconds"])
    return {"slept": event["seconds"]}


def flaky(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Raise DependencyFailure on the first `failures` calls, counted in the file `counter`,
    then answer the number of the call that succeeded."""
    counter = Path(event["counter"])
    call = int(counter.read_text() or 0) + 1 if counter.exists() else 1
    counter.write_text(str(call))
    if call <= event["failures"]:
        raise DependencyFailure(f"call {call} of {event['failures']} that fail")
    return {"call": call}


def step(event: dict[str, Any], context: Any) -> Any:
    """A pre-screening step that passes: it answers the run it was given, unchanged.

    The run may name steps that fail instead: `fail_check_at` raises CheckFailed there, and
    `dependency_down_at` raises DependencyFailure there.
    """
    run = event["run"]
    if isinstance(run, dict):
        if run.get("fail_check_at") == event["step"]:
            raise CheckFailed(f"{event['step']} failed")
        if run.get("dependency_down_at") == event["step"]:
            raise DependencyFailure(f"{event['step']} could not reach its source")
    return run
