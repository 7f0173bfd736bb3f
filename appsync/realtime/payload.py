"""What a subscriber receives: the mutation's result, cut to the subscription's selection set.

AppSync does not run resolvers to deliver an event: it takes the mutation's result as the mutation
selected it and hands each subscriber the fields its own selection asks for. A field the mutation
did not select arrives null, or, when the schema says it cannot be null, as an error with the null
bubbling to the nearest nullable parent (appsync.md §7.1; AWS developer guide "Using subscriptions
for real-time data applications").

`Projection` compiles a subscription's selection against the schema once, when the subscription
starts; every subscriber with the same document shares it, so an event is projected and encoded
once per document, not once per subscriber.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLAbstractType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    get_named_type,
    is_abstract_type,
)

__all__ = ["Projection", "by_field_name", "project"]

_NULLED = object()  # a non-null position got null: its parent becomes null instead


@dataclass(frozen=True, slots=True)
class _Field:
    key: str  # the subscriber's response key (alias or name)
    name: str
    type_: GraphQLOutputType
    children: _Selection | None


@dataclass(slots=True)
class _Selection:
    """The fields selected on one composite type, per possible runtime type."""

    by_type: dict[str, tuple[_Field, ...]] = field(default_factory=dict)
    merged: tuple[_Field, ...] = ()  # for values that do not say their __typename

    def fields_for(self, value: Mapping[str, Any]) -> tuple[_Field, ...]:
        typename = value.get("__typename")
        if isinstance(typename, str) and typename in self.by_type:
            return self.by_type[typename]
        return self.merged


def _flatten(
    selection_set: SelectionSetNode,
    type_name: str,
    schema: GraphQLSchema,
    fragments: Mapping[str, FragmentDefinitionNode],
) -> list[FieldNode]:
    """The field nodes that apply to `type_name`, fragments expanded by their type conditions."""
    nodes: list[FieldNode] = []
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            nodes.append(selection)
            continue
        if isinstance(selection, InlineFragmentNode):
            condition, inner = selection.type_condition, selection.selection_set
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is None:
                continue
            condition, inner = fragment.type_condition, fragment.selection_set
        else:  # pragma: no cover - graphql-core has no other selection kinds
            continue
        if condition is None or _applies(condition.name.value, type_name, schema):
            nodes.extend(_flatten(inner, type_name, schema, fragments))
    return nodes


def _applies(condition: str, type_name: str, schema: GraphQLSchema) -> bool:
    if condition == type_name:
        return True
    abstract = schema.get_type(condition)
    concrete = schema.get_type(type_name)
    return (
        isinstance(abstract, GraphQLAbstractType)
        and isinstance(concrete, GraphQLObjectType)
        and schema.is_sub_type(abstract, concrete)
    )


def _compile(
    selection_sets: Sequence[SelectionSetNode],
    named: GraphQLNamedType,
    schema: GraphQLSchema,
    fragments: Mapping[str, FragmentDefinitionNode],
) -> _Selection:
    compiled = _Selection()
    if isinstance(named, GraphQLAbstractType):
        possible: Sequence[GraphQLObjectType] = schema.get_possible_types(named)
    else:
        assert isinstance(named, GraphQLObjectType)
        possible = [named]
    merged: dict[str, _Field] = {}
    for object_type in possible:
        grouped: dict[str, list[FieldNode]] = {}
        for selection_set in selection_sets:
            for node in _flatten(selection_set, object_type.name, schema, fragments):
                key = node.alias.value if node.alias else node.name.value
                grouped.setdefault(key, []).append(node)
        fields = []
        for key, nodes in grouped.items():
            name = nodes[0].name.value
            if name == "__typename":
                fields.append(_Field(key, name, GraphQLNonNull(object_type), None))
                continue
            definition = object_type.fields.get(name)
            if definition is None:
                continue  # validation refused unknown fields; an interface's own field may differ
            child_sets = [n.selection_set for n in nodes if n.selection_set is not None]
            children = (
                _compile(child_sets, get_named_type(definition.type), schema, fragments)
                if child_sets
                else None
            )
            fields.append(_Field(key, name, definition.type, children))
        compiled.by_type[object_type.name] = tuple(fields)
        for item in fields:
            merged.setdefault(item.key, item)
    compiled.merged = tuple(merged.values())
    return compiled


@dataclass(frozen=True)
class Projection:
    """A subscription's root field and selection, compiled against the schema.

    Args:
        schema: the API's schema.
        field_node: the subscription's root field as the subscriber wrote it.
        field_type: that field's type in the schema.
        fragments: the document's fragments by name.
    """

    key: str
    field_type: GraphQLOutputType
    selection: _Selection | None

    @classmethod
    def compile(
        cls,
        schema: GraphQLSchema,
        field_node: FieldNode,
        field_type: GraphQLOutputType,
        fragments: Mapping[str, FragmentDefinitionNode],
    ) -> Projection:
        """Compile the root field's selection once, for every event of the subscription."""
        key = field_node.alias.value if field_node.alias else field_node.name.value
        selection = (
            _compile([field_node.selection_set], get_named_type(field_type), schema, fragments)
            if field_node.selection_set is not None
            else None
        )
        return cls(key, field_type, selection)


