"""Enhanced subscription filters: what `extensions.setSubscriptionFilter` sets, checked and run.

The filter a subscription resolver's response handler sets (usually built by
`util.transform.toSubscriptionFilter`) has AppSync's shape
`{"filterGroup": [{"filters": [{"fieldName", "operator", "value"}, ...]}, ...]}`: the groups are
ORed, the conditions of one group ANDed (appsync.md §7.1; AWS developer guide "Extensions",
"Argument: filterJsonObject"). `compile_filter` refuses what AppSync refuses, once, when the
subscription starts; `matches` runs for every published event, so it only walks tuples.

The limits are the guide's "Exceptions" list: at most five distinct `fieldName`s per filter; at most
five values for `in` / `notIn` and twenty for `containsAny`; strings of at most 256 characters; at
most ten filters per `filterGroup`, where an `in` counts as one filter per value (the guide's
expansion example); nesting of at most five levels (`a.b.c.d.e`).
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "OPERATORS",
    "CompiledFilter",
    "Condition",
    "FilterError",
    "compile_filter",
    "matches",
    "same_value",
]

OPERATORS = frozenset(
    {
        "eq",
        "ne",
        "le",
        "lt",
        "ge",
        "gt",
        "contains",
        "notContains",
        "beginsWith",
        "in",
        "notIn",
        "between",
        "containsAny",
    }
)
MAX_FIELDS_PER_FILTER = 5
MAX_FILTERS_PER_GROUP = 10
MAX_IN_VALUES = 5
MAX_CONTAINS_ANY_VALUES = 20
MAX_STRING_LENGTH = 256
MAX_NESTING = 5

# Operators that hold when the field is absent from the published data. The guide defines them
# as "the value is different from / does not contain / is not in"; an absent value is all three.
# UNVERIFIED against AppSync for absent fields.
_NEGATIVE = frozenset({"ne", "notContains", "notIn"})
_MISSING = object()
_ORDER = {"le": operator.le, "lt": operator.lt, "ge": operator.ge, "gt": operator.gt}


class FilterError(ValueError):
    """The filter is not one AppSync accepts; the message says which rule it breaks."""


@dataclass(frozen=True, slots=True)
class Condition:
    """One rule: the value at `path` in the published data, compared by `operator`."""

    path: tuple[str, ...]
    operator: str
    value: Any


CompiledFilter = tuple[tuple[Condition, ...], ...]
"""Groups (ORed) of conditions (ANDed)."""


def _check_value(operator: str, value: Any, field: str) -> None:
    scalars = (str, int, float, bool)
    if operator in {"in", "notIn", "containsAny", "between"}:
        if not isinstance(value, list) or not all(
            isinstance(v, scalars) and not isinstance(v, bool) for v in value
        ):
            raise FilterError(f"'{operator}' on '{field}' needs a list of numbers or strings.")
        if operator == "between" and len(value) != 2:
            raise FilterError(f"'between' on '{field}' needs exactly two values.")
        limit = MAX_CONTAINS_ANY_VALUES if operator == "containsAny" else MAX_IN_VALUES
        if operator != "between" and len(value) > limit:
            raise FilterError(f"'{operator}' on '{field}' accepts at most {limit} values.")
        items: list[Any] = value
    elif operator in {"eq", "ne"}:
        if not isinstance(value, scalars):
            raise FilterError(f"'{operator}' on '{field}' needs a string, number or boolean.")
        items = [value]
    else:
        if not isinstance(value, scalars) or isinstance(value, bool):
            raise FilterError(f"'{operator}' on '{field}' needs a string or a number.")
        if operator == "beginsWith" and not isinstance(value, str):
            raise FilterError(f"'beginsWith' on '{field}' needs a string.")
        items = [value]
    for item in items:
        if isinstance(item, str) and len(item) > MAX_STRING_LENGTH:
            raise FilterError(f"Strings in filters are limited to {MAX_STRING_LENGTH} characters.")


def _condition(raw: Any) -> Condition | None:
    if not isinstance(raw, Mapping):
        raise FilterError("Each filter rule must be an object with fieldName, operator, value.")
    field, operator = raw.get("fieldName"), raw.get("operator")
    if not isinstance(field, str) or not field:
        raise FilterError("Each filter rule needs a fieldName.")
    if len(field) > MAX_STRING_LENGTH:
        raise FilterError(f"Strings in filters are limited to {MAX_STRING_LENGTH} characters.")
    if operator not in OPERATORS:
        raise FilterError(f"Unsupported filter operator '{operator}' on '{field}'.")
    _check_value(operator, raw.get("value"), field)
    path = tuple(field.split("."))
    if len(path) > MAX_NESTING:
        # The guide: "Filters on schema fields past nesting level five will be ignored."
        return None
    return Condition(path, operator, raw.get("value"))


def compile_filter(raw: Any) -> CompiledFilter:
    """Check a `setSubscriptionFilter` argument against AppSync's rules and compile it.

    Raises:
        FilterError: the filter breaks one of the documented rules or limits.
    """
    groups = raw.get("filterGroup") if isinstance(raw, Mapping) else None
    if not isinstance(groups, list) or not groups:
        raise FilterError("A subscription filter needs a non-empty filterGroup list.")
    compiled: list[tuple[Condition, ...]] = []
    expanded = 0
    for group in groups:
        rules = group.get("filters") if isinstance(group, Mapping) else None
        if not isinstance(rules, list) or not rules:
            raise FilterError("Each filterGroup entry needs a non-empty filters list.")
        if len({r.get("fieldName") for r in rules if isinstance(r, Mapping)}) > (
            MAX_FIELDS_PER_FILTER
        ):
            raise FilterError(
                f"A filter can combine at most {MAX_FIELDS_PER_FILTER} distinct fieldNames."
            )
        conditions = tuple(c for c in (_condition(r) for r in rules) if c is not None)
        # `in` is OR in disguise: the guide counts one filter per value against the limit.
        weight = 1
        for condition in conditions:
            if condition.operator == "in":
                weight *= max(len(condition.value), 1)
        expanded += weight
        compiled.append(conditions)
    if expanded > MAX_FILTERS_PER_GROUP:
        raise FilterError(
            f"A filterGroup can hold at most {MAX_FILTERS_PER_GROUP} filters "
            "(each value of an 'in' counts as one)."
        )
    return tuple(compiled)


def _lookup(data: Any, path: tuple[str, ...]) -> Any:
    for name in path:
        if not isinstance(data, Mapping) or name not in data:
            return _MISSING
        data = data[name]
    return data


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def same_value(a: Any, b: Any) -> bool:
    """Strict equality: booleans equal only booleans, numbers only numbers (1 == 1.0)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a is b
    if _number(a) and _number(b):
        return bool(a == b)
    return type(a) is type(b) and a == b


