"""graphql-java's wording: the validation message template and how value literals are printed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    BooleanValueNode,
    EnumValueNode,
    FloatValueNode,
    GraphQLError,
    IntValueNode,
    ListValueNode,
    Node,
    NullValueNode,
    ObjectValueNode,
    StringValueNode,
    VariableNode,
)

__all__ = ["AppSyncValidationError", "java_value", "message"]


class AppSyncValidationError(GraphQLError):
    """A validation error in AppSync's wording."""


def message(kind: str, description: str, path: list[str] | None) -> str:
    """`Validation error of type <kind>: <description>[ @ '<field/path>']`."""
    suffix = f" @ '{'/'.join(path)}'" if path else ""
    return f"Validation error of type {kind}: {description}{suffix}"


_SCALAR_LITERALS: dict[type[Node], Callable[[Any], str]] = {
    StringValueNode: lambda n: f"StringValue{{value='{n.value}'}}",
    IntValueNode: lambda n: f"IntValue{{value={n.value}}}",
    FloatValueNode: lambda n: f"FloatValue{{value={n.value}}}",
    BooleanValueNode: lambda n: f"BooleanValue{{value={'true' if n.value else 'false'}}}",
    NullValueNode: lambda _: "NullValue{}",
    EnumValueNode: lambda n: f"EnumValue{{name='{n.value}'}}",
    VariableNode: lambda n: f"VariableReference{{name='{n.name.value}'}}",
}


def java_value(node: Node) -> str:
    """A value literal as graphql-java's AST `toString` prints it (AppSync quotes these)."""
    if isinstance(node, ListValueNode):
        return f"ArrayValue{{values=[{', '.join(java_value(v) for v in node.values)}]}}"
    if isinstance(node, ObjectValueNode):
        fields = ", ".join(
            f"ObjectField{{name='{f.name.value}', value={java_value(f.value)}}}"
            for f in node.fields
        )
        return f"ObjectValue{{objectFields=[{fields}]}}"
    printer = _SCALAR_LITERALS.get(type(node))
    return printer(node) if printer else str(node)
