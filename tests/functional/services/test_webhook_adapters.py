"""The sender's AWS side against the real API shapes: Secrets Manager keeps an endpoint's
secrets, SQS takes dead letters (botocore's Stubber), and the sender Lambda handles a DynamoDB
stream batch, a redriven dead letter and its schedule (on DynamoDB Local)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import ANY, Stubber
from mypy_boto3_secretsmanager import SecretsManagerClient
from mypy_boto3_sqs import SQSClient

from services.credit.webhooks.domain import DeliveryStatus, SigningSecret
from services.credit.webhooks.lambda_handler import handle, stream_keys
from services.credit.webhooks.secret_store import SecretsManagerStore
from services.credit.webhooks.wiring import QueueDeadLetters
from services.shared.settings import Settings
from tests.functional.services.conftest import SHOP
from tests.functional.services.webhook_harness import Webhooks, dead_delivery
from tests.functional.services.webhook_receiver import Receiver, Reply

PREFIX = "bnpl-prod/webhooks/"
NOT_FOUND = "ResourceNotFoundException"


# A Stubber never sends a request, so these keys never sign one.
_KEY, _SECRET = "test", "test"


def _secrets_manager() -> SecretsManagerClient:
    return boto3.client(
        "secretsmanager",
        region_name="eu-west-2",
        aws_access_key_id=_KEY,
        aws_secret_access_key=_SECRET,
    )


def _sqs() -> SQSClient:
    return boto3.client(
        "sqs", region_name="eu-west-2", aws_access_key_id=_KEY, aws_secret_access_key=_SECRET
    )


def test_secrets_manager_creates_the_secret_then_updates_and_reads_it() -> None:
    client = _secrets_manager()
    store = SecretsManagerStore(client, prefix=PREFIX, kms_key_id="alias/bnpl-webhooks")
    secrets = [
        SigningSecret(value="whsec_bmV3"),
        SigningSecret(value="whsec_b2xk", expires_at=datetime(2026, 12, 6, tzinfo=UTC)),
    ]
    with Stubber(client) as stub:
        stub.add_client_error(
            "put_secret_value",
            service_error_code=NOT_FOUND,
            expected_params={"SecretId": PREFIX + "we_1", "SecretString": ANY},
        )
        stub.add_response(
            "create_secret",
            {"ARN": "arn:aws:secretsmanager:eu-west-2:1:secret:x", "Name": PREFIX + "we_1"},
            {"Name": PREFIX + "we_1", "SecretString": ANY, "KmsKeyId": "alias/bnpl-webhooks"},
        )
        store.put("we_1", secrets)
        stub.add_response(
            "get_secret_value",
            {
                "Name": PREFIX + "we_1",
                "SecretString": json.dumps(
                    [
                        {"secret": "whsec_bmV3", "expiresAt": None},
                        {"secret": "whsec_b2xk", "expiresAt": "2026-12-06T00:00:00+00:00"},
                    ]
                ),
            },
            {"SecretId": PREFIX + "we_1"},
        )
        assert store.get("we_1") == secrets
        assert store.get("we_1") == secrets, "read once, then from the cache"
        stub.add_client_error("get_secret_value", service_error_code=NOT_FOUND)
        assert store.get("we_2") == []
        stub.assert_no_pending_responses()


def test_a_dead_letter_is_queued_with_its_event_and_endpoint() -> None:
    client = _sqs()
    url = "https://sqs.eu-west-2.amazonaws.com/1/bnpl-webhooks-dlq"
    with Stubber(client) as stub:
        stub.add_response(
            "send_message",
            {"MessageId": "m-1"},
            {
                "QueueUrl": url,
                "MessageBody": json.dumps({"eventId": "evt_1", "endpointId": "we_1"}),
            },
        )
        QueueDeadLetters(client, url).report(dead_delivery("evt_1", "we_1"))
        stub.assert_no_pending_responses()


@pytest.fixture
def hooks(webhook_settings: Settings) -> Webhooks:
    return Webhooks(webhook_settings, SHOP)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


def _stream_record(stream: str, sequence: int) -> dict[str, object]:
    return {
        "eventSource": "aws:dynamodb",
        "eventName": "INSERT",
        "dynamodb": {"Keys": {"stream": {"S": stream}, "sequence": {"N": str(sequence)}}},
    }


def test_the_lambda_sends_what_a_stream_batch_inserted(hooks: Webhooks, receiver: Receiver) -> None:
    hooks.endpoint(receiver.url)
    checkout = hooks.checkout()
    event = hooks.event(checkout)
    batch = {
        "Records": [
            _stream_record(checkout.id, 1),
            {**_stream_record(checkout.id, 1), "eventName": "MODIFY"},  # marked dispatched
        ]
    }
    assert stream_keys(batch["Records"]) == [(checkout.id, 1)]  # type: ignore[arg-type]

    report = handle(batch, hooks.sender(), hooks.store)

    assert report.delivered == 1
    assert [r.headers["webhook-id"] for r in receiver.received] == [event.id]


def test_a_redriven_dead_letter_is_sent_again(hooks: Webhooks) -> None:
    with Receiver(Reply(500), then=Reply(204)) as receiver:
        endpoint_id, _ = hooks.endpoint(receiver.url)
        event = hooks.event(hooks.checkout())
        sender = hooks.sender()
        sender.run_once()
        [failed] = hooks.deliveries(endpoint_id)
        assert failed.status is DeliveryStatus.PENDING

        letter = {"eventId": event.id, "endpointId": endpoint_id}
        redrive = {"Records": [{"eventSource": "aws:sqs", "body": json.dumps(letter)}]}
        report = handle(redrive, sender, hooks.store, now=hooks.clock())

    assert report.delivered == 1, "due at once again, whatever its backoff said"
    assert [r.headers["webhook-id"] for r in receiver.received] == [event.id, event.id]


def test_the_schedule_runs_the_retry_sweep(hooks: Webhooks) -> None:
    with Receiver(Reply(503), then=Reply(204)) as receiver:
        endpoint_id, _ = hooks.endpoint(receiver.url)
        hooks.event(hooks.checkout())
        sender = hooks.sender()
        sender.run_once()
        hooks.clock.advance(timedelta(minutes=1))
        report = handle(
            {"source": "aws.events", "detail-type": "Scheduled Event"}, sender, hooks.store
        )
    assert report.delivered == 1
    [delivery] = hooks.deliveries(endpoint_id)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 2)
