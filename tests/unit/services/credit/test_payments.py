from __future__ import annotations

import threading

import pytest
from hypothesis import given, strategies as st

from services.credit.payments.provider import (
    TEST_CARDS,
    ChargeStatus,
    PaymentProvider,
    SandboxPaymentProvider,
    charge_id_for,
)
from services.shared.errors import IdempotencyKeyReused, InvalidState, NotFound, ValidationError
from services.shared.money import Money


def gbp(minor: int) -> Money:
    return Money(minor, "GBP")


@pytest.fixture
def provider() -> SandboxPaymentProvider:
    return SandboxPaymentProvider()


def test_the_sandbox_is_a_payment_provider():
    provider: PaymentProvider = SandboxPaymentProvider()
    assert provider.charge(token="tok_visa", amount=gbp(1), idempotency_key="k").succeeded


class TestCharge:
    @pytest.mark.parametrize(
        ("token", "status", "brand", "last4", "failure_code"),
        [
            ("tok_visa", ChargeStatus.SUCCEEDED, "visa", "4242", None),
            ("tok_mastercard", ChargeStatus.SUCCEEDED, "mastercard", "4444", None),
            ("tok_declined", ChargeStatus.FAILED, "visa", "0002", "card_declined"),
            ("tok_insufficient_funds", ChargeStatus.FAILED, "visa", "9995", "insufficient_funds"),
        ],
    )
    def test_test_tokens(self, provider, token, status, brand, last4, failure_code):
        # WHEN
        charge = provider.charge(token=token, amount=gbp(2500), idempotency_key="key-1")
        # THEN
        assert (charge.status, charge.brand, charge.last4, charge.failure_code) == (
            status,
            brand,
            last4,
            failure_code,
        )
        assert charge.amount == gbp(2500)
        assert charge.id == charge_id_for("key-1")

    @pytest.mark.parametrize(
        ("token", "amount", "key", "field"),
        [
            ("tok_unknown", 100, "k", "paymentMethodToken"),
            ("4242424242424242", 100, "k", "paymentMethodToken"),
            ("tok_visa", 0, "k", "amount.amount"),
            ("tok_visa", -5, "k", "amount.amount"),
            ("tok_visa", 100, "", "idempotencyKey"),
            ("tok_visa", 100, "k" * 256, "idempotencyKey"),
        ],
    )
    def test_refuses_bad_requests(self, provider, token, amount, key, field):
        with pytest.raises(ValidationError) as caught:
            provider.charge(token=token, amount=gbp(amount), idempotency_key=key)
        assert caught.value.field == field
        assert provider.charge_count == 0

    @pytest.mark.parametrize("token", ["tok_visa", "tok_declined"])
    def test_same_key_same_request_returns_the_first_charge(self, provider, token):
        first = provider.charge(token=token, amount=gbp(500), idempotency_key="k")
        again = provider.charge(token=token, amount=gbp(500), idempotency_key="k")
        assert again == first
        assert provider.charge_count == 1

    @pytest.mark.parametrize(
        ("token", "amount"),
        [("tok_mastercard", gbp(500)), ("tok_visa", gbp(501)), ("tok_visa", Money(500, "EUR"))],
    )
    def test_same_key_different_request_is_refused(self, provider, token, amount):
        provider.charge(token="tok_visa", amount=gbp(500), idempotency_key="k")
        with pytest.raises(IdempotencyKeyReused):
            provider.charge(token=token, amount=amount, idempotency_key="k")
        assert provider.charge_count == 1

    def test_different_keys_make_different_charges(self, provider):
        a = provider.charge(token="tok_visa", amount=gbp(500), idempotency_key="a")
        b = provider.charge(token="tok_visa", amount=gbp(500), idempotency_key="b")
        assert a.id != b.id
        assert provider.charge_count == 2

    def test_parallel_identical_charges_make_one(self, provider):
        # GIVEN 50 threads retrying the same charge at once
        results = []

        def charge() -> None:
            results.append(
                provider.charge(token="tok_visa", amount=gbp(700), idempotency_key="same")
            )

        threads = [threading.Thread(target=charge) for _ in range(50)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # THEN one charge, and everyone got it
        assert provider.charge_count == 1
        assert len(set(results)) == 1

    def test_state_holds_no_token(self, provider):
        # GIVEN every test token charged and refunded
        for i, token in enumerate(TEST_CARDS):
            charge = provider.charge(token=token, amount=gbp(100), idempotency_key=f"k{i}")
            if charge.succeeded:
                provider.refund(charge_id=charge.id, amount=gbp(10), idempotency_key=f"r{i}")
        # THEN no token string appears anywhere in the provider's state
        state = repr(vars(provider))
        for token in TEST_CARDS:
            assert token not in state
        assert "4242" in state  # the check can see into the state at all


class TestRefund:
    @pytest.fixture
    def charge_id(self, provider: SandboxPaymentProvider) -> str:
        return provider.charge(token="tok_visa", amount=gbp(1000), idempotency_key="c").id

    def test_partial_refunds_add_up_to_the_charge(self, provider, charge_id):
        provider.refund(charge_id=charge_id, amount=gbp(400), idempotency_key="r1")
        provider.refund(charge_id=charge_id, amount=gbp(600), idempotency_key="r2")
        assert provider.refunded(charge_id) == 1000
        with pytest.raises(ValidationError):
            provider.refund(charge_id=charge_id, amount=gbp(1), idempotency_key="r3")

    def test_refund_above_the_charge_is_refused(self, provider, charge_id):
        with pytest.raises(ValidationError):
            provider.refund(charge_id=charge_id, amount=gbp(1001), idempotency_key="r")
        assert provider.refunded(charge_id) == 0

    def test_same_key_returns_the_same_refund_once(self, provider, charge_id):
        first = provider.refund(charge_id=charge_id, amount=gbp(300), idempotency_key="r")
        again = provider.refund(charge_id=charge_id, amount=gbp(300), idempotency_key="r")
        assert again == first
        assert provider.refunded(charge_id) == 300

    def test_same_key_different_refund_is_refused(self, provider, charge_id):
        provider.refund(charge_id=charge_id, amount=gbp(300), idempotency_key="r")
        with pytest.raises(IdempotencyKeyReused):
            provider.refund(charge_id=charge_id, amount=gbp(301), idempotency_key="r")

    @pytest.mark.parametrize(
        ("charge_id", "amount", "error"),
        [
            ("ch_nope", gbp(1), NotFound),
            (None, Money(1, "EUR"), ValidationError),
            (None, gbp(0), ValidationError),
        ],
    )
    def test_refuses_bad_refunds(self, provider, charge_id, amount, error):
        real = provider.charge(token="tok_visa", amount=gbp(100), idempotency_key="c").id
        with pytest.raises(error):
            provider.refund(charge_id=charge_id or real, amount=amount, idempotency_key="r")

    def test_failed_charge_cannot_be_refunded(self, provider):
        charge = provider.charge(token="tok_declined", amount=gbp(100), idempotency_key="c")
        with pytest.raises(InvalidState):
            provider.refund(charge_id=charge.id, amount=gbp(100), idempotency_key="r")


@given(
    amount=st.integers(1, 100_000),
    refunds=st.lists(st.tuples(st.integers(1, 100_000), st.integers(0, 5)), max_size=12),
)
def test_refunds_by_key_are_idempotent_and_never_exceed_the_charge(amount, refunds):
    # GIVEN a charge, and refunds whose keys repeat (key i always asks for the same amount)
    provider = SandboxPaymentProvider()
    charge = provider.charge(token="tok_visa", amount=gbp(amount), idempotency_key="c")
    asked: dict[int, int] = {}
    granted: dict[int, int] = {}
    for wanted, key in refunds:
        minor = asked.setdefault(key, wanted)
        try:
            refund = provider.refund(
                charge_id=charge.id, amount=gbp(minor), idempotency_key=f"r{key}"
            )
        except ValidationError:
            assert key not in granted
            continue
        granted[key] = refund.amount.amount
        # THEN the charge is never over-refunded, and each key counted once
        assert provider.refunded(charge.id) == sum(granted.values()) <= amount


@given(
    amount=st.integers(1, 10**9),
    token=st.sampled_from(sorted(TEST_CARDS)),
    repeats=st.integers(1, 5),
)
def test_charges_by_key_are_idempotent(amount, token, repeats):
    provider = SandboxPaymentProvider()
    charges = {
        provider.charge(token=token, amount=gbp(amount), idempotency_key="k")
        for _ in range(repeats)
    }
    assert len(charges) == 1
    assert provider.charge_count == 1


def test_without_a_card_network_every_call_is_a_dependency_failure():
    """An environment with `BNPL_PAYMENTS=none` charges nothing and says why."""
    from services.credit.payments.provider import NoCardNetwork
    from services.credit.wiring import payment_provider
    from services.shared.errors import DependencyFailure
    from services.shared.settings import Settings

    provider = payment_provider(Settings.from_environ({"BNPL_PAYMENTS": "none"}))
    assert isinstance(provider, NoCardNetwork)
    with pytest.raises(DependencyFailure, match="No card network"):
        provider.charge(token="tok_visa", amount=gbp(100), idempotency_key="k")
    with pytest.raises(DependencyFailure, match="No card network"):
        provider.refund(charge_id="ch_1", amount=gbp(100), idempotency_key="k")
    with pytest.raises(DependencyFailure, match="No card network"):
        provider.find_charge(idempotency_key="k")
