"""Per-request state every resolver can reach (`info.context`), and the limits it enforces."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from appsync.batching import BatchLoader, Dispatch
from appsync.limits import MAX_RESPONSE_BYTES, RESOLVER_COUNT_LIMIT, resolver_count_exceeded

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
    """

    caller: Caller
    headers: Mapping[str, str]
    appended: list[dict[str, Any]] = field(default_factory=list)
    deadline: float | None = None
    resolvers_run: int = 0
    subscription_filter: Any = None
    _loaders: dict[str, BatchLoader] | None = None

    def count_resolver(self, limits: ResolverLimits) -> None:
        """Count one more resolver run.

        Raises:
            ResolverError: the request is past its resolver count limit; this one must not run.
        """
        self.resolvers_run += 1
        if self.resolvers_run > limits.resolver_count:
            raise resolver_count_exceeded(limits.resolver_count)

    def loader(self, key: str, dispatch: Dispatch, max_batch_size: int) -> BatchLoader:
        """The request's batch loader for one resolver or function (created on first use)."""
        if self._loaders is None:
            self._loaders = {}
        loader = self._loaders.get(key)
        if loader is None:
            loader = self._loaders[key] = BatchLoader(dispatch, max_batch_size)
        return loader
