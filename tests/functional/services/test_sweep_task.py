"""`python -m services.credit.sweep_task`: the deployed environment's run of the sweep."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from services.credit import sweep_task
from services.shared.settings import Settings

pytestmark = [pytest.mark.ddblocal]


def test_one_run_prints_its_report_and_exits_0(ddb_settings, monkeypatch, capsys):
    settings = replace(ddb_settings, appsync_url=None)  # nothing to announce to here
    monkeypatch.setattr(Settings, "from_environ", classmethod(lambda cls, env=None: settings))
    assert sweep_task.main() == 0
    # Any refund the run made is counted first, one EMF document a line; the report is the rest.
    [line] = [line for line in capsys.readouterr().out.splitlines() if '"_aws"' not in line]
    report = json.loads(line)["sweep"]
    assert report["failures"] == 0
    assert set(report) >= {"checkouts_expired", "plans_marked_late", "leases_settled"}
