"""What a `start` message carries, and the refusals a `start` can get.

A `start` message's payload holds `data`, the GraphQL request as a JSON string, and
`extensions.authorization`, the request's credentials (AWS guide, "Authorization object for
subscription registration"). A refused `start` is answered with an `error` message for its id.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from graphql import FieldNode, GraphQLError, VariableNode, value_from_ast_untyped

from appsync.errors import ResolverError, error_entry

__all__ = [
    "SubscriptionRefused",
    "given_arguments",
    "refusal",
    "refuses",
    "start_payload",
    "start_request",
]


class SubscriptionRefused(Exception):  # noqa: N818 - named after AppSync's outcome
    """The `start` is refused: the connection answers with an `error` message of these."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors[0]["message"] if errors else "refused")
        self.errors = errors


def start_payload(payload: Any) -> tuple[str, Mapping[str, Any]]:
    """The payload's `data` (the request as a JSON string) and authorization headers."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("data"), str):
        raise SubscriptionRefused(
            [{"message": "The start payload needs data, the request as a JSON string."}]
        )
    extensions = payload.get("extensions")
    authorization = extensions.get("authorization") if isinstance(extensions, Mapping) else None
    if not isinstance(authorization, Mapping):
        # Each start carries its own authorization (AWS guide); without it nothing verifies.
        raise SubscriptionRefused(
            [
                {
                    "errorType": "UnauthorizedException",
                    "message": "Valid authorization header not provided.",
                }
            ]
        )
    return payload["data"], authorization


def start_request(data: str) -> tuple[str, dict[str, Any] | None, str | None]:
    """The query, variables and operation name of the payload's `data`."""
    try:
        request = json.loads(data)
    except ValueError:
        request = None
    if not isinstance(request, dict) or not isinstance(request.get("query"), str):
        raise SubscriptionRefused([{"message": "Unable to parse GraphQL query.", "errorCode": 400}])
    variables = request.get("variables")
    operation_name = request.get("operationName")
    return (
        request["query"],
        variables if isinstance(variables, dict) else None,
        operation_name if isinstance(operation_name, str) else None,
    )


def given_arguments(field_node: FieldNode, variables: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments the subscriber gave, as JSON values: a variable left out of `variables`
    counts as not given (AppSync: an argument left out does not filter; null is a value)."""
    given: dict[str, Any] = {}
    for argument in field_node.arguments or ():
        node = argument.value
        if isinstance(node, VariableNode):
            if node.name.value in variables:
                given[argument.name.value] = variables[node.name.value]
            continue
        given[argument.name.value] = value_from_ast_untyped(node, dict(variables))
    return given


def refuses(error: GraphQLError) -> bool:
    """Whether an error of the subscription's execution refuses the `start`."""
    # A resolver's refusal (denied field, util.error, util.unauthorized) or a request-level
    # error (variables) refuses the start; a subscription resolver that returns null for a
    # non-null field does not: the event's payload is what subscribers get, not that value.
    return error.path is None or isinstance(error.original_error, ResolverError)


def refusal(error: GraphQLError) -> dict[str, Any]:
    """A refusing error as an entry of the `error` message."""
    entry = error_entry(error)
    refused: dict[str, Any] = {"errorType": entry["errorType"], "message": entry["message"]}
    if entry["errorType"] is None:
        del refused["errorType"]
        refused["errorCode"] = 400
    return refused
