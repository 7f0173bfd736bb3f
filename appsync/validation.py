"""GraphQL validation as AppSync words it.

AppSync validates with graphql-java, whose messages differ from graphql-core's. This module runs
graphql-core's rules and rewrites what they report into graphql-java's (pre-i18n) wording, which
is what AppSync answers (appsync.md §3):

    Validation error of type <ValidationErrorType>: <description>[ @ '<field/path>']

The descriptions are graphql-java's rule templates (`graphql/validation/rules/*.java` and
`ArgumentValidationUtil`); AppSync responses quoting them: graphql/graphql-over-http#81
(FieldUndefined), aws-amplify/amplify-swift#854 (MissingFieldArgument), aws/aws-appsync-community
#273 (WrongType, missing required fields), awslabs/aws-mobile-appsync-sdk-js#554 (WrongType for
AWSJSON). The ` @ 'path'` suffix is the path of field names to the field concerned; errors outside
any field (unused variables, unknown variable types) have none. Rules whose graphql-java template
was not found keep graphql-core's message (listed in `_KEEP`).

Variables are coerced during execution: see `appsync.variables`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from graphql import (
    ArgumentNode,
    ASTValidationRule,
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    EnumValueNode,
    FieldNode,
    FloatValueNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLArgument,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLNamedType,
    GraphQLSchema,
    IntValueNode,
    ListValueNode,
    NamedTypeNode,
    Node,
    NullValueNode,
    ObjectFieldNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    ValidationContext,
    VariableDefinitionNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
    is_non_null_type,
    specified_rules,
    validate,
)
from graphql.pyutils import Undefined

__all__ = [
    "AppSyncValidationError",
    "appsync_rules",
    "java_value",
    "validate_document",
]

_INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})
# graphql-core rules reported with graphql-core's wording: no graphql-java template was found
# for them that AppSync is known to use.
_KEEP = frozenset(
    {
        "ExecutableDefinitionsRule",
        "LoneAnonymousOperationRule",
        "OverlappingFieldsCanBeMergedRule",
        "PossibleFragmentSpreadsRule",
        "UniqueDirectivesPerLocationRule",
        "UniqueInputFieldNamesRule",
        "SingleFieldSubscriptionsRule",
        "KnownOperationTypesRule",
        "DeferStreamDirectiveLabel",
        "DeferStreamDirectiveOnRootField",
        "DeferStreamDirectiveOnValidOperationsRule",
        "StreamDirectiveOnListField",
    }
)


class AppSyncValidationError(GraphQLError):
    """A validation error in AppSync's wording."""


def _message(kind: str, description: str, path: list[str] | None) -> str:
    suffix = f" @ '{'/'.join(path)}'" if path else ""
    return f"Validation error of type {kind}: {description}{suffix}"


class _Document:
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


