"""The rejection event's shape, and the EventBridge adapter against botocore's Stubber."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber

from services.credit.adapters.event_publishers import EventBridgePublisher, event_id
from services.credit.screening.events import Event, rejection_event
from services.shared.errors import DependencyFailure
from tests.unit.services.credit.workflow.fakes import NOW

REASONS = [{"code": "RECENT_DEFAULT", "description": "A recent default."}]


def event() -> Event:
    return rejection_event(
        application_id="app_1",
        checkout_id="co_1",
        customer_id="sandbox-decline",
        reasons=REASONS,
        policy_version="credit-policy-test",
        decided_at=NOW,
        event_bus_name="bnpl-credit-events",
    )


def test_a_rejection_is_a_put_events_entry():
    entry = event().entry()
    assert entry["Source"] == "bnpl.credit"
    assert entry["DetailType"] == "CreditApplicationRejected"
    assert entry["EventBusName"] == "bnpl-credit-events"
    assert json.loads(entry["Detail"]) == {
        "applicationId": "app_1",
        "checkoutId": "co_1",
        "customerId": "sandbox-decline",
        "outcome": "DECLINED",
        "reasons": REASONS,
        "policyVersion": "credit-policy-test",
        "decidedAt": "2026-11-30T12:00:00.000Z",
    }


def test_the_same_event_has_the_same_outbox_id():
    assert event_id(event()) == event_id(event())


@pytest.fixture
def events_client():
    client = boto3.client(
        "events", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stubber:
        yield client, stubber


def test_eventbridge_adapter_sends_the_entry(events_client):
    client, stubber = events_client
    stubber.add_response(
        "put_events",
        {"FailedEntryCount": 0, "Entries": [{"EventId": "e-1"}]},
        {"Entries": [event().entry()]},
    )
    EventBridgePublisher(client).publish(event())
    stubber.assert_no_pending_responses()


def test_eventbridge_adapter_raises_when_the_entry_is_refused(events_client):
    client, stubber = events_client
    stubber.add_response(
        "put_events",
        {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "AccessDenied", "ErrorMessage": "no"}]},
        {"Entries": [event().entry()]},
    )
    with pytest.raises(DependencyFailure, match="AccessDenied"):
        EventBridgePublisher(client).publish(event())


def test_eventbridge_adapter_raises_when_eventbridge_fails(events_client):
    client, stubber = events_client
    stubber.add_client_error("put_events", service_error_code="InternalException")
    with pytest.raises(DependencyFailure):
        EventBridgePublisher(client).publish(event())
