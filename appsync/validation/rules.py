"""An API's validation rules in AppSync's wording, and validating a document with them.

Each of graphql-core's specified rules is wrapped so that what it reports is reworded
(`translators`) as it is reported; the rules listed in `_KEEP` run unwrapped.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    ValidationContext,
    specified_rules,
    validate,
)

from appsync.validation.document_map import document_map
from appsync.validation.introspection import NoIntrospection
from appsync.validation.translators import translate

__all__ = ["appsync_rules", "validate_document"]

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


class _Rewording:
    """A rule's view of the validation context: the same context, but what the rule reports is
    reworded first (some graphql-core rules call `context.report_error` directly)."""

    def __init__(self, context: ValidationContext, rule: str) -> None:
        self._context, self._rule = context, rule

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)

    def report_error(self, error: GraphQLError) -> None:
        context = self._context
        context.report_error(translate(self._rule, error, context, document_map(context)))


def _appsync_rule(rule: type[ASTValidationRule]) -> type[ASTValidationRule]:
    """`rule`, reporting in AppSync's wording."""
    name = rule.__name__
    if name in _KEEP:
        return rule

    def __init__(self: ASTValidationRule, context: ValidationContext) -> None:  # noqa: N807
        rule.__init__(self, _Rewording(context, name))  # type: ignore[arg-type]

    return type(name, (rule,), {"__init__": __init__})


_RULES = tuple(_appsync_rule(rule) for rule in specified_rules)


def appsync_rules(*, introspection: bool) -> tuple[type[ASTValidationRule], ...]:
    """The validation rules of an API: graphql's, in AppSync's wording; no introspection if off."""
    return _RULES if introspection else (*_RULES, NoIntrospection)


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
