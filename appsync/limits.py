"""AppSync's execution limits: query depth, resolver count, request time, response size.

The defaults are AppSync's (appsync.md §8; AWS-doc configuration-limits and the service
quotas page); Terraform mirrors them, and a test holds both to these constants.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLResolveInfo,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from graphql.pyutils import Path

from appsync.errors import ResolverError

QUERY_DEPTH_LIMIT_OFF = 0
"""`queryDepthLimit` default: 0, no limit."""
MAX_QUERY_DEPTH_LIMIT = 75
"""The largest `queryDepthLimit` AppSync accepts (1-75)."""
RESOLVER_COUNT_LIMIT = 10_000
"""`resolverCountLimit` default, and its maximum (1-10,000)."""
REQUEST_TIMEOUT_S = 30.0
"""Execution time of one query, mutation or subscription request."""
MAX_RESPONSE_BYTES = 5 * 1024 * 1024
"""Evaluated response size of one resolver, function or handler (5 MB)."""
MAX_QUERY_TOKENS = 15_000
"""Query length: the tokens one GraphQL document may hold (AppSync's quotas page)."""
# UNVERIFIED: AppSync's answer to a longer document (reported as "Maximum char length
# exceeded"); the emulator refuses it as it refuses any document it cannot parse, HTTP 400.
QUERY_TOO_LONG_MESSAGE = f"The query exceeds the maximum of {MAX_QUERY_TOKENS} tokens."

# UNVERIFIED: AppSync documents the error types (QueryDepthLimitReached,
# ResolverExecutionLimitReached) but shows the messages only in screenshots; these are ours.
_DEPTH_MESSAGE = "The query exceeds the maximum depth of {limit}."
_COUNT_MESSAGE = "The request exceeds the maximum of {limit} resolver executions."
# What AppSync answered for a resolver whose evaluated response was over its size limit
# (awslabs/aws-mobile-appsync-sdk-js#124, then a 1 MB limit).
_TOO_LARGE = ("Transformation too large", "MappingTemplate")
TIMED_OUT_MESSAGE = "Execution timed out."
"""`ctx.error.message` of a data-source call cut off by the request's time limit, with type
`Lambda:ExecutionTimeoutException` / `Http:ExecutionTimeoutException`
(aws/aws-appsync-community#386 and #43)."""


def check_limits(*, query_depth_limit: int, resolver_count_limit: int) -> None:
    """Refuse limit settings AppSync would refuse.

    Raises:
        ValueError: a limit is out of AppSync's range.
    """
    if not QUERY_DEPTH_LIMIT_OFF <= query_depth_limit <= MAX_QUERY_DEPTH_LIMIT:
        raise ValueError(
            f"query_depth_limit must be from 1 to {MAX_QUERY_DEPTH_LIMIT}, or 0 for no limit"
        )
    if not 1 <= resolver_count_limit <= RESOLVER_COUNT_LIMIT:
        raise ValueError(f"resolver_count_limit must be from 1 to {RESOLVER_COUNT_LIMIT}")


def document_depth(document: DocumentNode) -> int:
    """The deepest field nesting of any operation in `document` (a root field is depth 1).

    Fragments are expanded; a fragment cycle (which validation refuses anyway) stops there.
    """
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    depths = [
        _depth(d.selection_set, fragments, frozenset())
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
    ]
    return max(depths, default=0)


def _depth(
    selection_set: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
    visiting: frozenset[str],
) -> int:
    if selection_set is None:
        return 0
    deepest = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            depth = 1 + _depth(selection.selection_set, fragments, visiting)
        elif isinstance(selection, InlineFragmentNode):
            depth = _depth(selection.selection_set, fragments, visiting)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is None or name in visiting:
                continue
            depth = _depth(fragment.selection_set, fragments, visiting | {name})
        else:  # pragma: no cover - graphql-core has no other selection kinds
            continue
        deepest = max(deepest, depth)
    return deepest


def depth_middleware(limit: int) -> Callable[..., Any]:
    """A graphql-core middleware that fails every field deeper than `limit`.

    Used only for documents deeper than the limit (their depth is known when parsed), so
    other requests pay nothing. As on AppSync, the fields within the limit resolve, each
    field past it is null with a `QueryDepthLimitReached` error, and a non-null one passes
    its null up to the nearest nullable parent (AWS-doc configuration-limits).
    """
    message = _DEPTH_MESSAGE.format(limit=limit)

    def middleware(
        resolve: Callable[..., Any], source: Any, info: GraphQLResolveInfo[Any], **args: Any
    ) -> Any:
        depth = 0
        path: Path | None = info.path
        while path is not None:
            if isinstance(path.key, str):
                depth += 1
            path = path.prev
        if depth > limit:
            raise ResolverError(message, error_type="QueryDepthLimitReached")
        return resolve(source, info, **args)

    return middleware


def resolver_count_exceeded(limit: int) -> ResolverError:
    """The error of a resolver past the request's resolver count limit: it does not run."""
    return ResolverError(
        _COUNT_MESSAGE.format(limit=limit), error_type="ResolverExecutionLimitReached"
    )


def check_response_size(value: Any, limit: int) -> None:
    """Refuse an evaluated response (a field's value) larger than `limit` bytes of JSON.

    Raises:
        ResolverError: it is larger.
    """
    # Scalars cannot come near the limit except long strings; containers are measured.
    if isinstance(value, dict | list):
        try:
            size = len(orjson.dumps(value))
        except TypeError:  # not JSON (huge integers): graphql-core's serialization refuses it
            return
    elif isinstance(value, str):
        size = len(value)
    else:
        return
    if size > limit:
        message, error_type = _TOO_LARGE
        raise ResolverError(message, error_type=error_type)
