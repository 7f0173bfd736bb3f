"""The proxy's checks of AppSync's arguments: which ids may be sent, what a refusal says."""

from __future__ import annotations

import pytest

from services.credit_proxy.arguments import (
    NEXT_TOKEN_MAX_CHARS,
    check_ids,
    header_value,
    lookup_id,
    next_token,
    required_id,
)
from services.shared.errors import ValidationError
from services.shared.ids import ID_MAX_CHARS

SMILE = "\U0001f600"
IMPOSSIBLE = ["", "i" * (ID_MAX_CHARS + 1), "a\ud800", "\udfff", None, 42, ["a"]]
POSSIBLE = ["c-1", "i" * ID_MAX_CHARS, SMILE * ID_MAX_CHARS, "a b/c?d"]


@pytest.mark.parametrize("value", POSSIBLE)
def test_a_possible_id_is_sent_as_it_is(value):
    assert lookup_id(value) == value
    assert required_id(value, "planId") == value


@pytest.mark.parametrize("value", IMPOSSIBLE)
def test_an_impossible_id_is_null_for_a_query(value):
    assert lookup_id(value) is None


@pytest.mark.parametrize("value", IMPOSSIBLE)
def test_an_impossible_id_is_a_validation_error_stating_the_limit(value):
    with pytest.raises(ValidationError) as caught:
        required_id(value, "planId")
    assert caught.value.message == "planId must be 1 to 128 characters of valid Unicode text"
    assert caught.value.details == {"field": "planId"}


def test_check_ids_names_the_first_bad_field_and_skips_absent_optional_ones():
    check_ids({"checkoutId": "c-1"}, "checkoutId", optional=("bankConsentId",))
    with pytest.raises(ValidationError) as caught:
        check_ids(
            {"checkoutId": "c-1", "bankConsentId": ""}, "checkoutId", optional=("bankConsentId",)
        )
    assert caught.value.details == {"field": "bankConsentId"}
    with pytest.raises(ValidationError) as caught:
        check_ids({"offerId": "o-1"}, "applicationId", "offerId")
    assert caught.value.details == {"field": "applicationId"}


def test_next_token():
    assert next_token(None) is None
    assert next_token("") == ""
    assert next_token("t" * NEXT_TOKEN_MAX_CHARS) == "t" * NEXT_TOKEN_MAX_CHARS
    for bad in ("t" * (NEXT_TOKEN_MAX_CHARS + 1), "a\udc00"):
        with pytest.raises(ValidationError, match="at most 2048 characters"):
            next_token(bad)


@pytest.mark.parametrize(
    ("value", "sent"),
    [
        ("dev-1 a/b", "dev-1 a/b"),
        ("caf\u00e9", "caf%C3%A9"),
        ("a\tb", "a%09b"),
        ("x\ud800", "x%5Cud800"),
    ],
)
def test_header_values_are_printable_ascii(value, sent):
    assert header_value(value) == sent
    assert sent.isascii()
    assert sent.isprintable()
