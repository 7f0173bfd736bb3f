"""Variables that do not coerce, reported as AppSync reports them.

graphql-java (AppSync's engine) stops at the first variable that does not coerce and reports it
with its own wording; AppSync's AWS scalars word theirs differently again (appsync.md §3). This runs
only after graphql-core has refused a request's variables, to word the refusal.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    NonNullTypeNode,
    OperationDefinitionNode,
    VariableDefinitionNode,
    get_operation_ast,
    is_input_object_type,
    is_non_null_type,
    type_from_ast,
)
from graphql.utilities import validate_input_value

from appsync.scalars import ScalarFormatError

__all__ = ["reword_refusal", "variable_error"]


class _Request(Protocol):
    @property
    def variables(self) -> Mapping[str, Any] | None: ...

    @property
    def operation_name(self) -> str | None: ...


def reword_refusal(
    schema: GraphQLSchema,
    document: DocumentNode,
    request: _Request,
    errors: Sequence[GraphQLError],
) -> Sequence[GraphQLError]:
    """graphql-core's refusal of a request before execution, as AppSync words it.

    When a variable does not coerce, AppSync reports that one variable (graphql-java stops at the
    first); any other refusal (an unknown operation name) keeps its message, which is the same in
    graphql-java ("Unknown operation named 'X'.").
    """
    operation = get_operation_ast(document, request.operation_name)
    if operation is None:
        return errors
    error = variable_error(schema, operation, request.variables or {})
    return [error] if error is not None else errors


def _quoted(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    return match.group(1) if match else ""


# graphql-java's scalar coercion messages for variables, keyed by graphql-core's scalar name.
# The "Expected type 'Int' but was 'Double'." wording is graphql-java's (`Scalars` coercing);
# whether AppSync's graphql-java version prints it after " : " is UNVERIFIED.
_JAVA_TYPES: tuple[tuple[type, str], ...] = (
    (bool, "Boolean"),
    (int, "Integer"),
    (float, "Double"),
    (str, "String"),
    (dict, "LinkedHashMap"),
    (list, "ArrayList"),
)


def _java_type(value: object) -> str:
    return next((name for kind, name in _JAVA_TYPES if isinstance(value, kind)), "Object")


def variable_error(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any],
) -> GraphQLError | None:
    """The first variable of `operation` that does not coerce, as AppSync reports it.

    None when every variable coerces (the failure was something else, e.g. an unknown operation).
    """
    for definition in operation.variable_definitions or ():
        message = _variable_problem(schema, definition, variables)
        if message is not None:
            return GraphQLError(message, nodes=[definition])
    return None


def _variable_problem(
    schema: GraphQLSchema, definition: VariableDefinitionNode, variables: Mapping[str, Any]
) -> str | None:
    name = definition.variable.name.value
    type_ = type_from_ast(schema, definition.type)
    if type_ is None:
        return None
    coerced_null = f"Variable '{name}' has coerced Null value for NonNull type '{type_}'"
    if name not in variables:
        required = isinstance(definition.type, NonNullTypeNode) and not definition.default_value
        return coerced_null if required else None
    if variables[name] is None:
        return coerced_null if is_non_null_type(type_) else None
    problems: list[str] = []
    value = variables[name]

    def on_error(error: GraphQLError, path: list[str | int]) -> None:
        if not problems:
            problems.append(_coercion_message(schema, name, path, _at(value, path), error))

    validate_input_value(value, type_, on_error)  # type: ignore[arg-type]
    return problems[0] if problems else None


def _at(value: Any, path: list[str | int]) -> Any:
    for step in path:
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def _coercion_message(
    schema: GraphQLSchema, name: str, path: list[str | int], invalid: Any, error: GraphQLError
) -> str:
    original = error.original_error
    if isinstance(original, ScalarFormatError):
        # AppSync's scalars name the innermost input field: "Variable 'phone' has an invalid
        # value. Unable to parse `1110004444` as a valid phone number." (amplify-flutter#822).
        inner = next((p for p in reversed(path) if isinstance(p, str)), name)
        return f"Variable '{inner}' has an invalid value. {original}"
    message = error.message
    if "not to include unknown field" in message:
        # aws/aws-appsync-community#273, trailing space included.
        type_name = _quoted(r"type '(\w+)' not to include", message)
        return (
            "The variables input contains a field that is not defined for input object type "
            f"'{type_name}' "
        )
    required = re.search(r"type '(\w+)' to include required field '(\w+)'", message)
    if required:
        # AppSync names the variable with the *field's* type (aws/aws-appsync-community#406).
        owner = schema.get_type(required.group(1))
        field_type = owner.fields[required.group(2)].type if is_input_object_type(owner) else "?"
        return f"Variable '{name}' has coerced Null value for NonNull type '{field_type}'"
    null = re.search(r"non-null type '(.+)' not to be", message)
    if null:
        return f"Variable '{name}' has coerced Null value for NonNull type '{null.group(1)}'"
    return _leaf_message(name, path, invalid, message)


def _leaf_message(name: str, path: list[str | int], invalid: Any, message: str) -> str:
    scalar = re.match(r"(Int|Float|String|Boolean|ID) cannot represent", message)
    if scalar:
        return (
            f"Variable '{name}' has an invalid value : Expected type '{scalar.group(1)}' "
            f"but was '{_java_type(invalid)}'."
        )
    enum = re.match(r"Value '(.*)' does not exist in '(\w+)' enum", message)
    if enum:
        return (
            f"Variable '{name}' has an invalid value : Invalid input for Enum '{enum.group(2)}'. "
            f"No value found for name '{enum.group(1)}'"
        )
    # No graphql-java template known (e.g. a non-object for an input object): graphql-core's.
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
    return f"Variable '{name}' has an invalid value{' at ' + where if where else ''}: {message}"
