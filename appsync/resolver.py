"""How one bound field is resolved: an APPSYNC_JS unit resolver or a direct Lambda resolver."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from appsync.context import build_context, filter_by_selection
from appsync.datasources.http import HttpDataSource
from appsync.datasources.lambda_function import LambdaDataSource, LambdaInvocationError
from appsync.errors import ResolverError

if TYPE_CHECKING:
    from graphql import GraphQLResolveInfo

    from appsync.auth.modes import Caller
    from appsync.bindings import Binding
    from appsync.js.runtime import Evaluation, JsError, JsRuntime

DataSource = HttpDataSource | LambdaDataSource | None
"""A configured data source; None is AppSync's NONE type."""


@dataclass
class RequestContext:
    """Per-request state every resolver can reach (`info.context`)."""

    caller: Caller
    headers: Mapping[str, str]
    appended: list[dict[str, Any]] = field(default_factory=list)


class FieldResolver:
    """Resolves one bound field the way AppSync runs its resolver."""

    def __init__(self, binding: Binding, data_source: DataSource, js: JsRuntime | None) -> None:
        if binding.code is None and not isinstance(data_source, LambdaDataSource):
            raise ValueError(f"{binding.key}: only a Lambda data source can resolve without code")
        if binding.code is not None and js is None:
            raise ValueError(f"{binding.key}: APPSYNC_JS code needs a JS runtime")
        self.binding = binding
        self._data_source = data_source
        self._js = js

    async def __call__(self, source: Any, info: GraphQLResolveInfo[Any], **arguments: Any) -> Any:
        """graphql-core's resolver signature."""
        request: RequestContext = info.context
        ctx = build_context(
            info,
            arguments=arguments,
            source=source,
            identity=request.caller.identity,
            headers=request.headers,
        )
        if self.binding.code is None:
            return await self._invoke_lambda(ctx)
        return await self._run_js(ctx, info, request)

    async def _invoke_lambda(self, payload: Any) -> Any:
        assert isinstance(self._data_source, LambdaDataSource)
        try:
            return await self._data_source.invoke(payload)
        except LambdaInvocationError as exc:
            message = exc.message
            if exc.error_type == "UnauthorizedException":
                # AppSync replaces the function's message for this one error type.
                message = "You are not authorized to make this call."
            raise ResolverError(message, error_type=exc.error_type) from None

    async def _run_js(
        self, ctx: dict[str, Any], info: GraphQLResolveInfo[Any], request: RequestContext
    ) -> Any:
        assert self._js is not None
        mode = request.caller.mode.value
        # The ctx stays in this thread's JS context until the response handler runs (both
        # phases run on the event loop's thread); leaving the block by any path, a failing or
        # cancelled data source call included, releases it.
        before, pending = self._js.begin(self.binding.key, ctx, auth_type=mode)
        with pending:
            self._settle(before, info, request)
            if before.early_return:
                return before.result
            result, error = await self._call_data_source(before.result)
            after = self._js.finish(pending, result=result, error=error)
        self._settle(after, info, request)
        return after.result

    async def _call_data_source(self, request: Any) -> tuple[Any, Any]:
        """Run the handler's request object against the data source: (ctx.result, ctx.error)."""
        source = self._data_source
        if source is None:  # NONE: the request's payload comes straight back
            return (request.get("payload") if isinstance(request, Mapping) else request), None
        if not isinstance(request, Mapping):
            raise ResolverError(
                "The request handler must return an object.", error_type="MappingTemplate"
            )
        if isinstance(source, HttpDataSource):
            outcome = await source.send(request)
            return outcome.result, outcome.error
        try:
            return await source.invoke(request.get("payload")), None
        except LambdaInvocationError as exc:
            return None, {"message": exc.message, "type": exc.error_type}

    def _settle(
        self, evaluation: Evaluation, info: GraphQLResolveInfo[Any], request: RequestContext
    ) -> None:
        """Record appended errors; raise the handler's error, if it aborted."""
        path = info.path.as_list()
        for appended in evaluation.appended:
            request.appended.append(
                {
                    "path": path,
                    "data": filter_by_selection(appended.data, info),
                    "errorType": appended.error_type,
                    "errorInfo": appended.error_info,
                    "locations": _locations(info),
                    "message": appended.message,
                }
            )
        if evaluation.error is not None:
            raise _resolver_error(evaluation.error, info)


def _locations(info: GraphQLResolveInfo[Any]) -> list[dict[str, Any]]:
    locations = []
    for node in info.field_nodes:
        if node.loc is not None:
            where = node.loc.source.get_location(node.loc.start)
            locations.append({"line": where.line, "column": where.column, "sourceName": None})
    return locations


def _resolver_error(error: JsError, info: GraphQLResolveInfo[Any]) -> ResolverError:
    return ResolverError(
        error.message,
        error_type=error.error_type,
        data=filter_by_selection(error.data, info),
        error_info=error.error_info,
    )
