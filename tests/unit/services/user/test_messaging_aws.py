"""The AWS adapters against botocore's own models of the APIs (Stubber: no network).

Stubber validates every call's parameters against the service model of End User Messaging SMS
(`pinpoint-sms-voice-v2`) and SES v2, and checks them against the expected ones exactly.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import ANY, Stubber

from services.shared.errors import DependencyFailure
from services.shared.settings import Settings
from services.user.app import code_sender
from services.user.messaging.aws import EMAIL_SUBJECT, AwsCodeSender
from services.user.messaging.outbox import OutboxSender
from services.user.verification.domain import Channel

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
EXPIRES = NOW + timedelta(minutes=10)
SETTINGS = replace(
    Settings.from_environ({}),
    messaging="aws",
    sms_origination_identity="+447700900999",
    sms_configuration_set="otp-events",
    email_from_address="codes@bnpl.example",
)


@pytest.fixture
def clients():
    sms = boto3.client(
        "pinpoint-sms-voice-v2",
        region_name="eu-west-2",
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )
    email = boto3.client(
        "sesv2", region_name="eu-west-2", aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(sms) as sms_stub, Stubber(email) as email_stub:
        sender = AwsCodeSender(SETTINGS, sms=sms, email=email, clock=lambda: NOW)
        yield sender, sms_stub, email_stub
        sms_stub.assert_no_pending_responses()
        email_stub.assert_no_pending_responses()


def test_sms_is_a_transactional_text_message_that_dies_with_the_code(clients):
    sender, sms, _ = clients
    sms.add_response(
        "send_text_message",
        {"MessageId": "msg-1"},
        {
            "DestinationPhoneNumber": "+447700900123",
            "OriginationIdentity": "+447700900999",
            "ConfigurationSetName": "otp-events",
            "MessageBody": ANY,
            "MessageType": "TRANSACTIONAL",
            "TimeToLive": 600,
        },
    )
    sender.send(Channel.SMS, "+447700900123", "042137", EXPIRES)


def test_the_message_carries_the_code(clients):
    sender, sms, _ = clients
    bodies: list[str] = []
    sms.add_response("send_text_message", {"MessageId": "m"})
    sms.client.meta.events.register(
        "provide-client-params.pinpoint-sms-voice-v2.SendTextMessage",
        lambda params, **_: bodies.append(params["MessageBody"]),
    )
    sender.send(Channel.SMS, "+447700900123", "042137", EXPIRES)
    assert "042137" in bodies[0]
    assert "10 minutes" in bodies[0]


def test_email_is_a_simple_ses_message_from_the_configured_address(clients):
    sender, _, email = clients
    email.add_response(
        "send_email",
        {"MessageId": "ses-1"},
        {
            "FromEmailAddress": "codes@bnpl.example",
            "Destination": {"ToAddresses": ["ada@example.com"]},
            "Content": {
                "Simple": {
                    "Subject": {"Data": EMAIL_SUBJECT, "Charset": "UTF-8"},
                    "Body": {"Text": {"Data": ANY, "Charset": "UTF-8"}},
                }
            },
        },
    )
    sender.send(Channel.EMAIL, "ada@example.com", "042137", EXPIRES)


@pytest.mark.parametrize(
    ("channel", "operation", "destination", "error"),
    [
        (Channel.SMS, "send_text_message", "+447700900123", "ThrottlingException"),
        (Channel.SMS, "send_text_message", "+447700900123", "ServiceQuotaExceededException"),
        (Channel.EMAIL, "send_email", "ada@example.com", "MessageRejected"),
        (Channel.EMAIL, "send_email", "ada@example.com", "AccountSuspendedException"),
    ],
)
def test_a_provider_error_is_a_dependency_failure_that_leaks_nothing(
    clients, caplog, channel, operation, destination, error
):
    sender, sms, email = clients
    stub = sms if channel is Channel.SMS else email
    stub.add_client_error(operation, service_error_code=error, http_status_code=400)
    with caplog.at_level(logging.INFO), pytest.raises(DependencyFailure) as failed:
        sender.send(channel, destination, "042137", EXPIRES)
    assert "042137" not in str(failed.value.to_json())
    assert "042137" not in caplog.text
    assert destination not in caplog.text
    assert error in caplog.text


def test_the_sms_time_to_live_stays_within_the_apis_bounds(clients):
    sender, sms, _ = clients
    sms.add_response(
        "send_text_message",
        {"MessageId": "m"},
        {
            "DestinationPhoneNumber": "+447700900123",
            "OriginationIdentity": "+447700900999",
            "ConfigurationSetName": "otp-events",
            "MessageBody": ANY,
            "MessageType": "TRANSACTIONAL",
            "TimeToLive": 5,
        },
    )
    sender.send(Channel.SMS, "+447700900123", "042137", NOW + timedelta(seconds=1))


def test_settings_choose_the_sender():
    assert isinstance(code_sender(replace(SETTINGS, messaging="outbox")), OutboxSender)
    assert isinstance(code_sender(SETTINGS), AwsCodeSender)
    with pytest.raises(ValueError, match="BNPL_EMAIL_FROM_ADDRESS"):
        AwsCodeSender(replace(SETTINGS, email_from_address=None))
    with pytest.raises(ValueError, match="BNPL_MESSAGING"):
        Settings.from_environ({"BNPL_MESSAGING": "pinpoint"})
