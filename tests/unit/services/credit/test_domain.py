from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.credit.checkouts.domain import (
    MAX_APPLICANTS_PER_CHECKOUT,
    Applicant,
    Checkout,
    CheckoutStatus,
    CustomerCaller,
    Merchant,
    MerchantCaller,
    parse_checkout_request,
)
from services.shared.errors import CheckoutExpired, InvalidState, ValidationError
from services.shared.money import Money

ARN = "arn:aws:iam::111122223333:user/shop"
APPROVED = CheckoutStatus.APPROVED


def line(
    sku: str = "SKU-1",
    quantity: Any = 1,
    amount: Any = 4999,
    currency: str = "GBP",
    name: str = "Trail shoes",
) -> dict[str, Any]:
    return {
        "sku": sku,
        "name": name,
        "quantity": quantity,
        "unitPrice": {"amount": amount, "currency": currency},
    }


def request(**overrides: Any) -> dict[str, Any]:
    body = {
        "merchantId": "m_shop",
        "merchantReference": "order-1",
        "amount": {"amount": 4999, "currency": "GBP"},
        "items": [line()],
    }
    return {**body, **overrides}


def field_of(payload: dict[str, Any]) -> str | None:
    with pytest.raises(ValidationError) as caught:
        parse_checkout_request(payload)
    return caught.value.field


class TestParse:
    def test_a_valid_request(self):
        parsed = parse_checkout_request(
            request(
                amount={"amount": 5500, "currency": "EUR"},
                items=[
                    line(quantity=2, amount=2000, currency="EUR"),
                    line(sku="S2", amount=1500, currency="EUR"),
                ],
            )
        )
        assert parsed.amount == Money(5500, "EUR")
        assert [i.total for i in parsed.items] == [Money(4000, "EUR"), Money(1500, "EUR")]
        assert parsed.reference_key == "m_shop#order-1"

    @pytest.mark.parametrize(
        ("amount", "field"),
        [
            ({"amount": -1, "currency": "GBP"}, "amount.amount"),
            ({"amount": 0, "currency": "GBP"}, "amount.amount"),
            ({"amount": 49.99, "currency": "GBP"}, "amount.amount"),
            ({"amount": "4999", "currency": "GBP"}, "amount.amount"),
            ({"amount": 10_000_001, "currency": "GBP"}, "amount.amount"),
            ({"amount": 4999, "currency": "BTC"}, "amount.currency"),
            ({"amount": 4999}, "amount.currency"),
            (4999, "amount"),
        ],
    )
    def test_amount_rules(self, amount, field):
        assert field_of(request(amount=amount)) == field

    def test_the_largest_amount(self):
        big = 10_000_000
        parsed = parse_checkout_request(
            request(amount={"amount": big, "currency": "GBP"}, items=[line(amount=big)])
        )
        assert parsed.amount.amount == big

    @pytest.mark.parametrize("missing", ["merchantId", "merchantReference", "amount", "items"])
    def test_required_fields(self, missing):
        payload = request()
        del payload[missing]
        assert field_of(payload) == missing

    @pytest.mark.parametrize("reference", ["", "   ", "x" * 129, 42, "line\nbreak"])
    def test_merchant_reference_is_1_to_128_characters(self, reference):
        assert field_of(request(merchantReference=reference)) == "merchantReference"

    def test_a_128_character_reference_is_fine(self):
        assert parse_checkout_request(request(merchantReference="r" * 128))

    @pytest.mark.parametrize("merchant_id", ["", "m#1", "m 1", "x" * 65, 7])
    def test_merchant_id_shape(self, merchant_id):
        assert field_of(request(merchantId=merchant_id)) == "merchantId"

    @pytest.mark.parametrize(
        ("items", "field"),
        [
            ([], "items"),
            ([line(amount=49)] * 101, "items"),
            ("SKU-1", "items"),
            ([line(sku="")], "items[0].sku"),
            ([line(name=" ")], "items[0].name"),
            ([line(quantity=0)], "items[0].quantity"),
            ([line(quantity=1.0)], "items[0].quantity"),
            ([line(quantity=True)], "items[0].quantity"),
            ([line(currency="EUR")], "items[0].unitPrice.currency"),
            ([line(amount=-4999)], "items[0].unitPrice.amount"),
            ([{**line(), "colour": "red"}], "items[0].colour"),
            ([line(), 5], "items[1]"),
        ],
    )
    def test_item_rules(self, items, field):
        assert field_of(request(items=items)) == field

    def test_items_must_add_up_to_the_amount(self):
        with pytest.raises(ValidationError, match=r"49\.99 GBP.*49\.98 GBP") as caught:
            parse_checkout_request(request(items=[line(quantity=2, amount=2499)]))
        assert caught.value.field == "amount.amount"

    def test_unknown_fields_are_refused(self):
        assert field_of(request(customerId="c1")) == "customerId"


