"""Each graphql-core rule's error as graphql-java reports it: its error type and description.

A translator reads what graphql-core reported (its message, the nodes it points at, the rule's
validation context) and returns graphql-java's error type, description and the node the error is
about; `translate` turns that into the AppSync-worded error. A rule without a translator, or an
error a translator does not recognise, keeps graphql-core's wording.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from graphql import (
    ArgumentNode,
    DirectiveNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLArgument,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLNamedType,
    NamedTypeNode,
    Node,
    NullValueNode,
    ObjectFieldNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    VariableDefinitionNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
    is_non_null_type,
)
from graphql.pyutils import Undefined

from appsync.validation.document_map import DocumentMap
from appsync.validation.wording import AppSyncValidationError, java_value, message

__all__ = ["translate"]


def _quoted(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    return match.group(1) if match else ""


def _wrong_type(
    error: GraphQLError, node: Node, context: ValidationContext, where: DocumentMap
) -> AppSyncValidationError | None:
    """ValuesOfCorrectType → graphql-java's WrongType (`ArgumentValidationUtil`)."""
    if isinstance(node, ObjectFieldNode):  # a field the input type does not have
        holder = where.parent(node)
        assert holder is not None
        spot = where.argument_of(holder)
        if spot is None:
            return None
        argument, name = spot
        type_name = _quoted(r"type '(\w+)' not to include", error.message)
        problem = f"contains a field not in '{type_name}': '{node.name.value}'"
        value = java_value(argument.value)
    else:
        spot = where.argument_of(node)
        if spot is None:
            return None  # a variable's default value: graphql-core's wording is kept
        argument, name = spot
        named = _type_at(context.get_argument(), name)
        if isinstance(node, NullValueNode):
            problem, value = "must not be null", java_value(node)
        elif isinstance(named, GraphQLInputObjectType) and isinstance(node, ObjectValueNode):
            given = {f.name.value for f in node.fields}
            missing = [
                n
                for n, f in named.fields.items()
                if is_non_null_type(f.type) and f.default_value is Undefined and n not in given
            ]
            problem = f"is missing required fields '[{', '.join(missing)}]'"
            value = java_value(argument.value)
        elif isinstance(named, GraphQLInputObjectType):
            problem, value = "must be an object type", java_value(argument.value)
        else:
            type_name = named.name if named is not None else "?"
            problem, value = f"is not a valid '{type_name}'", java_value(node)
    description = f"argument '{name}' with value '{value}' {problem}"
    return AppSyncValidationError(
        message("WrongType", description, where.field_path(argument)), nodes=[argument]
    )


def _type_at(argument: GraphQLArgument | None, spot: str) -> GraphQLNamedType | None:
    """The named input type at `spot` (`input.amount[0].value`) of an argument.

    graphql-core checks a whole argument literal at once and reports its inner nodes with the
    argument's type in context, so the inner type is found by walking the spot's steps.
    """
    if argument is None:
        return None
    type_: Any = argument.type
    rest = spot[len(re.split(r"[.\[]", spot, maxsplit=1)[0]) :]  # the steps after the name
    for step, _index in re.findall(r"\.(\w+)|(\[\d+\])", rest):
        type_ = get_nullable_type(type_)
        if not step:  # a list index
            type_ = type_.of_type if is_list_type(type_) else type_
            continue
        named = get_named_type(type_)
        if not isinstance(named, GraphQLInputObjectType) or step not in named.fields:
            return None
        type_ = named.fields[step].type
    found: GraphQLNamedType | None = get_named_type(type_)
    return found


# What a translator returns: graphql-java's error type, its description, the node it points at.
_Found = tuple[str, str, Node] | None
_Translator = Callable[[GraphQLError, list[Node], ValidationContext, DocumentMap], _Found]


def _undefined_field(
    error: GraphQLError, nodes: list[Node], context: ValidationContext, where: DocumentMap
) -> _Found:
    node = nodes[0]
    if not isinstance(node, FieldNode):
        return None
    parent = context.get_parent_type()
    return "FieldUndefined", f"Field '{node.name.value}' in type '{parent}' is undefined", node


def _unknown_argument(
    error: GraphQLError, nodes: list[Node], context: ValidationContext, where: DocumentMap
) -> _Found:
    node = nodes[0]
    if not isinstance(node, ArgumentNode):
        return None
    if " on directive " in error.message:
        return "UnknownDirective", f"Unknown directive argument {node.name.value}", node
    return "UnknownArgument", f"Unknown field argument {node.name.value}", node


def _missing_argument(
    error: GraphQLError, nodes: list[Node], context: ValidationContext, where: DocumentMap
) -> _Found:
    node = nodes[0]
    name = _quoted(r"\((\w+):\)", error.message)
    if isinstance(node, DirectiveNode):
        return "MissingDirectiveArgument", f"Missing directive argument {name}", node
    return "MissingFieldArgument", f"Missing field argument {name}", node


