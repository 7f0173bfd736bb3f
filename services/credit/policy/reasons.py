"""The reasons a decision gives: at most four, most important first (credit.md §2.2, §6.3).

Hard-rule codes come first, in the order the rules rank them (declining before referring);
then the model's factors that cost the applicant most (`impact`, largest first). Reg B's
convention is four at most; every DECLINED or REFERRED decision has at least one.

Pure: no web, storage or AWS.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from services.shared.json_record import JsonRecord

MAX_REASONS = 4


class Factor(Protocol):
    """What reasons need of a model factor (`services.credit.adapters.scoring.ModelFactor`)."""

    @property
    def code(self) -> str: ...

    @property
    def description(self) -> str: ...

    @property
    def impact(self) -> float: ...


@dataclass(frozen=True, kw_only=True)
class Reason:
    """The API's `Reason`."""

    code: str
    description: str

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "description": self.description}

    @classmethod
    def from_json(cls, data: object) -> Reason:
        """The reason `to_json` wrote, exactly.

        Raises:
            KeyError: a field is missing.
            ValueError: an unknown field, a wrong type or an invalid value.
        """
        with JsonRecord(data, "Reason") as record:
            return cls(code=record.value("code", str), description=record.value("description", str))


def select_reasons(
    rule_codes: Sequence[str],
    factors: Sequence[Factor],
    *,
    describe: Callable[[str], str | None],
    fallback: str | None = None,
    limit: int = MAX_REASONS,
) -> tuple[Reason, ...]:
    """The decision's reasons.

    Args:
        rule_codes: hard-rule codes in rank order.
        factors: the model's factors; only those that cost the applicant (impact > 0) count,
            largest impact first.
        describe: the policy catalogue's wording of a code; a model factor missing from the
            catalogue keeps the model's own description.
        fallback: a code to give when nothing else explains the outcome (a score-band referral
            or decline whose model named no factor).

    Example:
        >>> from types import SimpleNamespace as F
        >>> words = {"RECENT_DEFAULT": "A recent default."}.get
        >>> [r.code for r in select_reasons(["RECENT_DEFAULT"], [
        ...     F(code="LOW_INCOME", description="Income is low", impact=0.2),
        ...     F(code="HIGH_DEBT", description="Debt is high", impact=0.9)], describe=words)]
        ['RECENT_DEFAULT', 'HIGH_DEBT', 'LOW_INCOME']
    """
    reasons: list[Reason] = []
    seen: set[str] = set()

    def add(code: str, own: str | None) -> None:
        description = describe(code) or own
        if code in seen or description is None or len(reasons) >= limit:
            return
        seen.add(code)
        reasons.append(Reason(code=code, description=description))

    for code in rule_codes:
        add(code, None)
    for factor in sorted(factors, key=lambda f: f.impact, reverse=True):
        if factor.impact > 0:
            add(factor.code, factor.description)
    if not reasons and fallback is not None:
        add(fallback, None)
    return tuple(reasons)
