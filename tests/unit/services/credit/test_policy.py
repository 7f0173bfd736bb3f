from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from services.credit.plans.late_fee_rules import LateFeeRules
from services.credit.policy.rules import (
    POLICY_FILE,
    Action,
    Outcome,
    PolicyError,
    RuleCode,
    load_policy,
    parse_policy,
)

RAW = json.loads(POLICY_FILE.read_text(encoding="utf-8"))


def with_change(change: Callable[[Any], None]) -> Any:
    data = copy.deepcopy(RAW)
    change(data)
    return data


class TestBundledPolicy:
    def test_loads_with_its_version(self):
        policy = load_policy()
        assert policy.version == "credit-policy-2026.11-v1"
        assert policy.currency == "GBP"
        assert [b.band for b in policy.bands] == ["A", "B", "C", "D", "E"]
        assert policy.products.monthly_terms == (3, 6, 12)

    def test_late_fees_are_the_uk_figures_in_the_policy_currency(self):
        assert load_policy().late_fees == LateFeeRules(
            currency="GBP",
            fee=600,
            second_fee_after_days=7,
            max_per_plan=2400,
            max_share_of_order_percent=25,
        )

    def test_every_rule_code_is_worded_and_acted_on(self):
        policy = load_policy()
        for code in RuleCode:
            assert policy.describe(code)
            assert policy.action(code) in (Action.DECLINE, Action.REFER)

    @pytest.mark.parametrize(
        ("probability", "band", "outcome"),
        [
            (0.0, "A", Outcome.APPROVED),
            (0.12, "A", Outcome.APPROVED),
            (0.1200001, "B", Outcome.APPROVED),
            (0.20, "B", Outcome.APPROVED),
            (0.30, "C", Outcome.APPROVED),
            (0.3000001, "D", Outcome.REFERRED),
            (0.50, "D", Outcome.REFERRED),
            (0.5000001, "E", Outcome.DECLINED),
            (1.0, "E", Outcome.DECLINED),
        ],
    )
    def test_band_boundaries_are_inclusive(self, probability, band, outcome):
        found = load_policy().band_for(probability)
        assert (found.band, found.outcome) == (band, outcome)

    @pytest.mark.parametrize("probability", [-0.01, 1.01, float("nan")])
    def test_probability_out_of_range(self, probability):
        with pytest.raises(ValueError, match="probability_bad"):
            load_policy().band_for(probability)


