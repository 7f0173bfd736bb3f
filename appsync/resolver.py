"""How one bound field is resolved: an APPSYNC_JS unit resolver or a direct Lambda resolver.

Pipeline resolvers are in `appsync/pipeline.py`; both run their APPSYNC_JS steps with
`JsStep` below and their data-source calls with `appsync/datasources/calls.py`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from appsync.batching import BatchSizeMismatch
from appsync.context import build_context, filter_by_selection
from appsync.datasources.calls import DataSource, call_data_source, timed_out
from appsync.datasources.http import HttpDataSource
from appsync.datasources.lambda_function import LambdaDataSource, LambdaInvocationError
from appsync.errors import ResolverError
from appsync.limits import check_response_size
from appsync.request import RequestContext, ResolverLimits

if TYPE_CHECKING:
    from graphql import GraphQLResolveInfo

    from appsync.bindings import Binding
    from appsync.js.runtime import Evaluation, JsError, JsRuntime

__all__ = ["DataSource", "FieldResolver", "JsStep", "RequestContext", "ResolverLimits"]


class JsStep:
    """One APPSYNC_JS resolver or function with its data source: request → source → response.

    Args:
        key: the id its code is loaded under in `js`.
        data_source: where the request object goes.
        js: the runtime.
        max_batch_size: for `BatchInvoke` requests to a Lambda data source.
        limits: the API's per-resolver limits.
    """

    def __init__(
        self,
        key: str,
        data_source: DataSource,
        js: JsRuntime,
        *,
        max_batch_size: int,
        limits: ResolverLimits,
    ) -> None:
        self.key = key
        self._data_source = data_source
        self._js = js
        self._max_batch_size = max_batch_size
        self._limits = limits

    async def run(
        self, ctx: dict[str, Any], info: GraphQLResolveInfo[Any], request: RequestContext
    ) -> Evaluation:
        """Run the step on `ctx`; the evaluation that ends it (its `result` is the step's).

        A request handler that returns early ends the step with its own evaluation. A step
        whose data source does I/O holds one of the request's slots (`appsync.admission`)
        from its request handler to its response handler, so the contexts parked in between
        stay bounded; a `BatchInvoke` gives it back while it waits for its batch, which is one
        call for many steps.

        Raises:
            ResolverError: a handler aborted (`util.error`), or a result was too large.
            Overloaded: the API had no slot free in time.
        """
        kind = _source_kind(self._data_source)
        slot = _Slot(request, held=kind is not None and await request.take_slot(kind))
        try:
            return await self._run(ctx, info, request, slot)
        finally:
            slot.release()

    async def _run(
        self,
        ctx: dict[str, Any],
        info: GraphQLResolveInfo[Any],
        request: RequestContext,
        slot: _Slot,
    ) -> Evaluation:
        mode = request.caller.mode.value
        # The ctx stays in this thread's JS context until the response handler runs (both
        # phases run on the event loop's thread); leaving the block by any path, a failing or
        # cancelled data source call included, releases it.
        before, pending = self._js.begin(self.key, ctx, auth_type=mode)
        with pending:
            settle(before, info, request)
            check_response_size(before.result, self._limits.response_bytes)
            if before.early_return:
                return before
            if _batched(before.result):
                slot.release()
            result, error = await call_data_source(
                self._data_source,
                before.result,
                request,
                batch_key=self.key,
                max_batch_size=self._max_batch_size,
            )
            after = self._js.finish(pending, result=result, error=error)
        settle(after, info, request)
        check_response_size(after.result, self._limits.response_bytes)
        return after


class _Slot:
    """A request slot one step holds; given back once, however the step ends."""

    __slots__ = ("_request", "held")

    def __init__(self, request: RequestContext, *, held: bool) -> None:
        self._request = request
        self.held = held

    def release(self) -> None:
        if self.held:
            self.held = False
            self._request.give_slot()


def _source_kind(source: DataSource) -> str | None:
    """`Http` or `Lambda` for a data source that does I/O; None for NONE."""
    if source is None:
        return None
    return "Http" if isinstance(source, HttpDataSource) else "Lambda"


def _batched(request: Any) -> bool:
    return isinstance(request, Mapping) and request.get("operation") == "BatchInvoke"


class FieldResolver:
    """Resolves one bound UNIT field the way AppSync runs its resolver.

    Args:
        binding: the resolver.
        data_source: its data source.
        js: the runtime its code runs in (needed when it has code).
        limits: the API's per-resolver limits.
    """

    def __init__(
        self,
        binding: Binding,
        data_source: DataSource,
        js: JsRuntime | None,
        *,
        limits: ResolverLimits | None = None,
    ) -> None:
        if binding.code is None and not isinstance(data_source, LambdaDataSource):
            raise ValueError(f"{binding.key}: only a Lambda data source can resolve without code")
        if binding.code is not None and js is None:
            raise ValueError(f"{binding.key}: APPSYNC_JS code needs a JS runtime")
        self.binding = binding
        self._data_source = data_source
        self._limits = limits or ResolverLimits()
        self._step = (
            None
            if js is None or binding.code is None
            else JsStep(
                binding.key,
                data_source,
                js,
                max_batch_size=binding.max_batch_size,
                limits=self._limits,
            )
        )

    async def __call__(self, source: Any, info: GraphQLResolveInfo[Any], **arguments: Any) -> Any:
        """graphql-core's resolver signature."""
        request: RequestContext = info.context
        request.count_resolver(self._limits)
        ctx = build_context(
            info,
            arguments=arguments,
            source=source,
            identity=request.caller.identity,
            headers=request.headers,
        )
        if self._step is None:
            if self.binding.max_batch_size > 0:
                return await self._invoke_batched(ctx, info, request)
            held = await request.take_slot("Lambda")
            try:
                return await self._invoke_lambda(ctx, request)
            finally:
                if held:
                    request.give_slot()
        return (await self._step.run(ctx, info, request)).result

    async def _invoke_lambda(self, payload: Any, request: RequestContext) -> Any:
        """Direct Lambda, Invoke: the whole context is the event (appsync.md §4)."""
        assert isinstance(self._data_source, LambdaDataSource)
        try:
            async with asyncio.timeout_at(request.deadline):
                result = await self._data_source.invoke(payload)
        except LambdaInvocationError as exc:
            raise _lambda_error(exc) from None
        except TimeoutError:
            raise _timeout_error() from None
        check_response_size(result, self._limits.response_bytes)
        return result

    async def _invoke_batched(
        self, ctx: dict[str, Any], info: GraphQLResolveInfo[Any], request: RequestContext
    ) -> Any:
        """Direct Lambda with maxBatchSize > 0: a list of contexts in, a list of
        `{data, errorMessage, errorType}` out, one per context (appsync.md §4)."""
        assert isinstance(self._data_source, LambdaDataSource)
        loader = request.loader(
            self.binding.key, self._data_source.invoke, self.binding.max_batch_size
        )
        try:
            async with asyncio.timeout_at(request.deadline):
                item = await loader.load(ctx)
        except LambdaInvocationError as exc:  # the whole batch failed: every field gets it
            raise _lambda_error(exc) from None
        except TimeoutError:
            raise _timeout_error() from None
        except BatchSizeMismatch as exc:  # a malformed batch answer fails each item
            raise ResolverError(str(exc), error_type="Lambda:Unhandled") from None
        # The default batch response: `#if($ctx.result && $ctx.result.errorMessage)
        # $util.error(errorMessage, errorType, data) #else $util.toJson($ctx.result.data)`;
        # other keys of the item are ignored, and an item may be null.
        if not isinstance(item, Mapping):
            return None
        if item.get("errorMessage"):
            raise ResolverError(
                str(item["errorMessage"]),
                error_type=None if item.get("errorType") is None else str(item["errorType"]),
                data=filter_by_selection(item.get("data"), info),
            )
        data = item.get("data")
        check_response_size(data, self._limits.response_bytes)
        return data


def _lambda_error(exc: LambdaInvocationError) -> ResolverError:
    message = exc.message
    if exc.error_type == "UnauthorizedException":
        # AppSync replaces the function's message for this one error type.
        message = "You are not authorized to make this call."
    return ResolverError(message, error_type=exc.error_type)


def _timeout_error() -> ResolverError:
    error = timed_out("Lambda")
    return ResolverError(error["message"], error_type=error["type"])


def settle(evaluation: Evaluation, info: GraphQLResolveInfo[Any], request: RequestContext) -> None:
    """Record a handler's appended errors; raise its error, if it aborted."""
    if evaluation.subscription_filter is not None:  # a subscription resolver's enhanced filter
        request.subscription_filter = evaluation.subscription_filter
    if evaluation.appended:
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
