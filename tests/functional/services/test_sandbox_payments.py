"""The sandbox card network's contract, run against both sandboxes (in memory and on DynamoDB
Local), and what only the DynamoDB one promises: state shared between processes, refunds and
charges racing from threads, and no token in its tables."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

import pytest

from services.credit.payments.provider import (
    TEST_CARDS,
    ChargeStatus,
    PaymentProvider,
    SandboxPaymentProvider,
    charge_id_for,
)
from services.credit.payments.sandbox import DynamoSandboxPaymentProvider
from services.shared.errors import (
    IdempotencyKeyReused,
    InvalidState,
    NotFound,
    ServiceError,
    ValidationError,
)
from services.shared.money import Money
from services.shared.settings import Settings

pytestmark = [pytest.mark.ddblocal]


class Sandbox(PaymentProvider, Protocol):
    """A sandbox card network: a payment provider that says how much of a charge went back."""

    def refunded(self, charge_id: str) -> int: ...


def gbp(minor: int) -> Money:
    return Money(minor, "GBP")


@pytest.fixture(params=["memory", "dynamodb"])
def provider(request: pytest.FixtureRequest) -> Sandbox:
    if request.param == "memory":
        return SandboxPaymentProvider()
    return DynamoSandboxPaymentProvider(request.getfixturevalue("ddb_settings"))


@pytest.fixture
def key() -> Callable[[str], str]:
    """Keys of this test alone: the DynamoDB tables are shared by the module's tests."""
    run = uuid.uuid4().hex[:12]
    return lambda name: f"{run}-{name}"


# ---------------------------------------------------------------------- the contract: charges


@pytest.mark.parametrize(
    ("token", "status", "brand", "last4", "failure_code"),
    [
        ("tok_visa", ChargeStatus.SUCCEEDED, "visa", "4242", None),
        ("tok_mastercard", ChargeStatus.SUCCEEDED, "mastercard", "4444", None),
        ("tok_declined", ChargeStatus.FAILED, "visa", "0002", "card_declined"),
        ("tok_insufficient_funds", ChargeStatus.FAILED, "visa", "9995", "insufficient_funds"),
    ],
)
def test_a_test_token_decides_the_charge_and_a_retry_gets_the_same_one(
    provider, key, token, status, brand, last4, failure_code
):
    # WHEN a charge is made, then retried with the same key and request
    first = provider.charge(token=token, amount=gbp(2500), idempotency_key=key("c"))
    again = provider.charge(token=token, amount=gbp(2500), idempotency_key=key("c"))
    # THEN the card decided it, declines included, and the retry got the first charge back
    assert (first.status, first.brand, first.last4, first.failure_code) == (
        status,
        brand,
        last4,
        failure_code,
    )
    assert (first.id, first.amount) == (charge_id_for(key("c")), gbp(2500))
    assert again == first
    assert provider.find_charge(idempotency_key=key("c")) == first


@pytest.mark.parametrize(
    ("token", "amount"),
    [("tok_mastercard", gbp(500)), ("tok_visa", gbp(501)), ("tok_visa", Money(500, "EUR"))],
)
def test_a_key_reused_for_another_charge_is_refused(provider, key, token, amount):
    first = provider.charge(token="tok_visa", amount=gbp(500), idempotency_key=key("c"))
    with pytest.raises(IdempotencyKeyReused):
        provider.charge(token=token, amount=amount, idempotency_key=key("c"))
    assert provider.find_charge(idempotency_key=key("c")) == first


@pytest.mark.parametrize(
    ("token", "amount", "idempotency_key", "field"),
    [
        ("tok_unknown", 100, "k", "paymentMethodToken"),
        ("4242424242424242", 100, "k", "paymentMethodToken"),
        ("tok_visa", 0, "k", "amount.amount"),
        ("tok_visa", -5, "k", "amount.amount"),
        ("tok_visa", 100, "", "idempotencyKey"),
        ("tok_visa", 100, "k" * 256, "idempotencyKey"),
    ],
)
def test_a_bad_charge_is_refused_and_nothing_is_charged(
    provider, key, token, amount, idempotency_key, field
):
    valid_key = idempotency_key == "k"
    unique = key(idempotency_key) if valid_key else idempotency_key
    with pytest.raises(ValidationError) as caught:
        provider.charge(token=token, amount=gbp(amount), idempotency_key=unique)
    assert caught.value.field == field
    if valid_key:
        assert provider.find_charge(idempotency_key=unique) is None


