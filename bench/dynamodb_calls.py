"""Counting the DynamoDB calls botocore makes, by operation: what one decision costs in storage.

`bench.decision` reports it; the tests that hold a request to its number of calls use it too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from botocore.client import BaseClient

from services.credit.models import CreditEventModel

EVENT_BUS_TABLE = CreditEventModel.Meta.table_name


CallLabel = Callable[[str, Mapping[str, Any]], str | None]
"""Names the count a DynamoDB call adds to, from its operation and parameters; None: not counted."""


def by_operation(operation: str, params: Mapping[str, Any]) -> str:
    """A call's operation, the local event bus's own apart: the local stack's event bus is a
    table; in AWS a rejection event goes to EventBridge, not to DynamoDB."""
    bus = str(params.get("TableName", "")).endswith(EVENT_BUS_TABLE)
    return f"{operation} (the local event bus)" if bus else operation


@contextmanager
def counted_dynamodb_calls(label: CallLabel = by_operation) -> Iterator[Counter[str]]:
    """Count the DynamoDB calls botocore makes from this process (any thread) in the block, each
    under the name `label` gives it (by default its operation); a call it names None is not
    counted. The tests that count a request's DynamoDB calls use it too."""
    calls: Counter[str] = Counter()
    original = getattr(BaseClient, "_make_api_call")  # noqa: B009 - botocore's private hook

    def counting(client: BaseClient, operation: str, params: Any) -> Any:
        if client.meta.service_model.service_name == "dynamodb":
            name = label(operation, params)
            if name is not None:
                calls[name] += 1
        return original(client, operation, params)

    setattr(BaseClient, "_make_api_call", counting)  # noqa: B010
    try:
        yield calls
    finally:
        setattr(BaseClient, "_make_api_call", original)  # noqa: B010
