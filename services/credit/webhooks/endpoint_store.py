"""Merchants' webhook endpoints written with their audit entries (`webhooks.audit`).

Each change of an endpoint is one transaction: the endpoint's item (with its stream's new head)
and the entry. The item is read first, for the state the entry records and for its head; a
change that raced another on the same endpoint loses its entry's slot and is made again on what
the endpoint is now.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pynamodb.exceptions import DoesNotExist, PynamoDBException, TransactWriteError

from services.credit.webhooks import audit
from services.credit.webhooks.domain import DisabledReason, Endpoint, EndpointStatus
from services.credit.webhooks.events import EventType
from services.credit.webhooks.models import WebhookEndpointModel
from services.shared.audit.chain import Change, Head
from services.shared.audit.store import (
    CONDITION_FAILED,
    AuditedTransactWrite,
    AuditLog,
    head_action,
    head_of,
    head_value,
    transact,
)
from services.shared.dynamodb import bind, connection
from services.shared.errors import DependencyFailure
from services.shared.settings import Settings


class _Gone(Exception):  # noqa: N818 - a condition inside this module, never raised out
    """The endpoint does not exist."""


class AuditedEndpoints:
    """The `webhook_endpoints` items' audited writes (see the module docstring)."""

    def __init__(self, settings: Settings) -> None:
        self._endpoints = bind(WebhookEndpointModel, settings)
        self._connection = connection(settings)
        self._audit = AuditLog(settings)

    def add(self, endpoint: Endpoint) -> None:
        """Store a new endpoint with its stream's first entry.

        Raises:
            DependencyFailure: nothing was written.
        """
        change = audit.created(endpoint)

        def write(transaction: AuditedTransactWrite) -> None:
            entry = self._audit.entry(audit.stream(endpoint.id), change, Head())
            item = endpoint_item(self._endpoints, endpoint)
            item.audit_head = head_value(entry)
            transaction.save(item, condition=self._endpoints.id.does_not_exist())
            self._audit.stage(transaction, entry)

        try:
            transact(self._connection, write)
        except TransactWriteError as exc:
            raise DependencyFailure("Could not store the endpoint; nothing was written") from exc

    def change(
        self,
        endpoint_id: str,
        actions: list[Any],
        condition: Any,
        change_of: Callable[[Endpoint], Change],
    ) -> Endpoint | None:
        """Update the endpoint if `condition` holds, with the entry `change_of` makes of the
        endpoint as it was: the endpoint after, or None when it is gone or `condition` fails.

        Raises:
            DependencyFailure: nothing was written.
        """
        model = self._endpoints

        def write(transaction: AuditedTransactWrite) -> None:
            try:
                current = model.get(endpoint_id, consistent_read=True)
            except DoesNotExist:
                raise _Gone from None
            stream = audit.stream(endpoint_id)
            entry = self._audit.entry(stream, change_of(endpoint_of(current)), head_of(current))
            transaction.update(
                model(endpoint_id),
                actions=[*actions, head_action(model, entry)],
                condition=condition & model.id.exists(),
            )
            self._audit.stage(transaction, entry)

        try:
            transact(self._connection, write)
            return endpoint_of(model.get(endpoint_id, consistent_read=True))
        except (_Gone, DoesNotExist):
            return None
        except TransactWriteError as exc:
            reasons = [reason.code if reason else None for reason in exc.cancellation_reasons]
            if reasons[:1] == [CONDITION_FAILED]:
                return None
            raise DependencyFailure("Could not update the endpoint") from exc
        except PynamoDBException as exc:
            raise DependencyFailure("The endpoint store is unavailable") from exc


def endpoint_item(model: type[WebhookEndpointModel], endpoint: Endpoint) -> WebhookEndpointModel:
    """The stored item of an endpoint."""
    return model(
        endpoint.id,
        merchant_id=endpoint.merchant_id,
        url=endpoint.url,
        event_types={t.value for t in endpoint.event_types},
        description=endpoint.description,
        status=endpoint.status.value,
        created_at=endpoint.created_at,
    )


def endpoint_of(item: WebhookEndpointModel) -> Endpoint:
    """The endpoint a stored item describes."""
    return Endpoint(
        id=item.id,
        merchant_id=item.merchant_id,
        url=item.url,
        event_types=frozenset(EventType(t) for t in item.event_types),
        status=EndpointStatus(item.status),
        created_at=item.created_at,
        description=item.description,
        disabled_reason=DisabledReason(item.disabled_reason) if item.disabled_reason else None,
        disabled_at=item.disabled_at,
        failing_since=item.failing_since,
    )