class TestCheckout:
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

    def open(self, **overrides: Any) -> Checkout:
        return Checkout.open(
            parse_checkout_request(request(**overrides)), checkout_id="c-1", now=self.now
        )

    def test_a_new_checkout_is_open_for_an_hour(self):
        checkout = self.open()
        assert checkout.status is CheckoutStatus.CREATED
        assert checkout.customer_id is None
        assert checkout.expires_at - checkout.created_at == timedelta(hours=1)
        assert checkout.to_json() == {
            "id": "c-1",
            "merchantId": "m_shop",
            "merchantReference": "order-1",
            "amount": {"amount": 4999, "currency": "GBP"},
            "items": [line()],
            "status": "CREATED",
            "customerId": None,
            "expiresAt": "2026-03-01T13:00:00.000Z",
            "createdAt": "2026-03-01T12:00:00.000Z",
        }

    def test_answers_only_the_identical_request(self):
        checkout = self.open()
        assert checkout.answers(parse_checkout_request(request()))
        other = request(amount={"amount": 5000, "currency": "GBP"}, items=[line(amount=5000)])
        assert not checkout.answers(parse_checkout_request(other))

    def test_once_bound_only_its_shopper_and_merchant_see_it(self):
        shop = Merchant(id="m_shop", name="Shop", principal_arns=frozenset({ARN}))
        rival = Merchant(id="m_rival", name="Rival", principal_arns=frozenset({"arn:rival"}))
        open_checkout = self.open()
        taken = replace(
            open_checkout,
            status=CheckoutStatus.CONFIRMED,
            customer_id="sub-1",
            application_id="app-1",
            plan_id="pln-1",
            applicants={"sub-2": Applicant(application_id="app-2", outcome=APPROVED)},
        )
        assert open_checkout.seen_by(CustomerCaller(sub="anyone"), None) is not None
        assert taken.seen_by(CustomerCaller(sub="sub-1"), None) == taken
        assert taken.seen_by(CustomerCaller(sub="sub-2"), None) is None
        assert taken.seen_by(MerchantCaller(arn=ARN), shop) == taken
        assert taken.seen_by(MerchantCaller(arn="arn:rival"), rival) is None
        assert taken.seen_by(MerchantCaller(arn="arn:rival"), shop) is None
        assert taken.seen_by(MerchantCaller(arn=ARN), None) is None

    def test_while_unbound_each_caller_sees_their_own_view(self):
        shop = Merchant(id="m_shop", name="Shop", principal_arns=frozenset({ARN}))
        checkout = replace(
            self.open(),
            applicants={
                "sub-1": Applicant(application_id="app-1", outcome=CheckoutStatus.DECLINED),
                "sub-2": Applicant(application_id="app-2", outcome=CheckoutStatus.REFERRED),
            },
        )

        def seen(caller: Any, merchant: Merchant | None = None) -> tuple[Any, ...]:
            view = checkout.seen_by(caller, merchant)
            assert view is not None
            body = view.to_json()
            return body["status"], body["customerId"], body.get("applicationId")

        assert seen(CustomerCaller(sub="sub-1")) == ("DECLINED", "sub-1", "app-1")
        assert seen(CustomerCaller(sub="sub-2")) == ("REFERRED", "sub-2", "app-2")
        assert seen(CustomerCaller(sub="sub-3")) == ("CREATED", None, None)
        assert seen(MerchantCaller(arn=ARN), shop) == ("REFERRED", None, None)
        expired = replace(checkout, status=CheckoutStatus.EXPIRED)
        view = expired.seen_by(CustomerCaller(sub="sub-1"), None)
        assert view is not None
        assert (view.status, view.customer_id) == (CheckoutStatus.EXPIRED, "sub-1")

    def test_at_most_three_shoppers_may_apply_and_the_same_one_again(self):
        now = self.now
        full = replace(
            self.open(),
            applicants={
                f"sub-{n}": Applicant(application_id=f"app-{n}", outcome=APPROVED)
                for n in range(MAX_APPLICANTS_PER_CHECKOUT)
            },
        )
        assert MAX_APPLICANTS_PER_CHECKOUT == 3
        assert full.refusal("sub-0", now) is None
        refusal = full.refusal("sub-new", now)
        assert isinstance(refusal, InvalidState)
        assert refusal.details == {"reason": "APPLICANT_LIMIT", "limit": 3, "checkoutId": "c-1"}
        assert "3 shoppers" in refusal.message
        assert isinstance(full.refusal("sub-0", full.expires_at), CheckoutExpired)
        bound = replace(full, status=CheckoutStatus.CONFIRMED, plan_id="pln", customer_id="sub-0")
        assert isinstance(bound.refusal("sub-0", now), InvalidState)
