"""The examples in the credit domain's docstrings run and hold."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "services.credit.screening.checks.affordability",
    "services.credit.screening.checks.bureau",
    "services.credit.screening.checks.cash_flow",
    "services.credit.policy.dates",
    "services.credit.screening.checks.fraud",
    "services.credit.plans.late_fee_rules",
    "services.credit.plans.late_fees",
    "services.credit.limits",
    "services.credit.policy.offers",
    "services.credit.payments.provider",
    "services.credit.plans.refunds",
    "services.credit.policy.rules",
    "services.credit.policy.reasons",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0
    assert result.attempted > 0
