"""The examples in the credit domain's docstrings run and hold."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "services.credit.affordability",
    "services.credit.bureau",
    "services.credit.cash_flow",
    "services.credit.dates",
    "services.credit.fraud",
    "services.credit.late_fee_rules",
    "services.credit.late_fees",
    "services.credit.limits",
    "services.credit.offers",
    "services.credit.payments",
    "services.credit.plan_refunds",
    "services.credit.policy",
    "services.credit.reasons",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0
    assert result.attempted > 0
