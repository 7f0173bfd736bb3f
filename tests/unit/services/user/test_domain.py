from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from services.shared.errors import ValidationError
from services.user.customers.countries import COUNTRY_CODES
from services.user.customers.domain import (
    Address,
    Customer,
    VerificationStatus,
    age_on,
    parse_changes,
    parse_registration,
)

TODAY = date(2026, 6, 15)
VALID = {"givenName": "Ada", "familyName": "Byron", "dateOfBirth": "1990-12-10"}
ADDRESS = {
    "line1": "1 Analytical Row",
    "line2": None,
    "city": "London",
    "postcode": "N1 9GU",
    "country": "GB",
}


def field_of(payload: dict[str, Any], *, parse: Any = parse_registration) -> str | None:
    with pytest.raises(ValidationError) as caught:
        parse(payload, today=TODAY)
    return caught.value.field


class TestRegistration:
    def test_minimal_profile(self):
        profile = parse_registration(VALID, today=TODAY)
        assert (profile.given_name, profile.family_name) == ("Ada", "Byron")
        assert profile.date_of_birth == date(1990, 12, 10)
        assert (profile.phone, profile.address) == (None, None)

    def test_full_profile_trims_names(self):
        payload = {
            **VALID,
            "givenName": "  Ada ",
            "phone": "+447700900123",
            "address": {**ADDRESS, "line2": "Flat 2"},
        }
        profile = parse_registration(payload, today=TODAY)
        assert profile.given_name == "Ada"
        assert profile.address == Address(
            line1="1 Analytical Row", line2="Flat 2", city="London", postcode="N1 9GU", country="GB"
        )

    @pytest.mark.parametrize("missing", ["givenName", "familyName", "dateOfBirth"])
    def test_required_fields(self, missing):
        payload = {k: v for k, v in VALID.items() if k != missing}
        assert field_of(payload) == missing
        assert field_of({**VALID, missing: None}) == missing

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("givenName", ""),
            ("givenName", "   "),
            ("familyName", "x" * 101),
            ("givenName", 7),
            ("familyName", "Tab\tbed"),
        ],
    )
    def test_names_are_1_to_100_characters(self, name, value):
        assert field_of({**VALID, name: value}) == name

    def test_a_100_character_name_is_fine(self):
        assert (
            len(parse_registration({**VALID, "givenName": "x" * 100}, today=TODAY).given_name)
            == 100
        )

    @pytest.mark.parametrize(
        "dob",
        [
            "1990-02-30",
            "1990-13-01",
            "10/12/1990",
            "19901210",
            "",
            19901210,
            "2026-06-16",
            "1890-01-01",
        ],
    )
    def test_date_of_birth_must_be_a_real_plausible_past_date(self, dob):
        assert field_of({**VALID, "dateOfBirth": dob}) == "dateOfBirth"

    def test_customers_are_at_least_18(self):
        assert parse_registration({**VALID, "dateOfBirth": "2008-06-15"}, today=TODAY)
        with pytest.raises(ValidationError, match="at least 18"):
            parse_registration({**VALID, "dateOfBirth": "2008-06-16"}, today=TODAY)

    def test_leap_day_birthdays_come_of_age_on_1_march(self):
        born = date(2008, 2, 29)
        assert age_on(born, date(2026, 2, 28)) == 17
        assert age_on(born, date(2026, 3, 1)) == 18

    @pytest.mark.parametrize(
        "phone", ["07700900123", "+0447700900123", "+44 7700 900123", "+1234567890123456", "", 44]
    )
    def test_phone_must_be_e164(self, phone):
        assert field_of({**VALID, "phone": phone}) == "phone"

    def test_email_is_never_input(self):
        assert field_of({**VALID, "email": "me@example.test"}) == "email"

    def test_unknown_fields_are_refused(self):
        assert field_of({**VALID, "nickname": "Ada"}) == "nickname"

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"country": "UK"}, "address.country"),
            ({"country": "gb"}, "address.country"),
            ({"country": "XX"}, "address.country"),
            ({"postcode": " "}, "address.postcode"),
            ({"postcode": None}, "address.postcode"),
            ({"line1": ""}, "address.line1"),
            ({"city": None}, "address.city"),
            ({"floor": 3}, "address.floor"),
        ],
    )
    def test_address_rules(self, change, field):
        assert field_of({**VALID, "address": {**ADDRESS, **change}}) == field

    def test_address_must_be_an_object(self):
        assert field_of({**VALID, "address": "1 Analytical Row"}) == "address"


class TestChanges:
    def test_any_subset(self):
        changes = parse_changes({"familyName": "Lovelace", "phone": None}, today=TODAY)
        assert changes.values == {"family_name": "Lovelace", "phone": None}

    def test_empty_update_changes_nothing(self):
        assert parse_changes({}, today=TODAY).values == {}

    @pytest.mark.parametrize("name", ["givenName", "familyName", "dateOfBirth"])
    def test_required_fields_cannot_be_removed(self, name):
        assert field_of({name: None}, parse=parse_changes) == name

    def test_same_rules_as_registration(self):
        assert field_of({"dateOfBirth": "2020-01-01"}, parse=parse_changes) == "dateOfBirth"
        assert field_of({"email": "x@example.test"}, parse=parse_changes) == "email"


def test_customer_json_is_the_api_shape():
    customer = Customer.register(
        customer_id="sub-1",
        email="ada@example.test",
        profile=parse_registration({**VALID, "address": ADDRESS}, today=TODAY),
        created_at=datetime(2026, 6, 15, 9, 30, 0, 125000, tzinfo=UTC),
    )
    assert customer.to_json() == {
        "id": "sub-1",
        "email": "ada@example.test",
        "phone": None,
        "givenName": "Ada",
        "familyName": "Byron",
        "dateOfBirth": "1990-12-10",
        "address": ADDRESS,
        "verificationStatus": "UNVERIFIED",
        "createdAt": "2026-06-15T09:30:00.125Z",
    }
    changed = customer.with_changes(parse_changes({"givenName": "Augusta"}, today=TODAY))
    assert (changed.given_name, changed.family_name) == ("Augusta", "Byron")
    assert changed.verification_status is VerificationStatus.UNVERIFIED


def test_every_assigned_iso_3166_alpha2_code():
    assert len(COUNTRY_CODES) == 249
    assert {"GB", "IE", "US", "DE", "FR", "SS", "XK"} - COUNTRY_CODES == {"XK"}
