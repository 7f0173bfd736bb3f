from __future__ import annotations

import pytest

from services.shared.errors import ValidationError
from services.shared.money import CURRENCIES, Money


class TestParse:
    def test_reads_minor_units_and_currency(self):
        assert Money.parse({"amount": 1999, "currency": "GBP"}, field="amount") == Money(
            1999, "GBP"
        )

    @pytest.mark.parametrize(
        ("value", "field"),
        [
            ({"amount": 19.99, "currency": "GBP"}, "price.amount"),
            ({"amount": "1999", "currency": "GBP"}, "price.amount"),
            ({"amount": True, "currency": "GBP"}, "price.amount"),
            ({"amount": 0, "currency": "GBP"}, "price.amount"),
            ({"amount": -5, "currency": "GBP"}, "price.amount"),
            ({"currency": "GBP"}, "price.amount"),
            ({"amount": 100, "currency": "XYZ"}, "price.currency"),
            ({"amount": 100, "currency": "gbp"}, "price.currency"),
            ({"amount": 100}, "price.currency"),
            ({"amount": 100, "currency": "GBP", "cents": 1}, "price"),
            ([100, "GBP"], "price"),
        ],
    )
    def test_refuses_bad_values_naming_the_field(self, value, field):
        with pytest.raises(ValidationError) as caught:
            Money.parse(value, field="price")
        assert caught.value.field == field
        assert caught.value.details == {"field": field}

    def test_zero_and_negative_allowed_when_not_asked_for_positive(self):
        assert (
            Money.parse({"amount": -5, "currency": "EUR"}, field="x", positive=False).amount == -5
        )

    def test_maximum(self):
        assert Money.parse({"amount": 10, "currency": "USD"}, field="x", maximum=10).amount == 10
        with pytest.raises(ValidationError, match="at most 10"):
            Money.parse({"amount": 11, "currency": "USD"}, field="x", maximum=10)


class TestMoney:
    def test_the_three_main_currencies_have_two_decimals(self):
        assert {c: CURRENCIES[c] for c in ("GBP", "EUR", "USD")} == {
            "GBP": 2,
            "EUR": 2,
            "USD": 2,
        }

    @pytest.mark.parametrize("amount", [1.5, True, "3"])
    def test_constructor_refuses_non_integers(self, amount):
        with pytest.raises(ValueError, match="minor units"):
            Money(amount, "GBP")

    def test_constructor_refuses_unknown_currency(self):
        with pytest.raises(ValueError, match="unsupported currency"):
            Money(100, "ABC")

    def test_arithmetic_keeps_integers_and_refuses_mixed_currencies(self):
        assert Money(250, "GBP").times(3) + Money(1, "GBP") == Money(751, "GBP")
        assert Money(250, "GBP") - Money(300, "GBP") == Money(-50, "GBP")
        with pytest.raises(ValueError, match="cannot combine"):
            Money(1, "GBP") + Money(1, "EUR")

    @pytest.mark.parametrize(
        ("money", "text"),
        [
            (Money(1999, "GBP"), "19.99 GBP"),
            (Money(5, "EUR"), "0.05 EUR"),
            (Money(-120, "USD"), "-1.20 USD"),
            (Money(1500, "JPY"), "1500 JPY"),
        ],
    )
    def test_format(self, money, text):
        assert money.format() == text

    def test_json_shape(self):
        assert Money(4999, "GBP").to_json() == {"amount": 4999, "currency": "GBP"}
