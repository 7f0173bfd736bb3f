"""Every input limit the schema states is the limit the code enforces.

The schema (what AppSync deploys, `schema/schema.graphql`) tells callers each input's limits in
its descriptions; the services enforce them with their own constants. `schema/` may not import
`services/`, so this test holds the two equal: each limit in `stated_limits.LIMITS` is rendered
from the constants that enforce it and must appear in the description of the input it bounds,
and every figure a description states must be one of those limits.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
)

from appsync.sdl import build_executable_schema
from services.credit.checkouts import domain as checkouts
from tests.unit.schema.stated_limits import (
    CHARS,
    FIGURE,
    LIMITS,
    NOT_LIMITS,
    UNBOUNDED,
    Stated,
)

SCHEMA_FILE = Path(__file__).resolve().parents[3] / "schema" / "schema.graphql"


@cache
def schema() -> GraphQLSchema:
    return build_executable_schema(SCHEMA_FILE.read_text(encoding="utf-8"))


def inputs(api: GraphQLSchema) -> Iterator[tuple[str, str | None, Any]]:
    """(coordinate, description, type) of every root field, argument and input field."""
    for root in (api.query_type, api.mutation_type, api.subscription_type):
        assert root is not None
        for name, field in root.fields.items():
            yield f"{root.name}.{name}", field.description, None
            for arg_name, arg in field.args.items():
                yield f"{root.name}.{name}({arg_name}:)", arg.description, arg.type
    for type_ in api.type_map.values():
        if isinstance(type_, GraphQLInputObjectType):
            for name, input_field in type_.fields.items():
                yield f"{type_.name}.{name}", input_field.description, input_field.type


def description(api: GraphQLSchema, coordinate: str) -> str:
    found = {c: d for c, d, _ in inputs(api)}
    assert coordinate in found, f"{coordinate} is not in the schema"
    return found[coordinate] or ""


def stated_figures(text: str) -> list[str]:
    return FIGURE.findall(NOT_LIMITS.sub("", text))


def unchecked_figures(api: GraphQLSchema, limits: tuple[Stated, ...]) -> dict[str, list[str]]:
    """Per coordinate, the figures its description states that no limit accounts for."""
    accounted: dict[str, list[str]] = {}
    for limit in limits:
        accounted.setdefault(limit.coordinate, []).extend(stated_figures(limit.text))
    unchecked = {}
    for coordinate, text, _ in inputs(api):
        left = list(accounted.get(coordinate, []))
        extra = []
        for figure in stated_figures(text or ""):
            if figure in left:
                left.remove(figure)
            else:
                extra.append(figure)
        if extra:
            unchecked[coordinate] = extra
    return unchecked


def unstated(api: GraphQLSchema, limits: tuple[Stated, ...]) -> list[str]:
    """Scalar inputs that state no limit and are not known to have none."""
    limited = {limit.coordinate for limit in limits}
    missing = []
    for coordinate, _, type_ in inputs(api):
        if type_ is None or isinstance(get_named_type(type_), GraphQLEnumType):
            continue
        if isinstance(get_named_type(type_), GraphQLInputObjectType | GraphQLObjectType):
            continue
        owner = coordinate.split(".")[0]
        if coordinate not in limited and coordinate not in UNBOUNDED and owner not in UNBOUNDED:
            missing.append(coordinate)
    return missing


@pytest.mark.parametrize("limit", LIMITS, ids=lambda limit: f"{limit.coordinate}:{limit.phrase}")
def test_the_description_states_the_enforced_limit(limit: Stated) -> None:
    text = description(schema(), limit.coordinate)
    assert limit.text in text, (
        f"{limit.coordinate}: the code enforces {limit.text!r} ({limit.enforced_by}), "
        f"but the schema says {text!r}"
    )


def test_every_figure_a_description_states_is_an_enforced_limit() -> None:
    assert unchecked_figures(schema(), LIMITS) == {}, (
        "these descriptions state figures no code constant backs; add them to LIMITS"
    )


def test_every_scalar_input_states_its_limit_or_is_known_to_have_none() -> None:
    assert unstated(schema(), LIMITS) == []


def test_a_limit_the_code_changed_is_caught() -> None:
    changed = Stated("LineItemInput.sku", CHARS, (checkouts.SKU_MAX_CHARS + 1,), "changed")
    with pytest.raises(AssertionError, match=r"LineItemInput\.sku: the code enforces"):
        test_the_description_states_the_enforced_limit(changed)


def test_a_figure_no_limit_backs_is_caught() -> None:
    without_quantity = tuple(
        limit for limit in LIMITS if limit.coordinate != "LineItemInput.quantity"
    )
    unchecked = unchecked_figures(schema(), without_quantity)
    assert unchecked["LineItemInput.quantity"] == ["1", f"{checkouts.MAX_QUANTITY:,}"]


def test_an_input_without_a_stated_limit_is_caught() -> None:
    without_sku = tuple(limit for limit in LIMITS if limit.coordinate != "LineItemInput.sku")
    assert unstated(schema(), without_sku) == ["LineItemInput.sku"]
