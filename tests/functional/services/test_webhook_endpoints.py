"""A merchant's webhook endpoints on DynamoDB Local: each merchant manages and sees only its own;
rotation signs with both secrets for a day; replays and test events go out like any other; and
the outbox writes an event only with the change it reports."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import boto3
import pytest
from standardwebhooks.webhooks import Webhook

from services.credit.checkouts.domain import CheckoutStatus, MerchantCaller
from services.credit.checkouts.store import DynamoCheckoutRepository, DynamoMerchantRepository
from services.credit.webhooks.domain import DeliveryStatus, EndpointStatus
from services.credit.webhooks.events import EventType, checkout_event
from services.shared.errors import InvalidState, NotFound, Unauthorized, ValidationError
from services.shared.settings import Settings
from tests.functional.services.conftest import RIVAL, RIVAL_ARN, SHOP
from tests.functional.services.webhook_harness import Webhooks, body_of
from tests.functional.services.webhook_receiver import Receiver

pytestmark = pytest.mark.ddblocal


@pytest.fixture
def hooks(webhook_settings: Settings) -> Webhooks:
    DynamoMerchantRepository(webhook_settings).save(RIVAL)
    return Webhooks(webhook_settings, SHOP)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


RIVAL_CALLER = MerchantCaller(arn=RIVAL_ARN)


def test_the_secret_is_shown_once_and_never_stored_with_the_endpoint(
    hooks: Webhooks, receiver: Receiver
) -> None:
    endpoint_id, secret = hooks.endpoint(receiver.url)
    assert secret.startswith("whsec_")
    listed = hooks.service.endpoints(caller=hooks.caller, merchant_id=SHOP.id)
    assert [e["id"] for e in listed] == [endpoint_id]
    assert secret not in repr(listed)
    client = boto3.client(
        "dynamodb", endpoint_url=hooks.settings.dynamodb_endpoint, region_name="us-east-1"
    )
    stored = client.scan(TableName=hooks.settings.table_name("webhook_endpoints"))["Items"]
    assert len(stored) == 1
    assert secret not in repr(stored)


def test_a_merchant_sees_and_manages_only_its_own_endpoints(
    hooks: Webhooks, receiver: Receiver
) -> None:
    endpoint_id, _ = hooks.endpoint(receiver.url)
    service = hooks.service

    with pytest.raises(Unauthorized):
        service.endpoints(caller=RIVAL_CALLER, merchant_id=SHOP.id)
    with pytest.raises(Unauthorized):
        service.create(
            caller=RIVAL_CALLER,
            payload={
                "merchantId": SHOP.id,
                "url": receiver.url,
                "eventTypes": ["CHECKOUT_APPROVED"],
            },
        )
    for act in (service.rotate, service.disable, service.enable, service.send_test):
        with pytest.raises(NotFound):
            act(caller=RIVAL_CALLER, endpoint_id=endpoint_id)
    with pytest.raises(NotFound):
        service.deliveries(
            caller=RIVAL_CALLER, endpoint_id=endpoint_id, status=None, limit=None, next_token=None
        )
    assert service.endpoints(caller=RIVAL_CALLER, merchant_id=RIVAL.id) == []
    assert hooks.endpoint_now(endpoint_id).status is EndpointStatus.ENABLED


def test_a_rival_cannot_replay_a_merchants_event(hooks: Webhooks, receiver: Receiver) -> None:
    hooks.endpoint(receiver.url)
    event = hooks.event(hooks.checkout())
    with pytest.raises(NotFound):
        hooks.service.replay(caller=RIVAL_CALLER, event_id=event.id)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"url": "http://example.com/hooks"}, "url"),
        ({"url": "https://10.1.2.3/hooks"}, "url"),
        ({"url": "https://169.254.169.254/latest"}, "url"),
        ({"url": "https://user:pw@example.com/"}, "url"),
        ({"eventTypes": []}, "eventTypes"),
        ({"eventTypes": ["checkout.approved"]}, "eventTypes"),
        ({"eventTypes": ["WEBHOOK_TEST"]}, "eventTypes"),
        # Found by fuzzing: an object in the list was looked up as a name (a 500).
        ({"eventTypes": [{}]}, "eventTypes"),
        ({"eventTypes": [["CHECKOUT_APPROVED"]]}, "eventTypes"),
        ({"description": "x" * 201}, "description"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    hooks: Webhooks, payload: dict[str, object], field: str
) -> None:
    good = {
        "merchantId": SHOP.id,
        "url": "https://example.com/hooks",
        "eventTypes": ["CHECKOUT_APPROVED"],
    }
    with pytest.raises(ValidationError) as refused:
        hooks.service.create(caller=hooks.caller, payload={**good, **payload})
    assert refused.value.details["field"] == field
    assert hooks.store.endpoints_of(SHOP.id) == []


def test_during_a_rotation_both_secrets_sign(hooks: Webhooks, receiver: Receiver) -> None:
    endpoint_id, old = hooks.endpoint(receiver.url)
    rotated = hooks.service.rotate(caller=hooks.caller, endpoint_id=endpoint_id)
    new = rotated["secret"]
    assert new != old
    assert rotated["previousSecretExpiresAt"] is not None
    checkout = hooks.checkout()
    hooks.event(checkout)
    hooks.sender().run_once()
    during = receiver.received[-1]
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        Webhook(secret).verify(during.body, during.headers)


def test_replaying_an_event_sends_it_again_under_its_own_id(
    hooks: Webhooks, receiver: Receiver
) -> None:
    endpoint_id, secret = hooks.endpoint(receiver.url)
    event = hooks.event(hooks.checkout())
    hooks.sender().run_once()

    [replayed] = hooks.service.replay(caller=hooks.caller, event_id=event.id)
    assert (replayed["status"], replayed["attempts"]) == ("PENDING", 0)
    hooks.sender().run_once()

    assert [r.headers["webhook-id"] for r in receiver.received] == [event.id, event.id]
    Webhook(secret).verify(receiver.received[1].body, receiver.received[1].headers)
    [delivery] = hooks.deliveries(endpoint_id)
    assert delivery.status is DeliveryStatus.DELIVERED


def test_a_test_event_goes_to_its_endpoint_alone(hooks: Webhooks) -> None:
    with Receiver() as first, Receiver() as second:
        first_id, secret = hooks.endpoint(first.url)
        hooks.endpoint(second.url)
        sent = hooks.service.send_test(caller=hooks.caller, endpoint_id=first_id)
        hooks.sender().run_once()

    [request] = first.received
    body = Webhook(secret).verify(request.body, request.headers)
    assert (body["id"], body["type"]) == (sent["eventId"], "webhook.test")
    assert second.received == []


def test_a_disabled_endpoint_takes_no_test_and_can_be_enabled(
    hooks: Webhooks, receiver: Receiver
) -> None:
    endpoint_id, _ = hooks.endpoint(receiver.url)
    disabled = hooks.service.disable(caller=hooks.caller, endpoint_id=endpoint_id)
    assert (disabled["status"], disabled["disabledReason"]) == ("DISABLED", "MERCHANT")
    with pytest.raises(InvalidState):
        hooks.service.send_test(caller=hooks.caller, endpoint_id=endpoint_id)
    enabled = hooks.service.enable(caller=hooks.caller, endpoint_id=endpoint_id)
    assert (enabled["status"], enabled["disabledReason"]) == ("ENABLED", None)


def test_an_event_is_written_only_with_the_change_it_reports(
    hooks: Webhooks, receiver: Receiver
) -> None:
    hooks.endpoint(receiver.url)
    checkout = hooks.checkout()
    repository = DynamoCheckoutRepository(hooks.settings)
    expired = checkout_event(EventType.CHECKOUT_EXPIRED, checkout)

    # Not lapsed yet: the conditional write refuses, and its event is not written either.
    assert not repository.mark_expired(checkout, hooks.clock(), [expired])
    assert hooks.sender().run_once().dispatched == 0

    later = checkout.expires_at + timedelta(seconds=1)
    assert repository.mark_expired(checkout, later, [expired])
    stored = repository.get(checkout.id)
    assert stored is not None
    assert stored.status is CheckoutStatus.EXPIRED
    hooks.sender().run_once()
    [request] = receiver.received
    assert (body_of(request.body)["type"], body_of(request.body)["sequence"]) == (
        "checkout.expired",
        1,
    )
