"""AppSync's error shapes: error entries in a GraphQL response, and request-level rejections."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from starlette.responses import JSONResponse

from appsync.scalars import ScalarFormatError


class ResolverError(Exception):
    """A resolver failed in a way the caller should see: `util.error`, a Lambda error, a denial.

    Attributes:
        message: the entry's `message`.
        error_type: the entry's `errorType` (e.g. `Unauthorized`, a Lambda exception's name).
        data: the entry's `data`, already filtered by the selection set.
        error_info: the entry's `errorInfo`, passed through unfiltered.
    """

    def __init__(
        self,
        message: str,
        *,
        error_type: str | None = None,
        data: Any = None,
        error_info: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.error_type = error_type
        self.data = data
        self.error_info = error_info


def unauthorized(field_name: str, type_name: str) -> ResolverError:
    """The field-level denial: HTTP 200, the field null, this entry."""
    return ResolverError(
        f"Not Authorized to access {field_name} on type {type_name}", error_type="Unauthorized"
    )


def _locations(error: GraphQLError) -> list[dict[str, Any]] | None:
    if not error.locations:
        return None
    return [{"line": loc.line, "column": loc.column, "sourceName": None} for loc in error.locations]


def _java_path(path: list[str | int] | None) -> str:
    """graphql-java's ExecutionPath text: `/field/list[3]/leaf`."""
    return "".join(f"[{step}]" if isinstance(step, int) else f"/{step}" for step in path or ())


def error_entry(error: GraphQLError) -> dict[str, Any]:
    """One entry of `errors`, in AppSync's shape: every key present, unset ones null."""
    original = error.original_error
    if isinstance(original, ResolverError):
        error_type, data, error_info, message = (
            original.error_type,
            original.data,
            original.error_info,
            original.message,
        )
    elif isinstance(original, ScalarFormatError):
        # A result the field's AWS scalar cannot serialize. AppSync: "Can't serialize value
        # (/syncOrders/items[32]/orderDate) : Unable to serialize `...` as a valid DateTime
        # Object." with null locations (aws-amplify/amplify-js#5963).
        return {
            "path": error.path,
            "data": None,
            "errorType": None,
            "errorInfo": None,
            "locations": None,
            "message": f"Can't serialize value ({_java_path(error.path)}) : "
            + original.serialize_message,
        }
    elif is_internal(error):
        # A bug in the emulator or a data source, not an error a resolver meant to send: the
        # caller gets no internals; whoever runs the request logs it once (`log_internal`).
        error_type, data, error_info, message = None, None, None, "An internal error occurred."
        error_type = "InternalError"
    else:
        error_type, data, error_info, message = None, None, None, error.message
    return {
        "path": error.path,
        "data": data,
        "errorType": error_type,
        "errorInfo": error_info,
        "locations": _locations(error),
        "message": message,
    }


def is_internal(error: GraphQLError) -> bool:
    """Whether a field's error is an unexpected exception rather than one meant for the caller."""
    original = error.original_error
    return original is not None and not isinstance(
        original, GraphQLError | ResolverError | ScalarFormatError
    )


def validation_entry(error: GraphQLError) -> dict[str, Any]:
    """An entry for a document or variables AppSync refuses before running any resolver."""
    return {"path": None, "locations": _locations(error) or [], "message": error.message}


def request_error(status: int, error_type: str, message: str) -> JSONResponse:
    """A rejection of the whole request (HTTP 4xx), as AppSync sends it."""
    return JSONResponse(
        {"errors": [{"errorType": error_type, "message": message}]}, status_code=status
    )
