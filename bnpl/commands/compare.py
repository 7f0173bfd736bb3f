"""`bnpl model compare`: the champion against the challenger scored in its shadow.

Reads the decided applications' FinalDecision evidence and, beside it, the challenger's score
and would-be outcome (`services.credit.screening.shadow`), and the plans
whose repayment is known, and reports agreement, swap-in and swap-out at the policy's cut-offs
and each model's AUC (`bnpl.model.compare`). By default it reads the local stack's tables;
`--endpoint` and `--table-prefix` name others, as `bnpl model monitor`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pynamodb.exceptions import PynamoDBException

from bnpl.commands import local_environment, table_environ, table_settings
from bnpl.commands.monitor import FINAL_STEP, since_moment
from bnpl.model.compare import Comparison, Shadowed, compare, repayment, shadowed
from services.credit.models import ApplicationModel, PlanModel
from services.shared.dynamodb import bind
from services.shared.settings import Settings
from services.shared.timestamps import utc_now


def _final(decision: Mapping[str, Any]) -> Mapping[str, Any]:
    for step in decision.get("steps") or ():
        if isinstance(step, Mapping) and step.get("name") == FINAL_STEP:
            detail = step.get("detail")
            return detail if isinstance(detail, Mapping) else {}
    return {}


def _decided_at(decision: Mapping[str, Any]) -> datetime | None:
    at = decision.get("decidedAt")
    try:
        return datetime.fromisoformat(at) if isinstance(at, str) else None
    except ValueError:
        return None


def stored(settings: Settings, since: datetime | None) -> tuple[list[Shadowed], dict[str, bool]]:
    """The decisions that reached the model (decided at or after `since`), and the known
    repayment of every plan, by application id."""
    applications = bind(ApplicationModel, settings).scan(
        ApplicationModel.status == "DECIDED",
        attributes_to_get=["id", "decision", "challenger"],
        consistent_read=True,
    )
    found = []
    for item in applications:
        decision = item.decision or {}
        at = _decided_at(decision)
        if since is not None and (at is None or at < since):
            continue
        record = shadowed(item.id, _final(decision), item.challenger)
        if record is not None:
            found.append(record)
    plans = bind(PlanModel, settings).scan(
        attributes_to_get=["application_id", "document"], consistent_read=True
    )
    repaid = {
        plan.application_id: bad
        for plan in plans
        for bad in [repayment(plan.document or {})]
        if bad is not None
    }
    return found, repaid


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2%}"


def _auc(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def text(report: Comparison) -> Sequence[str]:
    """The report as the terminal shows it."""
    champion = ", ".join(report.champion_versions) or "none"
    challenger = ", ".join(report.challenger_versions) or "none"
    shadow = ", ".join(f"{k} {v}" for k, v in report.statuses.items()) or "none"
    lines = [
        f"{report.decisions} decisions reached the model (champion {champion}, "
        f"challenger {challenger}); challenger: {shadow}",
        f"  compared {report.compared}: outcomes agree {_rate(report.agreement)}, "
        f"bands agree {_rate(report.band_agreement)}",
        f"  swap-in {_rate(report.swap_in)} (the challenger would approve, the champion did not)",
        f"  swap-out {_rate(report.swap_out)} (the champion approved, the challenger would not)",
    ]
    for champion_outcome, row in report.outcomes.items():
        cells = ", ".join(f"{k} {v}" for k, v in row.items())
        lines.append(f"  champion {champion_outcome}: challenger {cells}")
    lines.append(
        f"  known repayments {report.known} ({report.known_bad} bad): AUC champion "
        f"{_auc(report.champion_auc)}, challenger {_auc(report.challenger_auc)}"
    )
    return lines


def run(*, since: str | None, endpoint: str | None, table_prefix: str | None, as_json: bool) -> int:
    """Compare the models and print the report.

    Returns:
        0 when the decisions were read; 1 when the tables cannot be read.
    """
    moment = since_moment(since, utc_now())
    environ = table_environ(endpoint, table_prefix)
    settings = table_settings(environ)
    try:
        with local_environment(environ):
            found, repaid = stored(settings, moment)
    except PynamoDBException as exc:
        sys.stderr.write(
            f"bnpl model compare: cannot read {settings.table_name('applications')} at "
            f"{settings.dynamodb_endpoint or 'AWS'} ({exc.msg}); is `bnpl dev` up?\n"
        )
        return 1
    report = compare(found, repaid)
    if as_json:
        sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
    else:
        sys.stdout.write("\n".join(text(report)) + "\n")
    return 0
