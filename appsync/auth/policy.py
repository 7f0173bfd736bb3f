"""Which callers may resolve which fields: AppSync's rules over the `@aws_*` directives.

The rules, from the AppSync developer guide ("Security: authorization"): a field's own directives
decide; without any, its type's directives decide; without those, only the API's default mode is
allowed. A type's list is replaced by a field's list, never merged. `cognito_groups` narrows a
Cognito directive to callers in any one of the listed groups.

Because every field is checked, a field an additional mode may call returns nothing to that mode
unless the returned type (or each of its fields) names the mode too: the guide's `getAllPosts
@aws_api_key` returning `Post` needs `Post @aws_api_key` (checklist §1.3).

`@aws_auth` is the legacy directive of APIs whose only mode is Cognito user pools. On such an API
it grants the listed groups (any one suffices); on a multi-auth API the guide says it cannot be
used, and AppSync is reported to ignore it there (checklist §1.3, UNVERIFIED): it is ignored here
too, with a warning at start-up.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from graphql import GraphQLField, GraphQLObjectType, GraphQLSchema
from graphql.language import ConstDirectiveNode, ListValueNode, StringValueNode

from appsync.auth.modes import AuthMode, Caller

logger = logging.getLogger("appsync")

_MODE_OF_DIRECTIVE = {
    "aws_cognito_user_pools": AuthMode.COGNITO,
    "aws_auth": AuthMode.COGNITO,
    "aws_iam": AuthMode.IAM,
    "aws_api_key": AuthMode.API_KEY,
    "aws_oidc": AuthMode.OIDC,
    "aws_lambda": AuthMode.LAMBDA,
}


@dataclass(frozen=True)
class Grant:
    """One way into a field: a mode, optionally only for some Cognito groups."""

    mode: AuthMode
    groups: frozenset[str] | None = None  # None: any caller of the mode

    def admits(self, caller: Caller) -> bool:
        """Whether this grant lets `caller` in."""
        if caller.mode is not self.mode:
            return False
        return self.groups is None or not self.groups.isdisjoint(caller.groups)


@dataclass(frozen=True)
class FieldPolicy:
    """The grants of one field, resolved from its own, its type's or the API's default."""

    type_name: str
    field_name: str
    grants: tuple[Grant, ...]

    def admits(self, caller: Caller) -> bool:
        """Whether any grant lets `caller` in."""
        return any(grant.admits(caller) for grant in self.grants)


def _grants(directives: tuple[ConstDirectiveNode, ...], *, legacy: bool) -> tuple[Grant, ...]:
    grants = []
    for directive in directives:
        mode = _MODE_OF_DIRECTIVE.get(directive.name.value)
        if mode is None or (directive.name.value == "aws_auth" and not legacy):
            continue
        groups: frozenset[str] | None = None
        for argument in directive.arguments or ():
            if argument.name.value == "cognito_groups" and isinstance(
                argument.value, ListValueNode
            ):
                groups = frozenset(
                    v.value for v in argument.value.values if isinstance(v, StringValueNode)
                )
        grants.append(Grant(mode, groups))
    return tuple(grants)


def _directives_of(node_owner: GraphQLObjectType | GraphQLField) -> tuple[ConstDirectiveNode, ...]:
    node = node_owner.ast_node
    return tuple(node.directives or ()) if node is not None else ()


def field_policies(
    schema: GraphQLSchema,
    *,
    default_mode: AuthMode,
    additional_modes: tuple[AuthMode, ...] = (),
    cognito_default_action: str = "ALLOW",
) -> dict[tuple[str, str], FieldPolicy]:
    """The policy of every field of every object type of an SDL-built schema.

    Args:
        schema: a schema built from SDL (the directives are read from its AST).
        default_mode: the API's default authorization type.
        additional_modes: the API's additional authorization types (reachable only through
            directives that name them).
        cognito_default_action: the user pool's `defaultAction` when Cognito is the default mode;
            with DENY, signed-in users reach only fields whose directives name them.
    """
    if default_mode is AuthMode.COGNITO and cognito_default_action == "DENY":
        default: tuple[Grant, ...] = ()
    else:
        default = (Grant(default_mode),)
    legacy = default_mode is AuthMode.COGNITO and not additional_modes
    policies = {}
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        type_grants = _grants(_directives_of(type_), legacy=legacy)
        for name, field in type_.fields.items():
            directives = _directives_of(field)
            if not legacy and any(d.name.value == "aws_auth" for d in directives):
                logger.warning(
                    "%s.%s: @aws_auth works only on APIs whose sole mode is Cognito user pools; "
                    "it is ignored (use @aws_cognito_user_pools)",
                    type_.name,
                    name,
                )
            grants = _grants(directives, legacy=legacy) or type_grants or default
            policies[type_.name, name] = FieldPolicy(type_.name, name, grants)
    return policies
