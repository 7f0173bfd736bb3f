"""The schema as AppSync sees it: SDL without AWS scalar or directive declarations.

AppSync brings the AWS scalars and the `@aws_*` directives with it and refuses schemas that declare
them, or that declare any directive or custom scalar. `appsync_sdl` prints a Strawberry schema in
that form (the file Terraform deploys); `build_executable_schema` turns such SDL back into a
graphql-core schema the way AppSync does, by adding its own prelude.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphql import (
    DefinitionNode,
    DirectiveDefinitionNode,
    DocumentNode,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLSyntaxError,
    ScalarTypeDefinitionNode,
    SchemaDefinitionNode,
    TypeDefinitionNode,
    build_ast_schema,
    parse,
    print_ast,
)

from appsync.directives import DIRECTIVE_DEFINITIONS
from appsync.scalars import AWS_SCALAR_NAMES, SCALAR_MAP, install_scalars

if TYPE_CHECKING:
    import strawberry

_SCALAR_DEFINITIONS = "".join(f"scalar {name}\n" for name in sorted(AWS_SCALAR_NAMES))
_PRELUDE = parse(DIRECTIVE_DEFINITIONS + _SCALAR_DEFINITIONS)
_OUR_PARSERS = {definition.name: definition.parse_value for definition in SCALAR_MAP.values()}


class SchemaError(ValueError):
    """The schema would be refused by AppSync; the message is AppSync's where it is known."""


def _check(document: DocumentNode, *, own_scalars: frozenset[str]) -> list[DefinitionNode]:
    """Refuse what AppSync refuses; return the definitions to deploy."""
    keep: list[DefinitionNode] = []
    for node in document.definitions:
        if isinstance(node, DirectiveDefinitionNode):
            raise SchemaError("Directive definitions are not supported.")
        if isinstance(node, SchemaDefinitionNode):
            keep.append(node)
            continue
        if not isinstance(node, TypeDefinitionNode):
            raise SchemaError(f"Unsupported definition in a schema: {node.kind}")
        name = node.name.value
        if isinstance(node, ScalarTypeDefinitionNode):
            if name in own_scalars:
                continue  # AppSync's own scalar, printed only because a field uses it
            # The AppSync documentation: "you can't define your own custom scalars"; the exact
            # console wording for this case is not published, so this states the rule.
            raise SchemaError(
                f"Scalar '{name}' cannot be declared: AWS AppSync does not support custom "
                "scalars and provides the AWS scalars itself."
            )
        if name.startswith("AWS"):
            raise SchemaError(f"Type name '{name}' is reserved: the AWS prefix belongs to AppSync.")
        keep.append(node)
    return keep


def appsync_sdl(schema: strawberry.Schema) -> str:
    """Print a Strawberry schema as the SDL AppSync accepts.

    Raises:
        SchemaError: the schema declares what AppSync refuses (its own version of an AWS scalar,
            a directive definition, a custom scalar, a type named AWS...).
    """
    executable = schema._schema
    # AWS scalars print because fields use them; only ours may stand under those names.
    own = frozenset(
        name
        for name in AWS_SCALAR_NAMES
        if isinstance(scalar := executable.type_map.get(name), GraphQLScalarType)
        and scalar.parse_value is _OUR_PARSERS[name]
    )
    keep = _check(parse(schema.as_str()), own_scalars=own)
    return print_ast(DocumentNode(definitions=tuple(keep))) + "\n"


def build_executable_schema(sdl: str) -> GraphQLSchema:
    """Build the schema AppSync would serve for `sdl`: its prelude plus the SDL, AWS formats in.

    Raises:
        SchemaError: the SDL does not parse, or declares what AppSync refuses.
    """
    try:
        document = parse(sdl)
    except GraphQLSyntaxError as exc:
        raise SchemaError(f"Schema syntax error: {exc.message}") from None
    keep = _check(document, own_scalars=frozenset())
    schema = build_ast_schema(
        DocumentNode(definitions=(*_PRELUDE.definitions, *keep)), assume_valid_sdl=False
    )
    install_scalars(schema)
    return schema
