"""The root fields of an operation, fragments expanded.

A `start` subscribes to its operation's root field; a completed mutation publishes each of its
root fields that a subscription field names. Both are found here.
"""

from __future__ import annotations

from collections.abc import Mapping

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
)

__all__ = ["fragments_of", "root_fields"]


def fragments_of(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    """The document's fragment definitions by name."""
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def root_fields(
    operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> list[FieldNode]:
    """The fields the operation selects at its root, in order, through inline and named
    fragments."""
    nodes: list[FieldNode] = []
    pending = [operation.selection_set]
    while pending:
        for selection in pending.pop(0).selections:
            if isinstance(selection, FieldNode):
                nodes.append(selection)
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode) and (
                fragment := fragments.get(selection.name.value)
            ):
                pending.append(fragment.selection_set)
    return nodes
