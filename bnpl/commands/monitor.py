"""`bnpl model monitor`: has the population we decide on moved away from the one the model
learned from?

Reads the decided applications' evidence (the FinalDecision step's score and the instance the
model was given), reports the PSI of the score and of every model feature against the training
data (`bnpl.model.drift`), and the outcome and reason-code mix per day or hour. The same
figures go to the metrics sink: `ModelScorePSI`, `ModelDriftPSI` by `feature`,
`DecisionOutcomeShare` by `outcome` and `DecisionReasonShare` by `reason`. By default it reads the
local stack's tables; `--endpoint` and `--table-prefix` name others, as `bnpl audit verify`.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pynamodb.exceptions import PynamoDBException

from bnpl.commands import UsageError, local_environment, table_environ, table_settings
from bnpl.model import dataset
from bnpl.model.drift import BUCKETS, Baseline, Decided, Flag, Mix, Stability, mix, stability
from bnpl.settings import PROJECT_ROOT
from services.credit.models import ApplicationModel
from services.scoring.inputs import InvalidInstanceError, derive, parse_instance
from services.scoring.model import TreeEnsemble
from services.shared.dynamodb import bind
from services.shared.metrics import MetricsSink, ratio
from services.shared.settings import Settings
from services.shared.timestamps import utc_now

MODEL_DIR_ENV = "BNPL_SCORING_MODEL_DIR"
DEFAULT_MODEL_DIR = PROJECT_ROOT / "models" / "credit-v1"
FINAL_STEP = "FinalDecision"


@dataclass(frozen=True)
class Evidence:
    """What the monitor reads of one stored decision: the score and the model's instance are
    None when the decision was made before the model was asked (a declining rule)."""

    decided: Decided
    probability_bad: float | None
    features: Mapping[str, Any] | None


def evidence(decision: Mapping[str, Any]) -> Evidence | None:
    """One stored decision's evidence; None for a record without a time or an outcome."""
    decided_at, outcome = decision.get("decidedAt"), decision.get("outcome")
    if not isinstance(decided_at, str) or not isinstance(outcome, str):
        return None
    final = next(
        (
            step.get("detail") or {}
            for step in decision.get("steps") or ()
            if isinstance(step, Mapping) and step.get("name") == FINAL_STEP
        ),
        {},
    )
    probability = final.get("probabilityBad")
    features = final.get("features")
    return Evidence(
        decided=Decided(
            at=datetime.fromisoformat(decided_at),
            outcome=outcome,
            reasons=tuple(
                str(r["code"]) for r in decision.get("reasons") or () if isinstance(r, Mapping)
            ),
        ),
        probability_bad=float(probability) if isinstance(probability, int | float) else None,
        features=features if isinstance(features, Mapping) else None,
    )


def baseline(model: TreeEnsemble, path: Path = dataset.DATA_FILE) -> Baseline:
    """The training data's feature vectors and the model's score of each."""
    rows = dataset.load(path).rows
    return Baseline.of(
        [derive(row) for row in rows], [model.predict_inputs(r).probability_bad for r in rows]
    )


@dataclass(frozen=True)
class Report:
    """What one run read and found."""

    since: datetime | None
    decisions: int
    scored: int
    unreadable: int
    stability: tuple[Stability, ...]
    mix: tuple[Mix, ...]

    def flagged(self, flag: Flag) -> list[str]:
        return [s.name for s in self.stability if s.flag is flag]

    def to_json(self) -> dict[str, object]:
        return {
            "since": None if self.since is None else self.since.isoformat(),
            "decisions": self.decisions,
            "scored": self.scored,
            "unreadableFeatures": self.unreadable,
            "act": self.flagged(Flag.ACT),
            "watch": self.flagged(Flag.WATCH),
            "stability": [s.to_json() for s in self.stability],
            "mix": [m.to_json() for m in self.mix],
        }