def project(projection: Projection, published: Any) -> dict[str, Any]:
    """The `payload` of a `data` message: `data` keyed by the subscriber's root key, and `errors`
    when a non-null field the subscriber selected was not in the mutation's result."""
    projector = _Projector()
    value = projector.value(
        published, projection.field_type, projection.selection, [projection.key], None
    )
    payload: dict[str, Any] = {"data": {projection.key: None if value is _NULLED else value}}
    if projector.errors:
        payload["errors"] = projector.errors
    return payload


def _non_null_error(
    path: list[str | int], type_: GraphQLNonNull[Any], parent: str | None
) -> dict[str, Any]:
    # graphql-java's NonNullableFieldWasNullError, which AppSync (graphql-java) reports for a
    # null in a non-null position. UNVERIFIED for subscription payloads specifically.
    where = "/" + "/".join(str(p) for p in path)
    message = (
        f"The field at path '{where}' was declared as a non null type, but the code involved in "
        "retrieving data has wrongly returned a null value.  The graphql specification requires "
        "that the parent field be set to null, or if that is non nullable that it bubble up null "
        "to its parent and so on. The non-nullable type is "
        f"'{get_named_type(type_).name}' within parent type '{parent}'"
    )
    return {
        "path": list(path),
        "data": None,
        "errorType": None,
        "errorInfo": None,
        "locations": [],
        "message": message,
    }


class _Projector:
    """Walks a published value along a compiled selection, as GraphQL completes values: a null
    in a non-null position is an error and nulls the nearest nullable parent."""

    def __init__(self) -> None:
        self.errors: list[dict[str, Any]] = []

    def value(
        self,
        value: Any,
        type_: GraphQLOutputType,
        selection: _Selection | None,
        path: list[str | int],
        parent: str | None,
    ) -> Any:
        if isinstance(type_, GraphQLNonNull):
            inner = self.value(value, type_.of_type, selection, path, parent)
            if inner is None:
                self.errors.append(_non_null_error(path, type_, parent))
                return _NULLED
            return inner
        if value is None:
            return None
        if isinstance(type_, GraphQLList):
            return self._list(value, type_, selection, path, parent)
        if selection is None or not isinstance(value, Mapping):
            return value  # a leaf, already serialized by the mutation
        return self._object(value, type_, selection, path)

    def _list(
        self,
        value: Any,
        type_: GraphQLList[Any],
        selection: _Selection | None,
        path: list[str | int],
        parent: str | None,
    ) -> Any:
        items = value if isinstance(value, list) else [value]
        out = []
        for index, item in enumerate(items):
            projected = self.value(item, type_.of_type, selection, [*path, index], parent)
            if projected is _NULLED:
                return _NULLED if isinstance(type_.of_type, GraphQLNonNull) else None
            out.append(projected)
        return out

    def _object(
        self,
        value: Mapping[str, Any],
        type_: GraphQLOutputType,
        selection: _Selection,
        path: list[str | int],
    ) -> Any:
        typename = value.get("__typename")
        named = get_named_type(type_)
        runtime = typename if isinstance(typename, str) and is_abstract_type(named) else named.name
        out: dict[str, Any] = {}
        for item in selection.fields_for(value):
            if item.name == "__typename":
                out[item.key] = runtime
                continue
            child_path: list[str | int] = [*path, item.key]
            projected = self.value(
                value.get(item.name), item.type_, item.children, child_path, runtime
            )
            if projected is _NULLED:
                if isinstance(item.type_, GraphQLNonNull):
                    return _NULLED
                projected = None
            out[item.key] = projected
        return out


def by_field_name(
    value: Any,
    selection_set: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
) -> Any:
    """A mutation's result re-keyed from its response keys (aliases) to field names: what the
    mutation selected, in the shape subscriptions and filters address it by."""
    if selection_set is None or value is None:
        return value
    if isinstance(value, list):
        return [by_field_name(item, selection_set, fragments) for item in value]
    if not isinstance(value, Mapping):
        return value
    out: dict[str, Any] = {}
    pending = [selection_set]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                if key not in value:
                    continue
                rekeyed = by_field_name(value[key], selection.selection_set, fragments)
                name = selection.name.value
                existing = out.get(name)
                if isinstance(existing, dict) and isinstance(rekeyed, dict):
                    out[name] = {**existing, **rekeyed}
                else:
                    out.setdefault(name, rekeyed)
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = fragments.get(selection.name.value)
                if fragment is not None:
                    pending.append(fragment.selection_set)
    return out
