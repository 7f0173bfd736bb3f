"""Every change of a merchant's webhook endpoint leaves exactly one audit entry in the endpoint's
stream, written with it: created, rotated, disabled and enabled by the merchant, disabled by the
sender after a 410. On DynamoDB Local; the merchant's calls run in a request's trace as the
credit service runs them (the caller is the merchant's IAM principal)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from itertools import pairwise

import pytest

from services.credit.checkouts.store import DynamoMerchantRepository
from services.shared import trace
from services.shared.audit.chain import SYSTEM, Entry
from services.shared.audit.store import AuditLog
from services.shared.settings import Settings
from tests.functional.services.conftest import RIVAL, SHOP, SHOP_ARN
from tests.functional.services.webhook_harness import Webhooks
from tests.functional.services.webhook_receiver import Receiver, Reply

pytestmark = pytest.mark.ddblocal


@pytest.fixture
def hooks(webhook_settings: Settings) -> Webhooks:
    DynamoMerchantRepository(webhook_settings).save(RIVAL)
    return Webhooks(webhook_settings, SHOP)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


def trail(hooks: Webhooks, endpoint_id: str) -> list[Entry]:
    return AuditLog(hooks.settings).trail(f"webhook_endpoint#{endpoint_id}")


def as_merchant(rid: str) -> trace.Trace:
    """The trace of a merchant's request once the credit service verified its caller."""
    return trace.Trace(request_id=rid, root=trace.new_root(), sub=SHOP_ARN)


def test_the_merchants_changes_are_each_one_entry(hooks: Webhooks, receiver: Receiver) -> None:
    ids = [str(uuid.uuid4()) for _ in range(4)]
    with trace.bound(as_merchant(ids[0])):
        endpoint_id, secret = hooks.endpoint(receiver.url)
    for rid, act in zip(
        ids[1:], (hooks.service.rotate, hooks.service.disable, hooks.service.enable), strict=True
    ):
        with trace.bound(as_merchant(rid)):
            act(caller=hooks.caller, endpoint_id=endpoint_id)

    entries = trail(hooks, endpoint_id)
    assert [(e.sequence, e.action, e.actor, e.request_id) for e in entries] == [
        (1, "webhook_endpoint.created", SHOP_ARN, ids[0]),
        (2, "webhook_endpoint.secret_rotated", SHOP_ARN, ids[1]),
        (3, "webhook_endpoint.disabled", SHOP_ARN, ids[2]),
        (4, "webhook_endpoint.enabled", SHOP_ARN, ids[3]),
    ]
    created, rotated, disabled, enabled = entries
    assert created.before is None
    assert created.after["url"] == receiver.url
    assert created.evidence == {"merchantId": SHOP.id}
    assert rotated.evidence["previousSecretExpiresAt"] is not None
    assert disabled.before == {"status": "ENABLED", "disabledReason": None}
    assert disabled.after == {"status": "DISABLED", "disabledReason": "MERCHANT"}
    assert enabled.after == {"status": "ENABLED", "disabledReason": None}
    assert all(later.prev_hash == earlier.hash for earlier, later in pairwise(entries))
    assert secret not in repr(entries), "a secret is never recorded"


def test_disabling_a_disabled_endpoint_changes_nothing_and_records_nothing(
    hooks: Webhooks, receiver: Receiver
) -> None:
    endpoint_id, _ = hooks.endpoint(receiver.url)
    hooks.service.disable(caller=hooks.caller, endpoint_id=endpoint_id)
    hooks.service.disable(caller=hooks.caller, endpoint_id=endpoint_id)
    assert [e.action for e in trail(hooks, endpoint_id)] == [
        "webhook_endpoint.created",
        "webhook_endpoint.disabled",
    ]


def test_the_sender_disabling_a_gone_endpoint_is_the_systems_change(hooks: Webhooks) -> None:
    with Receiver(then=Reply(410)) as receiver:
        endpoint_id, _ = hooks.endpoint(receiver.url)
        hooks.event(hooks.checkout())
        hooks.sender().run_once()
    *_, disabled = trail(hooks, endpoint_id)
    assert (disabled.sequence, disabled.action, disabled.actor) == (
        2,
        "webhook_endpoint.disabled",
        SYSTEM,
    )
    assert disabled.after == {"status": "DISABLED", "disabledReason": "GONE"}