def monitor(
    found: Iterable[Evidence],
    *,
    model: TreeEnsemble,
    training: Baseline,
    since: datetime | None,
    bucket: str,
) -> Report:
    """The report on the decisions decided at or after `since`."""
    chosen = [e for e in found if since is None or e.decided.at >= since]
    scored = [e for e in chosen if e.probability_bad is not None and e.features is not None]
    vectors, scores, unreadable = [], [], 0
    for e in scored:
        assert e.probability_bad is not None
        assert e.features is not None
        try:
            raw = parse_instance(e.features, money_unit_minor=model.money_unit_minor)
        except InvalidInstanceError:
            unreadable += 1
            continue
        vectors.append(derive(raw))
        scores.append(e.probability_bad)
    return Report(
        since=since,
        decisions=len(chosen),
        scored=len(vectors),
        unreadable=unreadable,
        # With nothing scored every bin is empty: no figure rather than a huge one.
        stability=stability(training, vectors, scores) if vectors else (),
        mix=mix((e.decided for e in chosen), bucket=bucket),
    )


def emit(report: Report, metrics: MetricsSink) -> None:
    """The report's figures as metrics, one event each, for alarms to watch."""
    for found in report.stability:
        if found.name == "probability_bad":
            metrics.emit(ratio("ModelScorePSI", found.psi))
        else:
            metrics.emit(ratio("ModelDriftPSI", found.psi), feature=found.name)
    outcomes: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for bucket in report.mix:
        outcomes.update(bucket.outcomes)
        reasons.update(bucket.reasons)
    for outcome, n in sorted(outcomes.items()):
        metrics.emit(ratio("DecisionOutcomeShare", n / report.decisions), outcome=outcome)
    for reason, n in sorted(reasons.items()):
        metrics.emit(ratio("DecisionReasonShare", n / report.decisions), reason=reason)


def stored(settings: Settings) -> list[Evidence]:
    """The evidence of every decided application in the table."""
    table = bind(ApplicationModel, settings)
    items = table.scan(
        ApplicationModel.status == "DECIDED", attributes_to_get=["decision"], consistent_read=True
    )
    return [e for item in items if item.decision for e in [evidence(item.decision)] if e]


def since_moment(since: str | None, now: datetime) -> datetime | None:
    """`--since`: a number of minutes before `now`, or an ISO 8601 moment with a timezone."""
    if since is None:
        return None
    try:
        return now - timedelta(minutes=float(since))
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(since)
    except ValueError:
        raise UsageError(f"--since takes minutes or an ISO 8601 date-time, not {since!r}") from None
    if moment.tzinfo is None:
        raise UsageError("--since needs a timezone, e.g. 2026-12-31T09:00:00Z")
    return moment


def _text(report: Report) -> Sequence[str]:
    lines = [
        f"{report.decisions} decisions"
        + (f" since {report.since.isoformat()}" if report.since else "")
        + f", {report.scored} scored with their features"
    ]
    if report.unreadable:
        lines.append(f"{report.unreadable} decisions' features could not be read")
    for found in report.stability:
        lines.append(f"  PSI {found.name:<22} {found.psi:7.4f}  {found.flag.value}")
    for bucket in report.mix:
        outcomes = ", ".join(f"{k} {v}" for k, v in bucket.outcomes.items())
        reasons = ", ".join(f"{k} {v}" for k, v in bucket.reasons.items()) or "none"
        lines.append(f"  {bucket.bucket}: {bucket.decisions} ({outcomes}); reasons: {reasons}")
    return lines


def run(
    *,
    since: str | None,
    endpoint: str | None,
    table_prefix: str | None,
    bucket: str,
    as_json: bool,
    metrics: MetricsSink,
) -> int:
    """Report drift and the decision mix, and emit them as metrics.

    Returns:
        0 when the decisions were read (whatever the flags say: alarms act on the metrics);
        1 when the tables cannot be read.
    """
    if bucket not in BUCKETS:
        raise UsageError(f"--bucket is one of {', '.join(BUCKETS)}, not {bucket!r}")
    moment = since_moment(since, utc_now())
    environ = table_environ(endpoint, table_prefix)
    settings = table_settings(environ)
    try:
        with local_environment(environ):
            found = stored(settings)
    except PynamoDBException as exc:
        sys.stderr.write(
            f"bnpl model monitor: cannot read {settings.table_name('applications')} at "
            f"{settings.dynamodb_endpoint or 'AWS'} ({exc.msg}); is `bnpl dev` up?\n"
        )
        return 1
    model = TreeEnsemble.load(Path(os.environ.get(MODEL_DIR_ENV, DEFAULT_MODEL_DIR)) / "model.json")
    report = monitor(found, model=model, training=baseline(model), since=moment, bucket=bucket)
    emit(report, metrics)
    if as_json:
        sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
    else:
        sys.stdout.write("\n".join(_text(report)) + "\n")
    return 0
