"""Fan-out: which subscriptions a completed mutation notifies, and delivering their frames.

Publishing is synchronous and cheap: `FanOut.publish` matches subscribers, projects the event once
per distinct subscription document and hands each subscriber its frame (its connection's writer
sends it), so the mutation's HTTP response never waits on a WebSocket.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLObjectType,
    GraphQLSchema,
    ListValueNode,
    OperationType,
    StringValueNode,
    get_operation_ast,
)

from appsync.realtime.payload import by_field_name, project
from appsync.realtime.protocol import data_frame, encode_payload
from appsync.realtime.roots import fragments_of, root_fields

if TYPE_CHECKING:
    from appsync.realtime.registry import Subscription

logger = logging.getLogger("appsync")

__all__ = ["FanOut", "subscribed_mutations"]

_ROOTS_CACHE_SIZE = 512


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


@dataclass(frozen=True)
class _Root:
    key: str
    name: str
    node: FieldNode


class FanOut:
    """Delivers mutation results to the subscribers of the subscription fields naming them.

    `subscribers` is the registry's live table (subscription field → its subscriptions), read at
    each publish.
    """

    def __init__(
        self, schema: GraphQLSchema, subscribers: Mapping[str, Mapping[int, Subscription]]
    ) -> None:
        self._by_mutation = subscribed_mutations(schema.subscription_type)
        self._subscribers = subscribers
        self._roots: dict[int, tuple[DocumentNode, tuple[_Root, ...], dict[str, Any]]] = {}

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
        fragments = fragments_of(document)
        roots: tuple[_Root, ...] = ()
        if operation is not None and operation.operation is OperationType.MUTATION:
            roots = tuple(
                _Root(node.alias.value if node.alias else node.name.value, node.name.value, node)
                for node in root_fields(operation, fragments)
                if node.name.value in self._by_mutation
            )
        if len(self._roots) >= _ROOTS_CACHE_SIZE:
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
        sent = 0
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
            sent += 1
        if sent:
            # Under the publishing request's id, so a trace shows who heard of the change.
            logger.info("%s published to %d subscription(s)", field_name, sent)


def _under(error: Mapping[str, Any], key: str) -> bool:
    path = error.get("path")
    return isinstance(path, list) and bool(path) and path[0] == key
