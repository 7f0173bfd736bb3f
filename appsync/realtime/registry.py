"""The subscriptions of one API: registering them (`start`) and fanning mutations out to them.

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

Publishing is synchronous and cheap: `publish` matches subscribers, projects the event once per
distinct subscription document and hands each subscriber its frame (its connection's writer sends
it), so the mutation's HTTP response never waits on a WebSocket.
"""

from __future__ import annotations

import inspect
import itertools
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    InlineFragmentNode,
    ListValueNode,
    OperationDefinitionNode,
    OperationType,
    StringValueNode,
    VariableNode,
    execute,
    get_operation_ast,
    value_from_ast_untyped,
)

from appsync.auth.iam import SignedRequest
from appsync.auth.modes import Unauthenticated
from appsync.errors import ResolverError, error_entry
from appsync.realtime.filters import (
    CompiledFilter,
    FilterError,
    compile_filter,
    matches,
    same_value,
)
from appsync.realtime.payload import Projection, by_field_name, project
from appsync.realtime.protocol import data_frame, encode_payload, lower_keys
from appsync.resolver import RequestContext

if TYPE_CHECKING:
    from appsync.api import AppSyncApi

__all__ = ["Subscription", "SubscriptionHub", "SubscriptionRefused", "subscribed_mutations"]

logger = logging.getLogger("appsync")

Send = Callable[[str], None]
"""Queues one frame on the subscriber's connection."""

_PLAN_CACHE_SIZE = 512


