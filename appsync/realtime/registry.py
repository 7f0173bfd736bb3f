"""The subscriptions of one API: registering them (`start`), looking them up, removing them.

AppSync's model (appsync.md §7.1; AWS developer guide "Using subscriptions for real-time data
applications", "Defining enhanced subscriptions filters"):

- a field of `Subscription` with `@aws_subscribe(mutations: [...])` fires when one of the named
  mutations completes; its subscribers receive that mutation's result;
- the subscriber's arguments filter by equality with the same-named fields of the result (an
  argument left out does not filter; an explicit null matches only null);
- a filter set by the subscription resolver's response handler
  (`extensions.setSubscriptionFilter`) replaces argument filtering;
- authorization happens when the subscription starts: the credentials of the `start` message,
  then the subscription field's auth directives (and its resolver, which may refuse).

The hub registers subscriptions here; what a `start` carries and how it is refused is in `start`,
and handing mutation results to subscribers in `fanout`.
"""

from __future__ import annotations

import inspect
import itertools
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graphql import (
    DocumentNode,
    FieldNode,
    OperationDefinitionNode,
    OperationType,
    execute,
    get_operation_ast,
)

from appsync.auth.iam import SignedRequest
from appsync.auth.modes import Unauthenticated
from appsync.errors import is_internal
from appsync.realtime.fanout import FanOut
from appsync.realtime.filters import (
    CompiledFilter,
    FilterError,
    compile_filter,
    matches,
    same_value,
)
from appsync.realtime.payload import Projection
from appsync.realtime.protocol import lower_keys
from appsync.realtime.roots import fragments_of, root_fields
from appsync.realtime.start import (
    SubscriptionRefused,
    given_arguments,
    refusal,
    refuses,
    start_payload,
    start_request,
)
from appsync.resolver import RequestContext

if TYPE_CHECKING:
    from appsync.api import AppSyncApi

__all__ = ["Subscription", "SubscriptionHub"]

logger = logging.getLogger("appsync")

Send = Callable[[str], None]
"""Queues one frame on the subscriber's connection."""

_PLAN_CACHE_SIZE = 512


@dataclass(eq=False)
class Subscription:
    """One registered `start`: who gets which events of which subscription field.

    Attributes:
        id: the client's id for it (unique on its connection).
        field_name: the subscription field.
        arguments: the arguments the subscriber gave, as sent (JSON values).
        filter: the enhanced filter its resolver set, if any (then arguments do not filter).
        projection: its selection set, compiled.
        send: queues a frame on its connection.
    """

    id: str
    field_name: str
    arguments: dict[str, Any]
    filter: CompiledFilter | None
    projection: Projection
    send: Send
    _hub: SubscriptionHub | None = field(default=None, repr=False)

    def accepts(self, published: Any) -> bool:
        """Whether this subscriber gets the event `published` (the mutation's result)."""
        if self.filter is not None:
            return matches(self.filter, published)
        if not self.arguments:
            return True
        if not isinstance(published, Mapping):
            return False
        return all(same_value(published.get(k), v) for k, v in self.arguments.items())

    def close(self) -> None:
        """Unregister (idempotent)."""
        if self._hub is not None:
            self._hub._remove(self)
            self._hub = None


