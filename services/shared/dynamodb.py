"""Where the pynamodb models live: table names and endpoint come from `Settings`.

A model declares its table's *short* name (`Meta.table_name = "customers"`). `bind` returns a
subclass pointing at the physical table (`settings.table_prefix` + short name) on
`settings.dynamodb_endpoint`, so one model class serves DynamoDB Local, every test's private
tables and AWS, without touching global state.
"""

from __future__ import annotations

import threading
import time
from typing import Any, TypeVar, cast

import botocore.session
import pynamodb.connection.base
from pynamodb.connection import Connection
from pynamodb.connection.base import BOTOCORE_EXCEPTIONS
from pynamodb.exceptions import GetError
from pynamodb.models import Model

from services.shared.errors import DependencyFailure
from services.shared.settings import Settings

M = TypeVar("M", bound=Model)

# Fail fast instead of hanging a request: DynamoDB answers in milliseconds or not at all.
CONNECT_TIMEOUT_S = 2
READ_TIMEOUT_S = 5
MAX_RETRY_ATTEMPTS = 3
# Kept-alive connections per model's client: a decision makes several reads at once and a worker
# serves many decisions at once. botocore's default of 10 would close and reopen connections
# under load ("Connection pool is full, discarding connection").
MAX_POOL_CONNECTIONS = 64

_bound: dict[tuple[Any, ...], type[Model]] = {}
_lock = threading.Lock()

# pynamodb gives each model's connection a botocore session of its own (client creation is not
# thread-safe), and each new session parses botocore's DynamoDB and endpoint JSON again: about
# 0.1 s apiece, most of the time it took to create a dozen tables or to serve the first request
# on each. Sessions made here share one loader, whose cache keeps what it has parsed; each still
# creates its clients alone.
_LOADER = botocore.session.get_session().get_component("data_loader")


def _session_sharing_the_loader(
    env_vars: dict[str, tuple[Any, Any, Any, Any]] | None = None,
) -> botocore.session.Session:
    session = botocore.session.get_session(env_vars)
    session.register_component("data_loader", _LOADER)
    return session


pynamodb.connection.base.get_session = _session_sharing_the_loader  # type: ignore[attr-defined]


def short_name(model: type[Model]) -> str:
    """The short table name a model declares (`customers`), before any prefix."""
    name = getattr(model, "SHORT_NAME", None) or model.Meta.table_name
    return str(name)


def bind(model: type[M], settings: Settings) -> type[M]:
    """`model` stored in the table `settings` name, at the endpoint `settings` give.

    The subclass is created once per (model, table, endpoint, region) and reused, so its
    connection pool is too.

    Example:
        >>> Customers = bind(CustomerModel, settings)  # doctest: +SKIP
        >>> Customers.Meta.table_name  # doctest: +SKIP
        'bnpl-dev-customers'
    """
    short = short_name(model)
    table = settings.table_name(short)
    key = (model, table, settings.dynamodb_endpoint, settings.region)
    with _lock:
        cached = _bound.get(key)
        if cached is None:
            meta = type(
                "Meta",
                (),
                {
                    "table_name": table,
                    "region": settings.region,
                    "host": settings.dynamodb_endpoint,
                    "connect_timeout_seconds": CONNECT_TIMEOUT_S,
                    "read_timeout_seconds": READ_TIMEOUT_S,
                    "max_retry_attempts": MAX_RETRY_ATTEMPTS,
                    "max_pool_connections": MAX_POOL_CONNECTIONS,
                    "billing_mode": "PAY_PER_REQUEST",
                },
            )
            cached = type(
                model.__name__,
                (model,),
                {
                    "Meta": meta,
                    # The short name stays reachable once Meta.table_name is the physical one.
                    "SHORT_NAME": short,
                    "_connection": None,
                    # Keep the model's own DoesNotExist so `except Model.DoesNotExist` still works.
                    "DoesNotExist": model.DoesNotExist,
                    "__module__": model.__module__,
                    "__qualname__": model.__qualname__,
                },
            )
            _bound[key] = cached
    return cast("type[M]", cached)


def connection(settings: Settings) -> Connection:
    """A low-level connection to the settings' endpoint, with the models' timeouts: what
    `TransactWrite` and `TransactGet` take, for writes that span several tables' items."""
    return Connection(
        region=settings.region,
        host=settings.dynamodb_endpoint,
        connect_timeout_seconds=CONNECT_TIMEOUT_S,
        read_timeout_seconds=READ_TIMEOUT_S,
        max_retry_attempts=MAX_RETRY_ATTEMPTS,
        max_pool_connections=MAX_POOL_CONNECTIONS,
    )


# How often keys DynamoDB left unprocessed (it was throttling) are asked for again.
BATCH_ATTEMPTS = 5
BATCH_BACKOFF_S = 0.02


def batch_get(
    connection: Connection, keys: dict[str, list[dict[str, Any]]]
) -> dict[str, list[dict[str, Any]]]:
    """Table → the items found of `keys` (table → raw keys), strongly consistent, in one
    BatchGetItem: keys DynamoDB did not get to are asked for again (pynamodb's `batch_get`
    reads one model's table only, and not consistently).

    Raises:
        GetError: the store could not be reached.
        DependencyFailure: keys stayed unprocessed after `BATCH_ATTEMPTS`.
    """
    request = {table: {"Keys": wanted, "ConsistentRead": True} for table, wanted in keys.items()}
    found: dict[str, list[dict[str, Any]]] = {table: [] for table in keys}
    for attempt in range(BATCH_ATTEMPTS):
        if attempt:
            time.sleep(BATCH_BACKOFF_S * attempt)
        try:
            answer = connection.dispatch("BatchGetItem", {"RequestItems": request})
        except BOTOCORE_EXCEPTIONS as exc:
            raise GetError("Failed to get the items", exc) from exc
        for table, items in answer.get("Responses", {}).items():
            found[table].extend(items)
        request = answer.get("UnprocessedKeys") or {}
        if not request:
            return found
    raise DependencyFailure("The store is unavailable; try again")