def _set(path: list[Any], value: Any) -> Callable[[Any], None]:
    def change(data: Any) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _delete(path: list[Any]) -> Callable[[Any], None]:
    def change(data: Any) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_delete(["version"]), "policy.version: is required"),
        (_set(["effective_from"], "1 Nov"), "effective_from: must be a date"),
        (_set(["currency"], "XXX"), "currency: must be one of"),
        (
            _set(["hard_rules", "min_age"], 16),
            "hard_rules.min_age: must be a whole number of at least 18",
        ),
        (
            _set(["hard_rules", "max_gambling_share"], 1.5),
            "max_gambling_share: must be a number from 0.0 to 1.0",
        ),
        (_set(["hard_rules", "max_active_plans"], "3"), "max_active_plans: must be a whole number"),
        (
            _set(["hard_rules", "supported_countries"], ["gb"]),
            "supported_countries[0]: must be an ISO",
        ),
        (_set(["hard_rules", "max_exposur"], 1), "hard_rules.max_exposur: is not a known setting"),
        (
            _set(["fraud", "max_applications_per_ip_24h"], 0),
            "max_applications_per_ip_24h: must be a whole number of at least 1",
        ),
        (_set(["affordability", "max_instalment_to_disposable_income"], True), "must be a number"),
        (_set(["bands"], []), "bands: at least one band is required"),
        (
            _set(["bands", 1, "max_probability_bad"], 0.05),
            "bands[1].max_probability_bad: must be greater than the previous",
        ),
        (
            _set(["bands", 4, "max_probability_bad"], 0.9),
            "the last band must end at max_probability_bad 1.0",
        ),
        (_set(["bands", 1, "band"], "A"), "bands[1].band: 'A' is used twice"),
        (_set(["bands", 1, "credit_limit"], 999_999), "bands[1].credit_limit: must not exceed"),
        (
            _set(["bands", 0, "outcome"], "MAYBE"),
            "bands[0].outcome: must be one of APPROVED, REFERRED, DECLINED",
        ),
        (
            _set(["bands", 0, "outcome_with_bank_data"], "APPROVED"),
            "only a REFERRED band can be resolved",
        ),
        (
            _set(["bands", 0, "monthly_apr"], 120),
            "bands[0].monthly_apr: must be a number from 0.0 to 100.0",
        ),
        (_set(["products", "monthly", "terms"], [3, 3]), "terms: must not repeat"),
        (_set(["products", "monthly", "terms"], [1]), "terms[0]: must be a whole number of months"),
        (
            _set(["products", "pay_in_4", "min_amount"], 3),
            "pay_in_4.min_amount: must be a whole number of at least 4",
        ),
        (
            _set(["products", "monthly", "min_amount"], 5),
            "monthly.min_amount: must be a whole number of at least 12",
        ),
        (_delete(["reasons", "GAMBLING_SPEND"]), "reasons.GAMBLING_SPEND: is missing"),
        (
            _set(["reasons", "GAMBLING_SPEND", "action"], None),
            "reasons.GAMBLING_SPEND.action: must be DECLINE or REFER",
        ),
        (
            _set(["reasons", "GAMBLING_SPEND", "action"], "IGNORE"),
            "GAMBLING_SPEND.action: must be one of DECLINE, REFER",
        ),
        (_delete(["reasons", "SCORE_REFER"]), "reasons.SCORE_REFER: is missing"),
        (
            _set(["reasons", "X"], {"description": ""}),
            "reasons.X.description: must be a non-empty string",
        ),
        (_set(["hard_rules"], []), "policy.hard_rules: must be an object"),
        (_delete(["late_fees"]), "policy.late_fees: is required"),
        (_set(["late_fees"], 600), "policy.late_fees: must be an object"),
        (_delete(["late_fees", "fee"]), "late_fees.fee: is required"),
        (_set(["late_fees", "fee"], 0), "late_fees.fee: must be a whole number of at least 1"),
        (_set(["late_fees", "fee"], 6.5), "late_fees.fee: must be a whole number"),
        (_set(["late_fees", "fee"], True), "late_fees.fee: must be a whole number"),
        (
            _set(["late_fees", "second_fee_after_days"], 0),
            "late_fees.second_fee_after_days: must be a whole number of at least 1",
        ),
        (_set(["late_fees", "max_per_plan"], "2400"), "late_fees.max_per_plan: must be a whole"),
        (_set(["late_fees", "max_per_plan"], 599), "late_fees.max_per_plan: must be at least one"),
        (
            _set(["late_fees", "max_share_of_order_percent"], 101),
            "late_fees.max_share_of_order_percent: must be a whole number from 0 to 100",
        ),
        (
            _set(["late_fees", "max_share_of_order_percent"], -1),
            "late_fees.max_share_of_order_percent: must be a whole number of at least 0",
        ),
        (
            _set(["late_fees", "max_share_of_order_percent"], 0.25),
            "late_fees.max_share_of_order_percent: must be a whole number",
        ),
        (_set(["late_fees", "currency"], "EUR"), "late_fees.currency: is not a known setting"),
    ],
)
def test_an_invalid_policy_is_refused_with_the_field_named(change, message):
    with pytest.raises(PolicyError) as caught:
        parse_policy(with_change(change))
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("percent", "max_per_plan", "fee"),
    [(0, 2400, 600), (100, 600, 600), (25, 1, 1)],
)
def test_late_fee_limits_at_the_edges_are_accepted(percent, max_per_plan, fee):
    late_fees = {
        "fee": fee,
        "second_fee_after_days": 1,
        "max_per_plan": max_per_plan,
        "max_share_of_order_percent": percent,
    }
    policy = parse_policy(with_change(_set(["late_fees"], late_fees)))
    assert policy.late_fees.max_share_of_order_percent == percent
    assert policy.late_fees.currency == policy.currency


def test_load_refuses_a_file_that_is_not_json(tmp_path):
    path = tmp_path / "policy-v2.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"policy-v2.json: not valid JSON"):
        load_policy(path)


def test_load_refuses_a_missing_file(tmp_path):
    with pytest.raises(PolicyError, match="cannot read the policy file"):
        load_policy(tmp_path / "absent.json")


def test_a_changed_copy_is_a_new_policy(tmp_path):
    path = tmp_path / "policy-v2.json"
    path.write_text(json.dumps(with_change(_set(["version"], "credit-policy-v2"))), "utf-8")
    assert load_policy(path).version == "credit-policy-v2"