class SubscriptionRefused(Exception):  # noqa: N818 - named after AppSync's outcome
    """The `start` is refused: the connection answers with an `error` message of these."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors[0]["message"] if errors else "refused")
        self.errors = errors


def subscribed_mutations(schema_subscription: GraphQLObjectType | None) -> dict[str, list[str]]:
    """Mutation name → the subscription fields whose `@aws_subscribe(mutations:)` names it."""
    by_mutation: dict[str, list[str]] = {}
    if schema_subscription is None:
        return by_mutation
    for name, definition in schema_subscription.fields.items():
        node = definition.ast_node
        for directive in (node.directives or ()) if node is not None else ():
            if directive.name.value != "aws_subscribe":
                continue
            for argument in directive.arguments or ():
                values = argument.value
                if argument.name.value == "mutations" and isinstance(values, ListValueNode):
                    for value in values.values:
                        if isinstance(value, StringValueNode):
                            by_mutation.setdefault(value.value, []).append(name)
    return by_mutation


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


@dataclass(frozen=True)
class _Root:
    key: str
    name: str
    node: FieldNode


class SubscriptionHub:
    """The subscriptions of one API, and the publisher its mutations call.

    Creating a hub attaches it to the API (`api.publisher`), so mutations run through
    `AppSyncApi.execute` publish to it.
    """

    def __init__(self, api: AppSyncApi) -> None:
        self._api = api
        schema = api.schema
        self._by_mutation = subscribed_mutations(schema.subscription_type)
        fields = schema.subscription_type.fields if schema.subscription_type else {}
        self._subscribers: dict[str, dict[int, Subscription]] = {name: {} for name in fields}
        self._count = 0
        self._ids = itertools.count()
        self._keys: dict[int, int] = {}
        self._roots: dict[int, tuple[DocumentNode, tuple[_Root, ...], dict[str, Any]]] = {}
        self._plans: dict[tuple[int, str | None], tuple[DocumentNode, Projection]] = {}
        api.publisher = self.publish

    @property
    def subscriber_count(self) -> int:
        """How many subscriptions are registered (all connections)."""
        return self._count

    # ------------------------------------------------------------------ start

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
        data, authorization = _start_payload(payload)
        query, variables, operation_name = _request(data)
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
        refusals = [_refusal(e) for e in result.errors or () if _refuses(e)]
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
            arguments=_given_arguments(field_node, variables or {}),
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
        field_node = _root_fields(operation, _fragments(document))[0]
        if cached is not None and cached[0] is document:
            return field_node, cached[1]
        subscription_type = self._api.schema.subscription_type
        assert subscription_type is not None  # a subscription operation validated
        definition = subscription_type.fields[field_node.name.value]
        projection = Projection.compile(
            self._api.schema, field_node, definition.type, _fragments(document)
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

    # ---------------------------------------------------------------- publish

    def publish(
        self,
        document: DocumentNode,
        operation_name: str | None,
        data: Mapping[str, Any],
        errors: list[dict[str, Any]],
    ) -> None:
        """Fan a completed operation's mutation results out to their subscribers.

        A root mutation field publishes when a subscription field names it, it resolved to a
        value (not null) and it has no error entry: a failed mutation notifies nobody.
        """
        if not self._count:
            return
        document_roots = self._roots.get(id(document))
        if document_roots is None or document_roots[0] is not document:
            document_roots = self._published_roots(document, operation_name)
        _, roots, fragments = document_roots
        for root in roots:
            value = data.get(root.key)
            if value is None or any(_under(error, root.key) for error in errors):
                continue
            published = by_field_name(value, root.node.selection_set, fragments)
            for field_name in self._by_mutation[root.name]:
                self._deliver(field_name, published)

    def _published_roots(
        self, document: DocumentNode, operation_name: str | None
    ) -> tuple[DocumentNode, tuple[_Root, ...], dict[str, Any]]:
        operation = get_operation_ast(document, operation_name)
        fragments = _fragments(document)
        roots: tuple[_Root, ...] = ()
        if operation is not None and operation.operation is OperationType.MUTATION:
            roots = tuple(
                _Root(node.alias.value if node.alias else node.name.value, node.name.value, node)
                for node in _root_fields(operation, fragments)
                if node.name.value in self._by_mutation
            )
        if len(self._roots) >= _PLAN_CACHE_SIZE:
            self._roots.clear()
        entry = (document, roots, fragments)
        # Operation names pick the operation; documents with several are keyed by both.
        if len(document.definitions) == 1 or operation_name is None:
            self._roots[id(document)] = entry
        return entry

    def _deliver(self, field_name: str, published: Any) -> None:
        subscribers = self._subscribers.get(field_name)
        if not subscribers:
            return
        encoded: dict[int, str] = {}
        for subscription in list(subscribers.values()):
            if not subscription.accepts(published):
                continue
            plan = id(subscription.projection)
            payload = encoded.get(plan)
            if payload is None:
                payload = encoded[plan] = encode_payload(
                    project(subscription.projection, published)
                )
            subscription.send(data_frame(subscription.id, payload))


def _start_payload(payload: Any) -> tuple[str, Mapping[str, Any]]:
    if not isinstance(payload, Mapping) or not isinstance(payload.get("data"), str):
        raise SubscriptionRefused(
            [{"message": "The start payload needs data, the request as a JSON string."}]
        )
    extensions = payload.get("extensions")
    authorization = extensions.get("authorization") if isinstance(extensions, Mapping) else None
    if not isinstance(authorization, Mapping):
        # Each start carries its own authorization (AWS guide); without it nothing verifies.
        raise SubscriptionRefused(
            [
                {
                    "errorType": "UnauthorizedException",
                    "message": "Valid authorization header not provided.",
                }
            ]
        )
    return payload["data"], authorization


def _request(data: str) -> tuple[str, dict[str, Any] | None, str | None]:
    try:
        request = json.loads(data)
    except ValueError:
        request = None
    if not isinstance(request, dict) or not isinstance(request.get("query"), str):
        raise SubscriptionRefused([{"message": "Unable to parse GraphQL query.", "errorCode": 400}])
    variables = request.get("variables")
    operation_name = request.get("operationName")
    return (
        request["query"],
        variables if isinstance(variables, dict) else None,
        operation_name if isinstance(operation_name, str) else None,
    )


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def _root_fields(
    operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> list[FieldNode]:
    nodes: list[FieldNode] = []
    pending = [operation.selection_set]
    while pending:
        for selection in pending.pop(0).selections:
            if isinstance(selection, FieldNode):
                nodes.append(selection)
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode) and (
                fragment := fragments.get(selection.name.value)
            ):
                pending.append(fragment.selection_set)
    return nodes


def _given_arguments(field_node: FieldNode, variables: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments the subscriber gave, as JSON values: a variable left out of `variables`
    counts as not given (AppSync: an argument left out does not filter; null is a value)."""
    given: dict[str, Any] = {}
    for argument in field_node.arguments or ():
        node = argument.value
        if isinstance(node, VariableNode):
            if node.name.value in variables:
                given[argument.name.value] = variables[node.name.value]
            continue
        given[argument.name.value] = value_from_ast_untyped(node, dict(variables))
    return given


def _under(error: Mapping[str, Any], key: str) -> bool:
    path = error.get("path")
    return isinstance(path, list) and bool(path) and path[0] == key


def _refuses(error: GraphQLError) -> bool:
    # A resolver's refusal (denied field, util.error, util.unauthorized) or a request-level
    # error (variables) refuses the start; a subscription resolver that returns null for a
    # non-null field does not: the event's payload is what subscribers get, not that value.
    return error.path is None or isinstance(error.original_error, ResolverError)


def _refusal(error: GraphQLError) -> dict[str, Any]:
    entry = error_entry(error)
    refusal: dict[str, Any] = {"errorType": entry["errorType"], "message": entry["message"]}
    if entry["errorType"] is None:
        del refusal["errorType"]
        refusal["errorCode"] = 400
    return refusal
