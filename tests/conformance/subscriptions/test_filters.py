"""Enhanced subscription filters, evaluated as AppSync documents them (appsync.md §7.1; AWS guide
"Extensions" → "Argument: filterJsonObject", operator table and "Exceptions" limits)."""

from __future__ import annotations

from typing import Any

import pytest

from appsync.realtime.filters import FilterError, compile_filter, matches


def one(field: str, operator: str, value: Any) -> dict[str, Any]:
    return {
        "filterGroup": [{"filters": [{"fieldName": field, "operator": operator, "value": value}]}]
    }


EVENT = {
    "service": "AWS AppSync",
    "size": 5,
    "price": 9.5,
    "live": True,
    "seats": [10, 11],
    "event": "launch party",
    "venue": {"address": {"country": {"metadata": {"continent": "EU", "capital": {"x": 1}}}}},
}

# (field, operator, value, expected) — each operator once true and once false.
CASES = [
    ("service", "eq", "AWS AppSync", True),
    ("service", "eq", "aws appsync", False),  # "Each string comparison is case sensitive."
    ("size", "eq", 5.0, True),
    ("size", "eq", "5", False),  # strict: a string never equals a number
    ("live", "eq", True, True),
    ("size", "eq", True, False),  # strict: a boolean never equals a number
    ("service", "ne", "Other", True),
    ("service", "ne", "AWS AppSync", False),
    ("size", "le", 5, True),
    ("size", "le", 4, False),
    ("size", "lt", 6, True),
    ("size", "lt", 5, False),
    ("size", "ge", 5, True),
    ("price", "ge", 10, False),
    ("size", "gt", 4, True),
    ("size", "gt", 5, False),
    ("service", "gt", "AWS", True),  # strings compare lexicographically
    ("size", "gt", "1", False),  # mixed types never compare
    ("seats", "contains", 10, True),
    ("seats", "contains", 12, False),
    ("event", "contains", "launch", True),
    ("event", "contains", "dinner", False),
    ("seats", "notContains", 12, True),
    ("event", "notContains", "launch", False),
    ("service", "beginsWith", "AWS", True),
    ("service", "beginsWith", "App", False),
    ("size", "in", [1, 5], True),
    ("size", "in", [1, 2], False),
    ("size", "notIn", [1, 2], True),
    ("size", "notIn", [5], False),
    ("size", "between", [1, 5], True),
    ("size", "between", [6, 9], False),
    ("seats", "containsAny", [15, 11], True),
    ("seats", "containsAny", [15, 20], False),
    ("venue.address.country.metadata.continent", "eq", "EU", True),  # five levels: allowed
    ("missing", "eq", "x", False),
    ("missing", "ne", "x", True),  # UNVERIFIED: an absent value differs from any value
]


@pytest.mark.parametrize(("field", "operator", "value", "expected"), CASES)
def test_each_operator(field: str, operator: str, value: Any, expected: bool) -> None:
    assert matches(compile_filter(one(field, operator, value)), EVENT) is expected


def test_rules_of_a_filter_are_anded_and_filters_ored() -> None:
    """Rules in one `filters` list: AND. Entries of `filterGroup`: OR."""
    both = {
        "filterGroup": [
            {
                "filters": [
                    {"fieldName": "size", "operator": "eq", "value": 5},
                    {"fieldName": "service", "operator": "eq", "value": "nope"},
                ]
            }
        ]
    }
    assert not matches(compile_filter(both), EVENT)
    either = {
        "filterGroup": [
            {"filters": [{"fieldName": "service", "operator": "eq", "value": "nope"}]},
            {"filters": [{"fieldName": "size", "operator": "eq", "value": 5}]},
        ]
    }
    assert matches(compile_filter(either), EVENT)


def test_rules_past_five_levels_are_ignored() -> None:
    """ "Filters on schema fields past nesting level five will be ignored."""
    deep = one("venue.address.country.metadata.capital.x", "eq", 2)
    assert compile_filter(deep) == ((),)
    assert matches(compile_filter(deep), EVENT)


def test_top_level_lists_are_never_delivered() -> None:
    """ "Enhanced filters don't support filtering for top-level object lists."""
    assert not matches(compile_filter(one("size", "eq", 5)), [EVENT])


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (one("size", "in", [1, 2, 3, 4, 5, 6]), "at most 5 values"),
        (one("size", "notIn", [1, 2, 3, 4, 5, 6]), "at most 5 values"),
        (one("seats", "containsAny", list(range(21))), "at most 20 values"),
        (one("service", "eq", "x" * 257), "256 characters"),
        (one("size", "like", 1), "Unsupported filter operator"),
        (one("size", "between", [1]), "exactly two values"),
        (one("size", "beginsWith", 1), "needs a string"),
        ({"filterGroup": []}, "non-empty filterGroup"),
        (
            {
                "filterGroup": [
                    {
                        "filters": [
                            {"fieldName": f"f{i}", "operator": "eq", "value": 1} for i in range(6)
                        ]
                    }
                ]
            },
            "at most 5 distinct fieldNames",
        ),
        (
            {
                "filterGroup": [
                    {"filters": [{"fieldName": "a", "operator": "eq", "value": i}]}
                    for i in range(11)
                ]
            },
            "at most 10 filters",
        ),
        (
            # `in` counts once per value: 3 filters of 4 values count as 12 (over 10).
            {
                "filterGroup": [
                    {"filters": [{"fieldName": "a", "operator": "in", "value": [1, 2, 3, 4]}]}
                    for _ in range(3)
                ]
            },
            "at most 10 filters",
        ),
    ],
)
def test_appsync_limits_are_enforced(raw: dict[str, Any], reason: str) -> None:
    with pytest.raises(FilterError, match=reason):
        compile_filter(raw)
