"""What a subscriber receives from a mutation's result (appsync.md §7.1: the mutation's selection
intersected with the subscriber's; unselected fields null, or an error when non-null)."""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    OperationDefinitionNode,
    build_schema,
    parse,
)

from appsync.realtime.payload import Projection, by_field_name, project

SCHEMA = build_schema(
    """
    type Tag { label: String! }
    type Item { id: ID! name: String tags: [Tag!] owner: Person }
    type Person { name: String! }
    type Query { x: Int }
    type Subscription { onItem: Item }
    """
)


def compiled(query: str) -> Projection:
    document = parse(query)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    node = operation.selection_set.selections[0]
    assert isinstance(node, FieldNode)
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    assert SCHEMA.subscription_type is not None
    return Projection.compile(
        SCHEMA, node, SCHEMA.subscription_type.fields["onItem"].type, fragments
    )


def test_selection_aliases_fragments_and_typename() -> None:
    projection = compiled(
        "subscription { it: onItem { __typename key: id ...F } } fragment F on Item { name }"
    )
    published = {"id": "1", "name": "Lamp", "owner": {"name": "Ann"}}
    assert project(projection, published) == {
        "data": {"it": {"__typename": "Item", "key": "1", "name": "Lamp"}}
    }


def test_unselected_nullable_fields_are_null() -> None:
    assert project(compiled("subscription { onItem { id name } }"), {"id": "1"}) == {
        "data": {"onItem": {"id": "1", "name": None}}
    }


def test_a_missing_non_null_field_nulls_its_nearest_nullable_parent() -> None:
    """A null `Tag.label` (String!) inside `[Tag!]` nulls the list (nullable), with one error."""
    payload: dict[str, Any] = project(
        compiled("subscription { onItem { id tags { label } } }"),
        {"id": "1", "tags": [{"label": "a"}, {}]},
    )
    assert payload["data"] == {"onItem": {"id": "1", "tags": None}}
    assert [e["path"] for e in payload["errors"]] == [["onItem", "tags", 1, "label"]]


def test_a_missing_non_null_root_child_nulls_the_root_field() -> None:
    payload = project(compiled("subscription { onItem { id } }"), {"name": "x"})
    assert payload["data"] == {"onItem": None}
    assert len(payload["errors"]) == 1


def test_mutation_results_are_rekeyed_by_field_name() -> None:
    """The mutation's aliases do not leak into what subscribers and filters address."""
    operation = parse("mutation { put { key: id n: name ... on Item { owner { who: name } } } }")
    definition = operation.definitions[0]
    assert isinstance(definition, OperationDefinitionNode)
    root = definition.selection_set.selections[0]
    assert isinstance(root, FieldNode)
    result = {"key": "1", "n": "Lamp", "owner": {"who": "Ann"}}
    assert by_field_name(result, root.selection_set, {}) == {
        "id": "1",
        "name": "Lamp",
        "owner": {"name": "Ann"},
    }