class SubscriptionHub:
    """The subscriptions of one API, and the publisher its mutations call.

    Creating a hub attaches it to the API (`api.publisher`), so mutations run through
    `AppSyncApi.execute` publish to it.
    """

    def __init__(self, api: AppSyncApi) -> None:
        self._api = api
        schema = api.schema
        fields = schema.subscription_type.fields if schema.subscription_type else {}
        self._subscribers: dict[str, dict[int, Subscription]] = {name: {} for name in fields}
        self._count = 0
        self._ids = itertools.count()
        self._keys: dict[int, int] = {}
        self._plans: dict[tuple[int, str | None], tuple[DocumentNode, Projection]] = {}
        self._fanout = FanOut(schema, self._subscribers)
        api.publisher = self.publish

    @property
    def subscriber_count(self) -> int:
        """How many subscriptions are registered (all connections)."""
        return self._count

    async def start(
        self,
        subscription_id: str,
        payload: Any,
        *,
        source_ip: list[str],
        default_host: str,
        send: Send,
    ) -> Subscription:
        """Authorize and register the subscription of a `start` message's payload.

        Args:
            subscription_id: the message's id.
            payload: the message's payload: `data` (the request as a JSON string) and
                `extensions.authorization` (the request's credentials).
            source_ip: the client's address(es), for `ctx.identity.sourceIp`.
            default_host: the host to sign-check against when the authorization has none.
            send: queues a frame on the subscriber's connection.

        Raises:
            SubscriptionRefused: with the `errors` AppSync would send for the id.
        """
        data, authorization = start_payload(payload)
        query, variables, operation_name = start_request(data)
        headers = lower_keys(authorization)
        host = headers.get("host") or default_host
        # IAM signs the subscription request itself: POST https://<host>/graphql with `data` as
        # the body (AWS guide, "Authorization object for subscription registration").
        signed = SignedRequest(
            method="POST",
            url=f"https://{host}/graphql",
            headers=headers,
            body=data.encode(),
            source_ip=source_ip,
        )
        try:
            caller = await self._api.authenticate(signed)
        except Unauthenticated as exc:
            raise SubscriptionRefused(
                [{"errorType": "UnauthorizedException", "message": exc.message}]
            ) from None
        document = self._document(query)
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            message = (
                f"Unknown operation named '{operation_name}'."
                if operation_name
                else "Must provide operation name if query contains multiple operations."
            )
            raise SubscriptionRefused([{"message": message, "errorCode": 400}])
        if operation.operation is not OperationType.SUBSCRIPTION:
            # The wording AppSync sends for a query or mutation on the realtime channel
            # (reported as "<operation> not supported through the realtime channel").
            raise SubscriptionRefused(
                [
                    {
                        "errorType": "UnsupportedOperation",
                        "message": f"{operation.operation.value} not supported through the "
                        "realtime channel",
                    }
                ]
            )
        context = RequestContext(caller=caller, headers=headers)
        outcome = execute(
            self._api.schema,
            document,
            context_value=context,
            variable_values=variables,
            operation_name=operation_name,
        )
        result = await outcome if inspect.isawaitable(outcome) else outcome
        broken = [e.original_error for e in result.errors or () if is_internal(e)]
        if broken:
            logger.error(
                "subscription %s: its resolver failed inside the emulator",
                subscription_id,
                exc_info=broken[0],
            )
        refusals = [refusal(e) for e in result.errors or () if refuses(e)]
        if refusals:
            raise SubscriptionRefused(refusals)
        field_node, projection = self._plan(document, operation)
        compiled = None
        # What the subscription resolver's response handler passed to
        # `extensions.setSubscriptionFilter` (the resolver copies it onto the request context).
        raw_filter = context.subscription_filter
        if raw_filter is not None:
            try:
                compiled = compile_filter(raw_filter)
            except FilterError as exc:
                # AppSync refuses the subscription; the exact errorType is UNVERIFIED.
                raise SubscriptionRefused(
                    [{"errorType": "ValidationError", "message": str(exc)}]
                ) from None
        subscription = Subscription(
            id=subscription_id,
            field_name=field_node.name.value,
            arguments=given_arguments(field_node, variables or {}),
            filter=compiled,
            projection=projection,
            send=send,
            _hub=self,
        )
        key = next(self._ids)
        self._keys[id(subscription)] = key
        self._subscribers[subscription.field_name][key] = subscription
        self._count += 1
        return subscription

    def _document(self, query: str) -> DocumentNode:
        from appsync.api import MalformedRequest  # the api module imports this package

        try:
            parsed = self._api._parse(query)
        except MalformedRequest as exc:
            raise SubscriptionRefused([{"message": str(exc), "errorCode": 400}]) from None
        if isinstance(parsed, list):
            # A validation failure on `start`: graphql-java's message with errorCode 400, the
            # shape reported by amplify-js users. UNVERIFIED.
            raise SubscriptionRefused([{"message": e.message, "errorCode": 400} for e in parsed])
        return parsed

    def _plan(
        self, document: DocumentNode, operation: OperationDefinitionNode
    ) -> tuple[FieldNode, Projection]:
        key = (id(document), operation.name.value if operation.name else None)
        cached = self._plans.get(key)
        field_node = root_fields(operation, fragments_of(document))[0]
        if cached is not None and cached[0] is document:
            return field_node, cached[1]
        subscription_type = self._api.schema.subscription_type
        assert subscription_type is not None  # a subscription operation validated
        definition = subscription_type.fields[field_node.name.value]
        projection = Projection.compile(
            self._api.schema, field_node, definition.type, fragments_of(document)
        )
        if len(self._plans) >= _PLAN_CACHE_SIZE:
            self._plans.clear()
        self._plans[key] = (document, projection)
        return field_node, projection

    def _remove(self, subscription: Subscription) -> None:
        key = self._keys.pop(id(subscription), None)
        if key is None:
            return
        removed = self._subscribers[subscription.field_name].pop(key, None)
        if removed is not None:
            self._count -= 1

    def publish(
        self,
        document: DocumentNode,
        operation_name: str | None,
        data: Mapping[str, Any],
        errors: list[dict[str, Any]],
    ) -> None:
        """Fan a completed operation's mutation results out to their subscribers
        (`FanOut.publish`); with none registered, nothing is looked at."""
        if self._count:
            self._fanout.publish(document, operation_name, data, errors)
