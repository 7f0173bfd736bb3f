"""One APPSYNC_JS step's data-source call: the request object in, `(ctx.result, ctx.error)` out.

Shared by unit resolvers and pipeline functions. A Lambda request with `operation:
"BatchInvoke"` goes through the request's batch loader for that resolver or function, so the
function gets one list of payloads and answers with one list (appsync.md §4). Every call is
bounded by the request's deadline; one still running then fails as AppSync reports it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from appsync.batching import BatchSizeMismatch
from appsync.datasources.http import HttpDataSource
from appsync.datasources.lambda_function import LambdaDataSource, LambdaInvocationError
from appsync.errors import ResolverError
from appsync.limits import TIMED_OUT_MESSAGE
from appsync.request import RequestContext

DataSource = HttpDataSource | LambdaDataSource | None
"""A configured data source; None is AppSync's NONE type."""

DEFAULT_JS_BATCH_SIZE = 5
"""Batch size of a `BatchInvoke` request from a resolver or function whose maxBatchSize is 0.
UNVERIFIED: AppSync's historical fixed batch size (aws/aws-appsync-community#51,
aws/aws-cdk#20467); the docs do not say what maxBatchSize 0 does with BatchInvoke."""

_OPERATIONS = frozenset({"Invoke", "BatchInvoke"})


def timed_out(prefix: str) -> dict[str, Any]:
    """`ctx.error` of a call the request's time limit cut off."""
    return {"message": TIMED_OUT_MESSAGE, "type": f"{prefix}:ExecutionTimeoutException"}


async def call_data_source(
    source: DataSource,
    request: Any,
    state: RequestContext,
    *,
    batch_key: str,
    max_batch_size: int,
) -> tuple[Any, Any]:
    """Run a request handler's request object against `source`: `(ctx.result, ctx.error)`.

    Args:
        source: the data source; None is NONE, which gives back the request's `payload`.
        request: what the request handler returned.
        state: the request (deadline, batch loaders).
        batch_key: which loader batches a `BatchInvoke` (the resolver's or function's id).
        max_batch_size: the resolver's or function's `maxBatchSize`.

    Raises:
        ResolverError: the request object is not one the data source takes.
    """
    if source is None:  # NONE: the request's payload comes straight back (appsync.md §6.4)
        return (request.get("payload") if isinstance(request, Mapping) else request), None
    if not isinstance(request, Mapping):
        raise ResolverError(
            "The request handler must return an object.", error_type="MappingTemplate"
        )
    if isinstance(source, HttpDataSource):
        try:
            async with asyncio.timeout_at(state.deadline):
                outcome = await source.send(request)
        except TimeoutError:
            return None, timed_out("Http")
        return outcome.result, outcome.error
    return await _call_lambda(source, request, state, batch_key, max_batch_size)


async def _call_lambda(
    source: LambdaDataSource,
    request: Mapping[str, Any],
    state: RequestContext,
    batch_key: str,
    max_batch_size: int,
) -> tuple[Any, Any]:
    """Invoke, or queue for a BatchInvoke; a failure is `ctx.error` (`{message, type}`)."""
    operation = request.get("operation", "Invoke")
    if operation not in _OPERATIONS:
        raise ResolverError(
            f"Unsupported operation '{operation}' for a Lambda data source: use Invoke or "
            "BatchInvoke.",
            error_type="MappingTemplate",
        )
    try:
        async with asyncio.timeout_at(state.deadline):
            if operation == "BatchInvoke":
                loader = state.loader(
                    batch_key, source.invoke, max_batch_size or DEFAULT_JS_BATCH_SIZE
                )
                return await loader.load(request.get("payload")), None
            return await source.invoke(request.get("payload")), None
    except LambdaInvocationError as exc:
        return None, {"message": exc.message, "type": exc.error_type}
    except BatchSizeMismatch as exc:
        return None, {"message": str(exc), "type": "Lambda:Unhandled"}
    except TimeoutError:
        return None, timed_out("Lambda")
