"""Every error the user service gives for a limit states the limit: a customer (or frontend
developer) reads what is allowed from the message, without the docs."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from services.shared.errors import ServiceError
from services.user.consents.domain import RECONFIRMATION_INTERVAL, BankConsent, parse_grant
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
