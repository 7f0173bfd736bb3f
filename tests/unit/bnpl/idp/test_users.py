"""A user's attributes: which a client may write, and the values Cognito accepts."""

from __future__ import annotations

import pytest

from bnpl.idp.errors import CognitoError
from bnpl.idp.users import User, Verifier, email_key, masked_email, validated_attributes


def test_standard_attributes_are_written():
    assert validated_attributes(
        [("given_name", "Ada"), ("birthdate", "1990-12-10"), ("phone_number", "+447700900123")]
    ) == {"given_name": "Ada", "birthdate": "1990-12-10", "phone_number": "+447700900123"}


@pytest.mark.parametrize(
    ("name", "value", "error"),
    [
        ("sub", "someone-else", "NotAuthorizedException"),
        ("email_verified", "true", "NotAuthorizedException"),
        ("cognito:groups", "underwriters", "NotAuthorizedException"),
        ("custom:tier", "gold", "InvalidParameterException"),
        ("email", "not-an-email", "InvalidParameterException"),
        ("phone_number", "07700 900123", "InvalidParameterException"),
        ("birthdate", "10/12/1990", "InvalidParameterException"),
        ("name", "x" * 2049, "InvalidParameterException"),
    ],
)
def test_other_attributes_and_bad_values_are_refused(name, value, error):
    with pytest.raises(CognitoError) as refused:
        validated_attributes([(name, value)])
    assert refused.value.name == error


def test_emails_compare_case_insensitively_and_show_masked():
    assert email_key(" Ada@Example.TEST ") == "ada@example.test"
    assert masked_email("ada@example.test") == "a***@e***"


def test_get_users_attribute_list_is_sorted_with_email_verified_as_text():
    user = User(
        username="u-1",
        status="CONFIRMED",
        email="ada@example.test",
        email_verified=True,
        credentials=Verifier(salt="01", verifier="02"),
        attributes={"given_name": "Ada"},
    )
    assert user.attribute_list() == [
        {"Name": "email", "Value": "ada@example.test"},
        {"Name": "email_verified", "Value": "true"},
        {"Name": "given_name", "Value": "Ada"},
        {"Name": "sub", "Value": "u-1"},
    ]