def test_find_charge_knows_only_keys_that_charged(provider, key):
    charged = provider.charge(token="tok_visa", amount=gbp(100), idempotency_key=key("a"))
    assert provider.find_charge(idempotency_key=key("a")) == charged
    assert provider.find_charge(idempotency_key=key("never")) is None
    with pytest.raises(ValidationError):
        provider.find_charge(idempotency_key="")


# ---------------------------------------------------------------------- the contract: refunds


def test_partial_refunds_add_up_to_the_charge_and_no_further(provider, key):
    charge = provider.charge(token="tok_visa", amount=gbp(1000), idempotency_key=key("c"))
    provider.refund(charge_id=charge.id, amount=gbp(400), idempotency_key=key("r1"))
    provider.refund(charge_id=charge.id, amount=gbp(600), idempotency_key=key("r2"))
    assert provider.refunded(charge.id) == 1000
    with pytest.raises(ValidationError) as caught:
        provider.refund(charge_id=charge.id, amount=gbp(1), idempotency_key=key("r3"))
    assert caught.value.field == "amount.amount"
    assert provider.refunded(charge.id) == 1000


def test_a_refund_retried_with_its_key_is_given_once(provider, key):
    charge = provider.charge(token="tok_visa", amount=gbp(1000), idempotency_key=key("c"))
    first = provider.refund(charge_id=charge.id, amount=gbp(300), idempotency_key=key("r"))
    again = provider.refund(charge_id=charge.id, amount=gbp(300), idempotency_key=key("r"))
    assert again == first
    assert (first.charge_id, first.amount) == (charge.id, gbp(300))
    assert provider.refunded(charge.id) == 300


def test_a_refund_replay_is_answered_even_once_the_charge_is_used_up(provider, key):
    charge = provider.charge(token="tok_visa", amount=gbp(100), idempotency_key=key("c"))
    first = provider.refund(charge_id=charge.id, amount=gbp(100), idempotency_key=key("r"))
    assert provider.refund(charge_id=charge.id, amount=gbp(100), idempotency_key=key("r")) == first


@pytest.mark.parametrize(
    ("other_charge", "amount"),
    [(False, gbp(301)), (False, Money(300, "EUR")), (True, gbp(300))],
)
def test_a_key_reused_for_another_refund_is_refused(provider, key, other_charge, amount):
    charge = provider.charge(token="tok_visa", amount=gbp(1000), idempotency_key=key("c"))
    other = provider.charge(token="tok_visa", amount=gbp(1000), idempotency_key=key("d"))
    provider.refund(charge_id=charge.id, amount=gbp(300), idempotency_key=key("r"))
    target = other.id if other_charge else charge.id
    with pytest.raises(IdempotencyKeyReused):
        provider.refund(charge_id=target, amount=amount, idempotency_key=key("r"))
    assert (provider.refunded(charge.id), provider.refunded(other.id)) == (300, 0)


@pytest.mark.parametrize(
    ("token", "charge_id", "amount", "error", "field"),
    [
        ("tok_visa", "ch_nope", gbp(1), NotFound, None),
        ("tok_visa", "", gbp(1), NotFound, None),
        ("tok_visa", "x" * 3000, gbp(1), NotFound, None),
        ("tok_declined", None, gbp(1), InvalidState, None),
        ("tok_insufficient_funds", None, gbp(1), InvalidState, None),
        ("tok_visa", None, gbp(101), ValidationError, "amount.amount"),
        ("tok_visa", None, gbp(0), ValidationError, "amount.amount"),
        ("tok_visa", None, Money(1, "EUR"), ValidationError, "amount.currency"),
    ],
)
def test_a_refund_that_cannot_be_given_is_refused_and_nothing_moves(
    provider, key, token, charge_id, amount, error, field
):
    charge = provider.charge(token=token, amount=gbp(100), idempotency_key=key("c"))
    target = charge.id if charge_id is None else charge_id
    with pytest.raises(error) as caught:
        provider.refund(charge_id=target, amount=amount, idempotency_key=key("r"))
    assert getattr(caught.value, "field", None) == field
    assert provider.refunded(charge.id) == 0


