"""Every error the user service gives for a limit states the limit: a customer (or frontend
developer) reads what is allowed from the message, without the docs."""

from __future__ import annotations

import functools
import itertools
import re
import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import jsonschema_rs
import pytest

from services.shared.errors import ServiceError
from services.user.consents.domain import (
    RECONFIRMATION_INTERVAL,
    BankConsent,
    Permission,
    parse_grant,
    parse_permissions,
)
from services.user.customers.countries import COUNTRY_CODES
from services.user.customers.domain import (
    ADDRESS_LINE_MAX_CHARS,
    MAX_AGE_YEARS,
    MIN_AGE_YEARS,
    NAME_MAX_CHARS,
    PHONE_MAX_DIGITS,
    POSTCODE_MAX_CHARS,
    parse_address,
    parse_date_of_birth,
    parse_name,
    parse_phone,
)
from services.user.openapi import OPENAPI
from services.user.sandbox_bank.bank import MAX_CONSENT_DURATION
from services.user.verification.domain import (
    CODE_DIGITS,
    CODE_LIFETIME,
    MAX_ATTEMPTS,
    MAX_CHALLENGES_PER_WINDOW,
    Channel,
    choose_slot,
    issue,
    opened,
    parse_code,
    wrong_code_error,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
ADDRESS = {"line1": "1 Row", "city": "London", "postcode": "N1 9GU", "country": "GB"}


def throw(error: ServiceError) -> None:
    raise error


def challenge_past(limit: str) -> None:
    challenge, _ = issue(
        customer_id="sub-1",
        channel=Channel.SMS,
        destination="+447700900123",
        slot=0,
        now=NOW,
        random=secrets,
    )
    if limit == "attempts":
        challenge = replace(challenge, attempts=MAX_ATTEMPTS)
    opened(challenge).ensure_confirmable(NOW + CODE_LIFETIME)


def overdue_consent() -> None:
    expires_at = (NOW + timedelta(days=200)).isoformat()
    request = parse_grant(
        {"permissions": ["ReadBalances"], "expiresAt": expires_at},
        now=NOW,
        max_duration=MAX_CONSENT_DURATION,
    )
    consent = BankConsent.request(consent_id="c-1", customer_id="sub-1", request=request, now=NOW)
    authorised = consent.authorise(NOW)
    authorised.check_data_access(NOW + RECONFIRMATION_INTERVAL)


LIMITS: dict[str, tuple[Callable[[], object], str]] = {
    "NAME_MAX_CHARS": (
        lambda: parse_name("n" * (NAME_MAX_CHARS + 1), field="givenName"),
        f"at most {NAME_MAX_CHARS} characters",
    ),
    "ADDRESS_LINE_MAX_CHARS": (
        lambda: parse_address({**ADDRESS, "line1": "l" * (ADDRESS_LINE_MAX_CHARS + 1)}),
        f"at most {ADDRESS_LINE_MAX_CHARS} characters",
    ),
    "POSTCODE_MAX_CHARS": (
        lambda: parse_address({**ADDRESS, "postcode": "p" * (POSTCODE_MAX_CHARS + 1)}),
        f"at most {POSTCODE_MAX_CHARS} characters",
    ),
    "MIN_AGE_YEARS": (
        lambda: parse_date_of_birth("2020-01-01", today=TODAY),
        f"at least {MIN_AGE_YEARS} years old",
    ),
    "MAX_AGE_YEARS": (
        lambda: parse_date_of_birth(date(1890, 1, 1).isoformat(), today=TODAY),
        f"within the last {MAX_AGE_YEARS} years",
    ),
    "PHONE_MAX_DIGITS": (
        lambda: parse_phone("+4477009001234567"),
        f"at most {PHONE_MAX_DIGITS} digits",
    ),
    "CODE_DIGITS": (lambda: parse_code({"code": "12345"}), f"the {CODE_DIGITS} digits"),
    "MAX_ATTEMPTS (the wrong code that locks)": (
        lambda: throw(wrong_code_error(MAX_ATTEMPTS)),
        f"{MAX_ATTEMPTS} attempts",
    ),
    "MAX_ATTEMPTS (a locked challenge)": (
        lambda: challenge_past("attempts"),
        f"{MAX_ATTEMPTS} wrong codes",
    ),
    "CODE_LIFETIME": (
        lambda: challenge_past("lifetime"),
        f"{CODE_LIFETIME // timedelta(minutes=1)} minutes",
    ),
    "MAX_CHALLENGES_PER_WINDOW": (
        lambda: choose_slot(dict.fromkeys(range(MAX_CHALLENGES_PER_WINDOW), NOW), now=NOW),
        f"At most {MAX_CHALLENGES_PER_WINDOW} verifications an hour",
    ),
    "MAX_CONSENT_DURATION": (
        lambda: parse_grant(
            {"permissions": ["ReadBalances"], "expiresAt": "2099-01-01T00:00:00Z"},
            now=NOW,
            max_duration=MAX_CONSENT_DURATION,
        ),
        f"at most {MAX_CONSENT_DURATION.days} days ahead",
    ),
    "RECONFIRMATION_INTERVAL": (overdue_consent, f"every {RECONFIRMATION_INTERVAL.days} days"),
}


@pytest.mark.parametrize(("make", "stated"), list(LIMITS.values()), ids=list(LIMITS))
def test_the_error_states_the_limit(make: Callable[[], object], stated: str) -> None:
    with pytest.raises(ServiceError) as caught:
        make()
    assert stated in caught.value.message


# ---------------------------------------------------------------- the document states the limits
# Found by fuzzing the user service with schemathesis: its OpenAPI document allowed requests the
# parsers refuse (control characters, any two capital letters as a country, permissions that
# make no sense together) and refused some they take (a null expiresAt, a long padded postcode).


def _schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = OPENAPI["components"]["schemas"][name]
    return schema


def _accepted(parse: Callable[[], object]) -> bool:
    try:
        parse()
    except ServiceError:
        return False
    return True


@pytest.mark.parametrize(
    "value",
    [
        *("Ada", " Ada ", "Ada Lovelace", "", "   ", "Ada\x00", "\x85Ada", "\tAda\n", "Ada\x7f"),
        *("x" * NAME_MAX_CHARS, " " + "x" * NAME_MAX_CHARS + " ", "x" * (NAME_MAX_CHARS + 1)),
    ],
)
def test_the_documented_name_pattern_is_the_parsers_rule(value: str) -> None:
    pattern = _schema("RegisterCustomerInput")["properties"]["givenName"]["pattern"]
    documented = re.search(pattern, value) is not None
    assert documented == _accepted(lambda: parse_name(value, field="givenName"))


def test_the_documented_countries_are_the_parsers() -> None:
    assert _schema("Address")["properties"]["country"]["enum"] == sorted(COUNTRY_CODES)
    address = {"line1": "1 High St", "city": "Leeds", "postcode": "LS1 1AA", "country": "AA"}
    assert not _accepted(lambda: parse_address(address))


def test_the_documented_permission_sets_are_the_ones_parse_permissions_takes() -> None:
    schema = _schema("GrantBankConsentInput")["properties"]["permissions"]
    validator = jsonschema_rs.validator_for(schema)
    names = [p.value for p in Permission]
    for size in range(1, 4):
        for chosen in itertools.combinations(names, size):
            value = list(chosen)
            accepted = _accepted(functools.partial(parse_permissions, value))
            assert validator.is_valid(value) == accepted, value


def test_a_null_expiry_is_documented_as_the_default() -> None:
    expires_at = _schema("GrantBankConsentInput")["properties"]["expiresAt"]
    assert "null" in expires_at["type"]
    now = datetime(2026, 5, 1, tzinfo=UTC)
    grant = parse_grant(
        {"permissions": ["ReadBalances"], "expiresAt": None}, now=now, max_duration=timedelta(365)
    )
    assert grant.expires_at > now