def _quoted(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    return match.group(1) if match else ""


def _wrong_type(
    error: GraphQLError, node: Node, context: ValidationContext, where: _Document
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
        _message("WrongType", description, where.field_path(argument)), nodes=[argument]
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
_Translator = Callable[[GraphQLError, list[Node], ValidationContext, _Document], _Found]


def _undefined_field(
    error: GraphQLError, nodes: list[Node], context: ValidationContext, where: _Document
) -> _Found:
    node = nodes[0]
    if not isinstance(node, FieldNode):
        return None
    parent = context.get_parent_type()
    return "FieldUndefined", f"Field '{node.name.value}' in type '{parent}' is undefined", node


def _unknown_argument(
    error: GraphQLError, nodes: list[Node], context: ValidationContext, where: _Document
) -> _Found:
    node = nodes[0]
    if not isinstance(node, ArgumentNode):
        return None
    if " on directive " in error.message:
        return "UnknownDirective", f"Unknown directive argument {node.name.value}", node
    return "UnknownArgument", f"Unknown field argument {node.name.value}", node


def _missing_argument(
    error: GraphQLError, nodes: list[Node], context: ValidationContext, where: _Document
) -> _Found:
    node = nodes[0]
    name = _quoted(r"\((\w+):\)", error.message)
    if isinstance(node, DirectiveNode):
        return "MissingDirectiveArgument", f"Missing directive argument {name}", node
    return "MissingFieldArgument", f"Missing field argument {name}", node


def _leaf_selection(
    error: GraphQLError, nodes: list[Node], context: ValidationContext, where: _Document
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
    error: GraphQLError, nodes: list[Node], context: ValidationContext, where: _Document
) -> _Found:
    node = nodes[0]
    if not isinstance(node, NamedTypeNode):
        return None
    return "UnknownType", f"Unknown type {node.name.value}", node


def _unused_variable(
    error: GraphQLError, nodes: list[Node], context: ValidationContext, where: _Document
) -> _Found:
    node = nodes[0]
    if not isinstance(node, VariableDefinitionNode):
        return None
    return "UnusedVariable", f"Unused variable {node.variable.name.value}", node


def _undefined_variable(
    error: GraphQLError, nodes: list[Node], context: ValidationContext, where: _Document
) -> _Found:
    node = nodes[0]
    if not isinstance(node, VariableNode):
        return None
    return "UndefinedVariable", f"Undefined variable {node.name.value}", node


def _variable_position(
    error: GraphQLError, nodes: list[Node], context: ValidationContext, where: _Document
) -> _Found:
    found = re.search(r"of type '(.+)' used in position expecting type '(.+)'\.", error.message)
    if not found or len(nodes) < 2:
        return None
    description = f"Variable type '{found.group(1)}' doesn't match expected type '{found.group(2)}'"
    return "VariableTypeMismatch", description, nodes[1]


def _unknown_fragment(
    error: GraphQLError, nodes: list[Node], context: ValidationContext, where: _Document
) -> _Found:
    spread = where.parent(nodes[0])
    if not isinstance(spread, FragmentSpreadNode):
        return None
    return "UndefinedFragment", f"Undefined fragment {spread.name.value}", spread


def _unused_fragment(
    error: GraphQLError, nodes: list[Node], context: ValidationContext, where: _Document
) -> _Found:
    node = nodes[0]
    if not isinstance(node, FragmentDefinitionNode):
        return None
    return "UnusedFragment", f"Unused fragment {node.name.value}", node


def _directive(
    error: GraphQLError, nodes: list[Node], context: ValidationContext, where: _Document
) -> _Found:
    node = nodes[0]
    if not isinstance(node, DirectiveNode):
        return None
    if error.message.startswith("Unknown directive"):
        return "UnknownDirective", f"Unknown directive {node.name.value}", node
    return "MisplacedDirective", f"Directive {node.name.value} not allowed here", node


def _duplicate_operation(
    error: GraphQLError, nodes: list[Node], context: ValidationContext, where: _Document
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


def _translate(
    rule: str, error: GraphQLError, context: ValidationContext, where: _Document
) -> GraphQLError:
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
    return AppSyncValidationError(_message(kind, description, where.field_path(at)), nodes=[at])


class _Rewording:
    """A rule's view of the validation context: the same context, but what the rule reports is
    reworded first (some graphql-core rules call `context.report_error` directly)."""

    def __init__(self, context: ValidationContext, rule: str) -> None:
        self._context, self._rule = context, rule

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)

    def report_error(self, error: GraphQLError) -> None:
        context = self._context
        context.report_error(_translate(self._rule, error, context, _where(context)))


def _appsync_rule(rule: type[ASTValidationRule]) -> type[ASTValidationRule]:
    """`rule`, reporting in AppSync's wording."""
    name = rule.__name__
    if name in _KEEP:
        return rule

    def __init__(self: ASTValidationRule, context: ValidationContext) -> None:  # noqa: N807
        rule.__init__(self, _Rewording(context, name))  # type: ignore[arg-type]

    return type(name, (rule,), {"__init__": __init__})


def _where(context: ValidationContext) -> _Document:
    # One map per validation, built on the first error (the valid path never pays for it).
    cached: _Document | None = getattr(context, "_appsync_where", None)
    if cached is None:
        cached = _Document(context.document)
        context._appsync_where = cached  # type: ignore[attr-defined]
    return cached


class _NoIntrospection(ASTValidationRule):
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
            parent, where = context.get_parent_type(), _where(context)
            description = f"Field '{name}' in type '{parent}' is undefined"
            self.report_error(
                AppSyncValidationError(
                    _message("FieldUndefined", description, where.field_path(node)), nodes=[node]
                )
            )


_RULES = tuple(_appsync_rule(rule) for rule in specified_rules)


def appsync_rules(*, introspection: bool) -> tuple[type[ASTValidationRule], ...]:
    """The validation rules of an API: graphql's, in AppSync's wording; no introspection if off."""
    return _RULES if introspection else (*_RULES, _NoIntrospection)


def validate_document(
    schema: GraphQLSchema, document: DocumentNode, rules: Iterable[type[ASTValidationRule]]
) -> list[GraphQLError]:
    """The document's validation errors, AppSync-worded, duplicates dropped (graphql-core reports
    each missing required input field apart; graphql-java lists them in one error)."""
    errors = validate(schema, document, tuple(rules))
    seen: set[tuple[str, Any]] = set()
    unique = []
    for error in errors:
        key = (error.message, tuple(error.locations or ()))
        if key not in seen:
            seen.add(key)
            unique.append(error)
    return unique
