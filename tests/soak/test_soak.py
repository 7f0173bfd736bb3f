"""The soak run (`bench.soak`) as a test: ten minutes of mixed traffic at eight clients against
the whole local stack, then the goals that are not about speed: no errors, resident memory
growing at most 10 % after the warm-up, and file descriptors and sockets not growing. Its p99s
are printed, not asserted (the suite never times anything). Marked `soak`: the default run
leaves it out; `make soak` runs it (`BNPL_SOAK_MINUTES` shortens or lengthens it)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.soak import report, soak
from bnpl.devstack import running_stack

pytestmark = [pytest.mark.soak, pytest.mark.e2e]


def test_ten_minutes_of_mixed_traffic_leak_nothing(tmp_path: Path) -> None:
    minutes = float(os.environ.get("BNPL_SOAK_MINUTES", "10"))
    # DynamoDB Local keeps its data on disk, as `bnpl dev` does: in memory, what the run writes
    # would be its memory's growth.
    with running_stack(tmp_path, in_memory=False) as stack:
        run = soak(stack, minutes=minutes, clients=8, window_s=minutes * 6)  # ten windows
    verdicts = report(run)
    assert all(verdicts.values()), verdicts
