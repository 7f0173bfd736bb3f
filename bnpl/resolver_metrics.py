"""The local AppSync's resolver errors, counted by `errorType` (`ResolverErrors`, service
`appsync`), so `bnpl metrics` shows which errors the API answered, and how often.

The emulator engine (`appsync/`) is independent of the product and keeps no metrics: it tells a
listener of each operation's error entries (`AppSyncApi.on_errors`), and the stack wires this
counter to the same EMF sink the services use.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from services.shared.metrics import MetricsSink, count

# GraphQL's own errors (a null for a non-null field) carry no errorType.
NO_ERROR_TYPE = "none"


def resolver_error_counter(
    metrics: MetricsSink,
) -> Callable[[Sequence[Mapping[str, Any]]], None]:
    """A listener for `AppSyncApi.on_errors`: one event per request and `errorType`, whose
    value is how many of the request's fields failed so (a query of many aliases that all fail
    is one event, not one per alias). Entries without a `path` refused the whole document
    before any resolver ran; they are not resolver errors.

    Example:
        >>> api.on_errors = resolver_error_counter(EmfMetrics(service="appsync"))  # doctest: +SKIP
    """

    def counted(errors: Sequence[Mapping[str, Any]]) -> None:
        kinds = Counter(
            str(error.get("errorType") or NO_ERROR_TYPE)
            for error in errors
            if error.get("path") is not None
        )
        for error_type, errors_of_type in sorted(kinds.items()):
            metrics.emit(count("ResolverErrors", errors_of_type), errorType=error_type)

    return counted