def _leaf_selection(
    error: GraphQLError, nodes: list[Node], context: ValidationContext, where: DocumentMap
) -> _Found:
    node = nodes[0]
    field = where.parent(node) if isinstance(node, SelectionSetNode) else node
    if not isinstance(field, FieldNode):
        return None
    type_, name = context.get_type(), field.name.value
    if isinstance(node, SelectionSetNode):
        return (
            "SubSelectionNotAllowed",
            f"Sub selection not allowed on leaf type {type_} of field {name}",
            field,
        )
    return "SubSelectionRequired", f"Sub selection required for type {type_} of field {name}", field


def _unknown_type(
    error: GraphQLError, nodes: list[Node], context: ValidationContext, where: DocumentMap
) -> _Found:
    node = nodes[0]
    if not isinstance(node, NamedTypeNode):
        return None
    return "UnknownType", f"Unknown type {node.name.value}", node


def _unused_variable(
    error: GraphQLError, nodes: list[Node], context: ValidationContext, where: DocumentMap
) -> _Found:
    node = nodes[0]
    if not isinstance(node, VariableDefinitionNode):
        return None
    return "UnusedVariable", f"Unused variable {node.variable.name.value}", node


def _undefined_variable(
    error: GraphQLError, nodes: list[Node], context: ValidationContext, where: DocumentMap
) -> _Found:
    node = nodes[0]
    if not isinstance(node, VariableNode):
        return None
    return "UndefinedVariable", f"Undefined variable {node.name.value}", node


def _variable_position(
    error: GraphQLError, nodes: list[Node], context: ValidationContext, where: DocumentMap
) -> _Found:
    found = re.search(r"of type '(.+)' used in position expecting type '(.+)'\.", error.message)
    if not found or len(nodes) < 2:
        return None
    description = f"Variable type '{found.group(1)}' doesn't match expected type '{found.group(2)}'"
    return "VariableTypeMismatch", description, nodes[1]


def _unknown_fragment(
    error: GraphQLError, nodes: list[Node], context: ValidationContext, where: DocumentMap
) -> _Found:
    spread = where.parent(nodes[0])
    if not isinstance(spread, FragmentSpreadNode):
        return None
    return "UndefinedFragment", f"Undefined fragment {spread.name.value}", spread


def _unused_fragment(
    error: GraphQLError, nodes: list[Node], context: ValidationContext, where: DocumentMap
) -> _Found:
    node = nodes[0]
    if not isinstance(node, FragmentDefinitionNode):
        return None
    return "UnusedFragment", f"Unused fragment {node.name.value}", node


def _directive(
    error: GraphQLError, nodes: list[Node], context: ValidationContext, where: DocumentMap
) -> _Found:
    node = nodes[0]
    if not isinstance(node, DirectiveNode):
        return None
    if error.message.startswith("Unknown directive"):
        return "UnknownDirective", f"Unknown directive {node.name.value}", node
    return "MisplacedDirective", f"Directive {node.name.value} not allowed here", node


def _duplicate_operation(
    error: GraphQLError, nodes: list[Node], context: ValidationContext, where: DocumentMap
) -> _Found:
    operation = where.parent(nodes[-1])
    if not isinstance(operation, OperationDefinitionNode) or operation.name is None:
        return None
    description = f"There can be only one operation named '{operation.name.value}'"
    return "DuplicateOperationName", description, operation


_TRANSLATORS: dict[str, _Translator] = {
    "FieldsOnCorrectTypeRule": _undefined_field,
    "KnownArgumentNamesRule": _unknown_argument,
    "ProvidedRequiredArgumentsRule": _missing_argument,
    "ScalarLeafsRule": _leaf_selection,
    "KnownTypeNamesRule": _unknown_type,
    "NoUnusedVariablesRule": _unused_variable,
    "NoUndefinedVariablesRule": _undefined_variable,
    "VariablesInAllowedPositionRule": _variable_position,
    "KnownFragmentNamesRule": _unknown_fragment,
    "NoUnusedFragmentsRule": _unused_fragment,
    "KnownDirectivesRule": _directive,
    "UniqueOperationNamesRule": _duplicate_operation,
}


def translate(
    rule: str, error: GraphQLError, context: ValidationContext, where: DocumentMap
) -> GraphQLError:
    """`error`, reported by graphql-core's `rule`, in AppSync's wording (as is if unknown)."""
    nodes = list(error.nodes or ())
    if not nodes:
        return error
    if rule == "ValuesOfCorrectTypeRule":
        return _wrong_type(error, nodes[0], context, where) or error
    translator = _TRANSLATORS.get(rule)
    found = translator(error, nodes, context, where) if translator else None
    if found is None:
        return error
    kind, description, at = found
    return AppSyncValidationError(message(kind, description, where.field_path(at)), nodes=[at])
