"""The step Lambda of the pre-screening state machine, for a run on moto: the product's own
`step_task.handle`, over the data sources the test gives it (`serving`), as
`services.credit.step_lambda` runs it over the real adapters."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from services.credit.screening.state import StepContext
from services.credit.screening.step_task import handle

_lock = threading.Lock()
_context: list[StepContext] = []


@contextmanager
def serving(ctx: StepContext) -> Iterator[None]:
    """Run the Lambda's invocations over `ctx` (its sources, policy, one try a dependency)."""
    with _lock:
        _context.append(ctx)
    try:
        yield
    finally:
        with _lock:
            _context.remove(ctx)


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """One screening state, as `services.credit.step_lambda.handler` runs it."""
    if not _context:
        raise RuntimeError("no test is serving the screening steps")
    return handle(event, _context[-1])
