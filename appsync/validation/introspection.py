"""The rule `introspectionConfig: DISABLED` adds: `__schema` and `__type` are undefined fields."""

from __future__ import annotations

from graphql import ASTValidationRule, FieldNode, ValidationContext

from appsync.validation.document_map import document_map
from appsync.validation.wording import AppSyncValidationError, message

__all__ = ["NoIntrospection"]

_INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


class NoIntrospection(ASTValidationRule):
    """`introspectionConfig: DISABLED`: `__schema` and `__type` are refused as undefined fields.

    The AppSync guide ("Using the introspection feature") shows a validation error naming the
    `__schema` field as undefined in the schema; the wording below is graphql-java's FieldUndefined
    for that field (the exact text in the screenshot is UNVERIFIED).
    """

    def enter_field(self, node: FieldNode, *_args: object) -> None:
        name = node.name.value
        if name in _INTROSPECTION_FIELDS:
            context = self.context
            assert isinstance(context, ValidationContext)
            parent, where = context.get_parent_type(), document_map(context)
            description = f"Field '{name}' in type '{parent}' is undefined"
            self.report_error(
                AppSyncValidationError(
                    message("FieldUndefined", description, where.field_path(node)), nodes=[node]
                )
            )