def _comparable(a: Any, b: Any) -> bool:
    return (_number(a) and _number(b)) or (isinstance(a, str) and isinstance(b, str))


def _contains(actual: Any, value: Any) -> bool:
    if isinstance(actual, str):
        return isinstance(value, str) and value in actual
    if isinstance(actual, list):
        return any(same_value(item, value) for item in actual)
    return same_value(actual, value)


def _holds(condition: Condition, actual: Any) -> bool:  # noqa: PLR0911 - one branch per operator
    op, value = condition.operator, condition.value
    if actual is _MISSING or actual is None:
        return op in _NEGATIVE
    if op == "eq":
        return same_value(actual, value)
    if op == "ne":
        return not same_value(actual, value)
    if op in {"le", "lt", "ge", "gt"}:
        if not _comparable(actual, value):
            return False
        return bool(_ORDER[op](actual, value))
    if op == "contains":
        return _contains(actual, value)
    if op == "notContains":
        return not _contains(actual, value)
    if op == "beginsWith":
        return isinstance(actual, str) and actual.startswith(value)
    if op == "in":
        return any(same_value(actual, v) for v in value)
    if op == "notIn":
        return not any(same_value(actual, v) for v in value)
    if op == "between":
        low, high = value
        return _comparable(actual, low) and _comparable(actual, high) and low <= actual <= high
    # containsAny: the field's set and the filter's set share an element.
    items: Sequence[Any] = actual if isinstance(actual, list) else [actual]
    return any(same_value(item, v) for item in items for v in value)


def matches(compiled: CompiledFilter, data: Any) -> bool:
    """Whether published `data` passes the filter (any group whose every condition holds).

    AppSync does not filter top-level lists: an event whose data is a list never passes
    ("Enhanced filters don't support filtering for top-level object lists").
    """
    if not isinstance(data, Mapping):
        return False
    return any(
        all(_holds(condition, _lookup(data, condition.path)) for condition in group)
        for group in compiled
    )