@pytest.mark.parametrize("idempotency_key", ["", "k" * 256])
def test_a_refund_with_a_bad_key_is_refused(provider, key, idempotency_key):
    charge = provider.charge(token="tok_visa", amount=gbp(100), idempotency_key=key("c"))
    with pytest.raises(ValidationError) as caught:
        provider.refund(charge_id=charge.id, amount=gbp(1), idempotency_key=idempotency_key)
    assert caught.value.field == "idempotencyKey"


# ---------------------------------------------------------------------- DynamoDB only


@pytest.fixture
def network(ddb_settings: Settings) -> DynamoSandboxPaymentProvider:
    return DynamoSandboxPaymentProvider(ddb_settings)


def test_two_processes_share_the_network(ddb_settings, key):
    # GIVEN two providers, as the credit service and the sweep job each build one
    service = DynamoSandboxPaymentProvider(ddb_settings)
    sweep = DynamoSandboxPaymentProvider(ddb_settings)
    charge = service.charge(token="tok_visa", amount=gbp(900), idempotency_key=key("c"))
    # WHEN the other one looks the charge up and refunds it
    assert sweep.find_charge(idempotency_key=key("c")) == charge
    refund = sweep.refund(charge_id=charge.id, amount=gbp(900), idempotency_key=key("r"))
    # THEN both see the same charge, refunds and replays
    assert service.refunded(charge.id) == 900
    assert service.refund(charge_id=charge.id, amount=gbp(900), idempotency_key=key("r")) == refund
    assert sweep.charge(token="tok_visa", amount=gbp(900), idempotency_key=key("c")) == charge
    with pytest.raises(IdempotencyKeyReused):
        sweep.charge(token="tok_visa", amount=gbp(901), idempotency_key=key("c"))


def outcomes(calls: int, call: Callable[[int], Any]) -> list[Any]:
    """`call(i)` for every i from `calls` threads released at once: each result or error."""
    barrier = threading.Barrier(calls)

    def run(i: int) -> Any:
        barrier.wait()
        try:
            return call(i)
        except ServiceError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=calls) as pool:
        return list(pool.map(run, range(calls)))


def test_racing_refunds_never_give_back_more_than_the_charge(network, key):
    # GIVEN a charge of 100, and 30 refunds of 10 with distinct keys, all at once
    charge = network.charge(token="tok_visa", amount=gbp(100), idempotency_key=key("c"))
    results = outcomes(
        30,
        lambda i: network.refund(charge_id=charge.id, amount=gbp(10), idempotency_key=key(f"{i}")),
    )
    # THEN exactly ten were given, the rest refused as too much, and the charge is used up
    given = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert (len(given), len(refused)) == (10, 20)
    assert network.refunded(charge.id) == 100


def test_racing_retries_of_one_charge_make_one_charge(network, key, scan):
    results = outcomes(
        20, lambda _: network.charge(token="tok_visa", amount=gbp(700), idempotency_key=key("c"))
    )
    assert len(set(results)) == 1
    assert not isinstance(results[0], Exception)
    stored = [i for i in scan("sandbox_charges") if i["id"]["S"] == charge_id_for(key("c"))]
    assert len(stored) == 1


def test_the_tables_hold_no_token(network, key, scan):
    # GIVEN every test token charged, and the successes refunded
    for i, token in enumerate(TEST_CARDS):
        charge = network.charge(token=token, amount=gbp(100), idempotency_key=key(f"c{i}"))
        if charge.succeeded:
            network.refund(charge_id=charge.id, amount=gbp(10), idempotency_key=key(f"r{i}"))
    # THEN no token text is in either table, though the tables are readable
    tables = repr(scan("sandbox_charges")) + repr(scan("sandbox_refunds"))
    assert "4242" in tables
    for token in TEST_CARDS:
        assert token not in tables
