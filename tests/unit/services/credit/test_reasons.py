from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.credit.policy.reasons import select_reasons


@dataclass(frozen=True)
class F:
    code: str
    impact: float
    description: str = "model words"


CATALOGUE = {
    "RECENT_DEFAULT": "A recent default.",
    "NO_CREDIT_FILE": "No file.",
    "FALLBACK": "Fallback.",
}


def codes(rules: list[str], factors: list[F], **kwargs: Any) -> list[str]:
    return [r.code for r in select_reasons(rules, factors, describe=CATALOGUE.get, **kwargs)]


class TestSelectReasons:
    def test_rules_first_then_factors_by_cost(self):
        got = codes(["RECENT_DEFAULT"], [F("A", 0.1), F("B", 0.7), F("C", 0.3)])
        assert got == ["RECENT_DEFAULT", "B", "C", "A"]

    def test_at_most_four(self):
        assert len(codes(["RECENT_DEFAULT", "NO_CREDIT_FILE"], [F(c, 1.0) for c in "ABCDE"])) == 4

    def test_factors_that_helped_are_not_reasons(self):
        assert codes([], [F("A", -0.5), F("B", 0.0), F("C", 0.2)]) == ["C"]

    def test_a_code_appears_once(self):
        assert codes(["RECENT_DEFAULT", "RECENT_DEFAULT"], [F("A", 0.5), F("A", 0.4)]) == [
            "RECENT_DEFAULT",
            "A",
        ]

    def test_fallback_only_when_nothing_else_explains(self):
        assert codes([], [F("A", -1.0)], fallback="FALLBACK") == ["FALLBACK"]
        assert codes([], [F("A", 1.0)], fallback="FALLBACK") == ["A"]

    def test_the_catalogue_words_a_model_code_it_knows(self):
        reasons = select_reasons(
            [], [F("RECENT_DEFAULT", 1.0), F("X", 0.5, "Model words for X")], describe=CATALOGUE.get
        )
        assert [r.description for r in reasons] == ["A recent default.", "Model words for X"]
        assert reasons[0].to_json() == {
            "code": "RECENT_DEFAULT",
            "description": "A recent default.",
        }
