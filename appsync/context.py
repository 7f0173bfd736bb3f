"""What a resolver sees: AppSync's `ctx` (the same dict is the direct-Lambda event)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLResolveInfo,
    InlineFragmentNode,
    SelectionSetNode,
    print_ast,
)


def _selection_paths(
    selection_set: SelectionSetNode | None, info: GraphQLResolveInfo[Any], prefix: str
) -> list[str]:
    paths: list[str] = []
    if selection_set is None:
        return paths
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            name = selection.alias.value if selection.alias else selection.name.value
            if name == "__typename":
                continue
            paths.append(prefix + name)
            paths.extend(_selection_paths(selection.selection_set, info, f"{prefix}{name}/"))
        elif isinstance(selection, InlineFragmentNode):
            paths.extend(_selection_paths(selection.selection_set, info, prefix))
        elif isinstance(selection, FragmentSpreadNode):
            fragment = info.fragments.get(selection.name.value)
            if fragment is not None:
                paths.extend(_selection_paths(fragment.selection_set, info, prefix))
    return paths


def selection_set_list(info: GraphQLResolveInfo[Any]) -> list[str]:
    """`info.selectionSetList`: the selected fields, `/` between levels, fragments expanded."""
    paths: list[str] = []
    for node in info.field_nodes:
        paths.extend(_selection_paths(node.selection_set, info, ""))
    return list(dict.fromkeys(paths))


def selection_set_graphql(info: GraphQLResolveInfo[Any]) -> str:
    """`info.selectionSetGraphQL`: the field's selection set as GraphQL text."""
    node = info.field_nodes[0].selection_set
    return print_ast(node) if node is not None else ""


# Printing a selection set costs ~100 µs, yet the field nodes of a cached document are the same
# objects request after request: remember both renderings per tuple of field nodes. The entry
# keeps its nodes alive, so their ids cannot be reused while it is cached.
_SELECTIONS: dict[tuple[int, ...], tuple[tuple[FieldNode, ...], tuple[str, ...], str]] = {}
_MAX_SELECTIONS = 4096


def _selections(info: GraphQLResolveInfo[Any]) -> tuple[list[str], str]:
    nodes = tuple(info.field_nodes)
    key = tuple(map(id, nodes))
    hit = _SELECTIONS.get(key)
    if hit is None or any(a is not b for a, b in zip(hit[0], nodes, strict=True)):
        if len(_SELECTIONS) >= _MAX_SELECTIONS:
            _SELECTIONS.clear()
        hit = (nodes, tuple(selection_set_list(info)), selection_set_graphql(info))
        _SELECTIONS[key] = hit
    return list(hit[1]), hit[2]


def build_context(
    info: GraphQLResolveInfo[Any],
    *,
    arguments: Mapping[str, Any],
    source: Any,
    identity: dict[str, Any] | None,
    headers: Mapping[str, str],
) -> dict[str, Any]:
    """The resolver context AppSync builds for one field, as a JSON-compatible dict.

    It is both the `ctx` of APPSYNC_JS handlers and the event of a direct Lambda resolver.
    """
    selection_list, selection_graphql = _selections(info)
    return {
        "arguments": dict(arguments),
        "identity": identity,
        "source": source if isinstance(source, Mapping) else None,
        "request": {"headers": dict(headers), "domainName": None},
        "info": {
            "fieldName": info.field_name,
            "parentTypeName": info.parent_type.name,
            "variables": dict(info.variable_values.coerced),
            "selectionSetList": selection_list,
            "selectionSetGraphQL": selection_graphql,
        },
        "prev": None,
        "stash": {},
    }


def filter_by_selection(data: Any, info: GraphQLResolveInfo[Any]) -> Any:
    """Keep only the selected fields of `util.error`'s `data`, as AppSync does."""
    return _filter(data, [n.selection_set for n in info.field_nodes], info)


def _filter(
    data: Any, selection_sets: list[SelectionSetNode | None], info: GraphQLResolveInfo[Any]
) -> Any:
    if isinstance(data, list):
        return [_filter(item, selection_sets, info) for item in data]
    if not isinstance(data, Mapping) or not any(selection_sets):
        return data
    fields: dict[str, list[SelectionSetNode | None]] = {}
    pending = [s for s in selection_sets if s is not None]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                fields.setdefault(selection.name.value, []).append(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = info.fragments.get(selection.name.value)
                if fragment is not None:
                    pending.append(fragment.selection_set)
    return {
        name: _filter(data[name], children, info)
        for name, children in fields.items()
        if name in data
    }
