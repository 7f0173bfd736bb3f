"""Per-request state every resolver can reach (`info.context`), and the limits it enforces."""

from __future__ import annotations

import asyncio
import functools
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from appsync import tracing
from appsync.admission import RequestSlots
from appsync.batching import BatchLoader, Dispatch
from appsync.errors import ResolverError
from appsync.limits import (
    MAX_RESPONSE_BYTES,
    RESOLVER_COUNT_LIMIT,
    TIMED_OUT_MESSAGE,
    resolver_count_exceeded,
)

if TYPE_CHECKING:
    from appsync.auth.modes import Caller


@dataclass(frozen=True)
class ResolverLimits:
    """The limits each resolver call checks (set once per API, from its config).

    Attributes:
        resolver_count: resolvers one request may run (`resolverCountLimit`).
        response_bytes: largest evaluated response of one resolver, function or handler.
    """

    resolver_count: int = RESOLVER_COUNT_LIMIT
    response_bytes: int = MAX_RESPONSE_BYTES


@dataclass
class RequestContext:
    """Per-request state every resolver can reach (`info.context`).

    Attributes:
        caller: who is calling, in which mode.
        headers: the request's headers (lower-cased names).
        appended: `util.appendError` entries, in AppSync's error shape.
        deadline: the event loop time (`loop.time()`) by which the request must finish
            (AppSync's 30 s); None for none. Data-source calls still running then fail.
        resolvers_run: how many resolvers this request started (`resolverCountLimit`).
        subscription_filter: what a handler set with `extensions.setSubscriptionFilter` (read
            by `appsync.realtime` when a subscription starts).
        slots: bounds how many of its resolvers call data sources at once (None: unbounded).
        refused_past_limit: resolvers refused by the resolver count limit (logged once).
    """

    caller: Caller
    headers: Mapping[str, str]
    appended: list[dict[str, Any]] = field(default_factory=list)
    deadline: float | None = None
    resolvers_run: int = 0
    subscription_filter: Any = None
    slots: RequestSlots | None = None
    refused_past_limit: int = 0
    _loaders: dict[str, BatchLoader] | None = None

    @functools.cached_property
    def request_id(self) -> str:
        """The id AppSync gave the request (`x-amzn-RequestId`); a new one for work outside
        an HTTP request (a subscription's start)."""
        trace = tracing.current()
        return trace.request_id if trace is not None else str(uuid.uuid4())

    def count_resolver(self, limits: ResolverLimits) -> None:
        """Count one more resolver run.

        Raises:
            ResolverError: the request is past its resolver count limit; this one must not run.
        """
        self.resolvers_run += 1
        if self.resolvers_run > limits.resolver_count:
            self.refused_past_limit += 1
            raise resolver_count_exceeded(limits.resolver_count)

    async def take_slot(self, source_kind: str) -> bool:
        """Take one of the request's data-source slots (`appsync.admission`) for a resolver;
        True when one was taken, which `give_slot` must then give back.

        Args:
            source_kind: `Http` or `Lambda`, for the timeout error's type.

        Raises:
            Overloaded: the API had no slot free in time.
            ResolverError: the request's time ran out while waiting for a slot.
        """
        if self.slots is None:
            return False
        if self.slots.free:  # the usual case: no timer to arm and cancel
            await self.slots.acquire()
            return True
        try:
            async with asyncio.timeout_at(self.deadline):
                await self.slots.acquire()
        except TimeoutError:
            raise ResolverError(
                TIMED_OUT_MESSAGE, error_type=f"{source_kind}:ExecutionTimeoutException"
            ) from None
        return True

    def give_slot(self) -> None:
        """Give back the slot `take_slot` took."""
        assert self.slots is not None
        self.slots.release()

    def loader(self, key: str, dispatch: Dispatch, max_batch_size: int) -> BatchLoader:
        """The request's batch loader for one resolver or function (created on first use)."""
        if self._loaders is None:
            self._loaders = {}
        loader = self._loaders.get(key)
        if loader is None:
            loader = self._loaders[key] = BatchLoader(dispatch, max_batch_size)
        return loader
