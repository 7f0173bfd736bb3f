"""Where each node of a validated document sits: its parent, enclosing fields and argument.

graphql-core reports a node; graphql-java's messages name the path of fields to it and the spot
in an argument's value. The map is built only when a rule reports an error, once per validation.
"""

from __future__ import annotations

from graphql import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    ListValueNode,
    Node,
    ObjectFieldNode,
    ObjectValueNode,
    ValidationContext,
)

__all__ = ["DocumentMap", "document_map"]


class DocumentMap:
    """Where each node of a document sits: parents, enclosing fields. Built only on error."""

    def __init__(self, document: DocumentNode) -> None:
        self.parents: dict[int, Node] = {}
        pending: list[Node] = [document]
        while pending:
            node = pending.pop()
            for key in node.keys:
                if key == "loc":
                    continue
                value = getattr(node, key, None)
                for child in value if isinstance(value, tuple | list) else (value,):
                    if isinstance(child, Node):
                        self.parents[id(child)] = node
                        pending.append(child)

    def parent(self, node: Node) -> Node | None:
        return self.parents.get(id(node))

    def field_path(self, node: Node) -> list[str] | None:
        """Names of the fields enclosing `node` (itself included), outermost first."""
        names: list[str] = []
        current: Node | None = node
        while current is not None:
            if isinstance(current, FieldNode):
                names.append(current.name.value)
            current = self.parent(current)
        return names[::-1] or None

    def argument_of(self, node: Node) -> tuple[ArgumentNode, str] | None:
        """The argument a value sits in, and graphql-java's name for the spot (`input.a[0]`)."""
        steps: list[str] = []
        current = node
        while (parent := self.parent(current)) is not None:
            if isinstance(parent, ArgumentNode):
                return parent, parent.name.value + "".join(reversed(steps))
            if isinstance(parent, ObjectFieldNode):
                steps.append(f".{parent.name.value}")
            elif isinstance(parent, ListValueNode):
                steps.append(f"[{next(i for i, v in enumerate(parent.values) if v is current)}]")
            elif not isinstance(parent, ObjectValueNode):
                return None
            current = parent
        return None


def document_map(context: ValidationContext) -> DocumentMap:
    """The map of the document `context` validates."""
    # One map per validation, built on the first error (the valid path never pays for it).
    cached: DocumentMap | None = getattr(context, "_appsync_where", None)
    if cached is None:
        cached = DocumentMap(context.document)
        context._appsync_where = cached  # type: ignore[attr-defined]
    return cached
