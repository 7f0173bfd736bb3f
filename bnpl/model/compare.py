"""Champion against challenger, from the decisions the champion made with the challenger in
shadow: how often they agree at the policy's cut-offs, whom the challenger would have approved
that the champion did not (swap-in) and the reverse (swap-out), and how well each ranks the
applications whose repayment is known.

The outcomes compared are the policy's, from FinalDecision: the champion's outcome and the
challenger's would-be outcome through the same policy and inputs. An underwriter's later review
does not enter.

Known repayment: a plan is bad once DEFAULTED, or once any instalment went LATE or was paid after
its due date; good once COMPLETED with every instalment paid on time. Anything else (a plan still
running on time, a cancelled one, an application without a plan) is not known yet.

Pure: no web, storage or AWS.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

APPROVED = "APPROVED"
SCORED = "SCORED"
MIN_KNOWN = 30
"""Fewer known repayments than this (or no bad, or no good) and AUC is not reported."""


@dataclass(frozen=True)
class Pair:
    """One decision the challenger scored in time: both models' probabilities and outcomes."""

    application_id: str
    champion_probability: float
    champion_outcome: str
    champion_band: str | None
    challenger_probability: float
    challenger_outcome: str
    challenger_band: str | None


@dataclass(frozen=True)
class Shadowed:
    """One stored decision that reached the model: what became of its challenger score."""

    application_id: str
    champion_version: str | None
    status: str | None  # SCORED or ERROR, or None with no challenger running
    challenger_version: str | None
    pair: Pair | None


def shadowed(
    application_id: str, final: Mapping[str, Any], challenger: Mapping[str, Any] | None
) -> Shadowed | None:
    """One decision's FinalDecision evidence and its challenger's record (None when no
    challenger ran); None when the decision holds no champion score."""
    probability = final.get("probabilityBad")
    if not isinstance(probability, int | float) or not isinstance(final.get("outcome"), str):
        return None
    shadow = challenger if isinstance(challenger, Mapping) else {}
    status = shadow.get("status")
    pair = None
    challenger_probability = shadow.get("probabilityBad")
    if (
        status == SCORED
        and isinstance(challenger_probability, int | float)
        and isinstance(shadow.get("outcome"), str)
    ):
        pair = Pair(
            application_id=application_id,
            champion_probability=float(probability),
            champion_outcome=str(final["outcome"]),
            champion_band=_text(final.get("band")),
            challenger_probability=float(challenger_probability),
            challenger_outcome=str(shadow["outcome"]),
            challenger_band=_text(shadow.get("band")),
        )
    return Shadowed(
        application_id=application_id,
        champion_version=_text(final.get("modelVersion")),
        status=_text(status),
        challenger_version=_text(shadow.get("modelVersion")),
        pair=pair,
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def auc(scores: Sequence[float], bad: Sequence[bool]) -> float:
    """Area under the ROC curve of `scores` as predictions of `bad` (ties count half).

    Example:
        >>> auc([0.1, 0.4, 0.35, 0.8], [False, False, True, True])
        0.75
    """
    ranked = sorted(zip(scores, bad, strict=True))
    rank_sum, i = 0.0, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        mean_rank = (i + 1 + j) / 2  # ranks i+1..j share their mean
        rank_sum += mean_rank * sum(1 for _, b in ranked[i:j] if b)
        i = j
    bads = sum(bad)
    goods = len(bad) - bads
    return (rank_sum - bads * (bads + 1) / 2) / (bads * goods)


@dataclass(frozen=True)
class Comparison:
    """What `bnpl model compare` reports."""

    decisions: int
    statuses: Mapping[str, int]
    champion_versions: tuple[str, ...]
    challenger_versions: tuple[str, ...]
    compared: int
    agreement: float | None
    band_agreement: float | None
    swap_in: float | None
    swap_out: float | None
    outcomes: Mapping[str, Mapping[str, int]]  # champion outcome → challenger outcome → count
    known: int
    known_bad: int
    champion_auc: float | None
    challenger_auc: float | None

    def to_json(self) -> dict[str, Any]:
        return {
            "decisions": self.decisions,
            "shadow": dict(self.statuses),
            "championVersions": list(self.champion_versions),
            "challengerVersions": list(self.challenger_versions),
            "compared": self.compared,
            "agreement": self.agreement,
            "bandAgreement": self.band_agreement,
            "swapIn": self.swap_in,
            "swapOut": self.swap_out,
            "outcomes": {k: dict(v) for k, v in self.outcomes.items()},
            "knownRepayments": self.known,
            "knownBad": self.known_bad,
            "championAuc": self.champion_auc,
            "challengerAuc": self.challenger_auc,
        }


def compare(found: Iterable[Shadowed], repaid: Mapping[str, bool]) -> Comparison:
    """Compare the models over `found`; `repaid` maps an application id to whether its plan
    turned out bad (True) or good (False), for the applications whose repayment is known."""
    chosen = list(found)
    pairs = [s.pair for s in chosen if s.pair is not None]
    n = len(pairs)
    statuses = Counter(s.status or "NONE" for s in chosen)
    outcomes: dict[str, Counter[str]] = {}
    for p in pairs:
        outcomes.setdefault(p.champion_outcome, Counter())[p.challenger_outcome] += 1
    champion_approves = [p.champion_outcome == APPROVED for p in pairs]
    challenger_approves = [p.challenger_outcome == APPROVED for p in pairs]
    known = [p for p in pairs if p.application_id in repaid]
    bad = [repaid[p.application_id] for p in known]
    rankable = len(known) >= MIN_KNOWN and 0 < sum(bad) < len(bad)
    return Comparison(
        decisions=len(chosen),
        statuses=dict(sorted(statuses.items())),
        champion_versions=_versions(s.champion_version for s in chosen),
        challenger_versions=_versions(s.challenger_version for s in chosen),
        compared=n,
        agreement=_share(sum(p.champion_outcome == p.challenger_outcome for p in pairs), n),
        band_agreement=_share(sum(p.champion_band == p.challenger_band for p in pairs), n),
        swap_in=_share(
            sum(c and not a for a, c in zip(champion_approves, challenger_approves, strict=True)),
            n,
        ),
        swap_out=_share(
            sum(a and not c for a, c in zip(champion_approves, challenger_approves, strict=True)),
            n,
        ),
        outcomes={k: dict(sorted(v.items())) for k, v in sorted(outcomes.items())},
        known=len(known),
        known_bad=sum(bad),
        champion_auc=auc([p.champion_probability for p in known], bad) if rankable else None,
        challenger_auc=auc([p.challenger_probability for p in known], bad) if rankable else None,
    )


def _versions(values: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(sorted({v for v in values if v is not None}))


def _share(count: int, total: int) -> float | None:
    return count / total if total else None


def repayment(plan: Mapping[str, Any]) -> bool | None:
    """Whether a stored plan turned out bad (True) or good (False); None while not known.

    `plan` is the plan's stored document: `status` and `instalments` with `status`, `dueDate`
    and `paidAt`.
    """
    instalments = [i for i in plan.get("instalments") or () if isinstance(i, Mapping)]
    late = any(
        i.get("status") == "LATE"
        or (
            isinstance(i.get("paidAt"), str)
            and isinstance(i.get("dueDate"), str)
            and str(i["paidAt"])[:10] > str(i["dueDate"])
        )
        for i in instalments
    )
    status = plan.get("status")
    if status == "DEFAULTED" or late:
        return True
    if status == "COMPLETED":
        return False
    return None
