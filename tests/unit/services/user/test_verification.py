"""The verification rules, without storage: codes, hashes, masking, slots, errors."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import pytest

from services.shared.errors import (
    ChallengeExpired,
    ChallengeLocked,
    ChallengeUsed,
    NotFound,
    RateLimited,
    ValidationError,
)
from services.user.verification.domain import (
    MAX_ATTEMPTS,
    ChallengeStatus,
    Channel,
    choose_slot,
    hash_code,
    issue,
    mask_email,
    mask_phone,
    new_code,
    opened,
    parse_channel,
    parse_code,
    wrong_code_error,
)

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


class Fixed:
    def __init__(self, value: int) -> None:
        self.value = value

    def randbelow(self, exclusive_upper_bound: int, /) -> int:
        assert exclusive_upper_bound == 1_000_000
        return self.value

    def token_bytes(self, nbytes: int | None = None, /) -> bytes:
        return secrets.token_bytes(nbytes)


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("+447700900123", "+44•••••••123"),
        ("+14155550123", "+1•••••••123"),
        ("+79161234567", "+7•••••••567"),
        ("+353871234567", "+353••••••567"),
        ("+4915112345678", "+49••••••••678"),
    ],
)
def test_a_phone_keeps_its_country_code_and_last_three_digits(phone, masked):
    assert mask_phone(phone) == masked


def test_an_email_keeps_its_first_letter_and_domain_only():
    assert mask_email("ada.lovelace@example.com") == "a•••@example.com"
    assert mask_email("x@example.com") == "x•••@example.com"


def test_codes_are_six_digits_with_leading_zeros():
    assert new_code(Fixed(42)) == "000042"
    assert all(len(new_code(secrets)) == 6 for _ in range(100))


def test_a_challenge_stores_a_salted_hash_only():
    first, code = issue(
        customer_id="c1",
        channel=Channel.SMS,
        destination="+447700900123",
        slot=0,
        now=NOW,
        random=Fixed(123456),
    )
    second, same_code = issue(
        customer_id="c1",
        channel=Channel.SMS,
        destination="+447700900123",
        slot=1,
        now=NOW,
        random=Fixed(123456),
    )
    assert code == same_code == "123456"
    assert first.salt != second.salt
    assert first.code_hash != second.code_hash
    assert code.encode() not in first.code_hash
    assert first.code_hash == hash_code(code, first.salt)
    assert first.expires_at == NOW + timedelta(minutes=10)
    assert first.retain_until == NOW + timedelta(hours=1)
    assert first.status is ChallengeStatus.SENDING
    assert opened(first).matches("123456")
    assert not opened(first).matches("123457")


def test_the_state_errors_are_distinct():
    challenge, _ = issue(
        customer_id="c1",
        channel=Channel.EMAIL,
        destination="a@b.test",
        slot=0,
        now=NOW,
        random=secrets,
    )
    with pytest.raises(NotFound):  # never sent
        challenge.ensure_confirmable(NOW)
    live = opened(challenge)
    live.ensure_confirmable(NOW + timedelta(minutes=9, seconds=59))
    with pytest.raises(ChallengeExpired):
        live.ensure_confirmable(NOW + timedelta(minutes=10))
    from dataclasses import replace

    with pytest.raises(ChallengeLocked):
        replace(live, attempts=MAX_ATTEMPTS).ensure_confirmable(NOW)
    with pytest.raises(ChallengeUsed):
        replace(live, status=ChallengeStatus.USED).ensure_confirmable(NOW)


def test_wrong_code_errors_count_down_then_lock():
    first = wrong_code_error(1)
    assert isinstance(first, ValidationError)
    assert first.details == {"field": "code", "remainingAttempts": 4}
    last = wrong_code_error(5)
    assert isinstance(last, ChallengeLocked)
    assert last.details == {"remainingAttempts": 0}


def test_slots_free_up_an_hour_after_their_challenge():
    assert choose_slot({}, now=NOW) == 0
    taken = {slot: NOW - timedelta(minutes=10 * slot) for slot in range(5)}
    with pytest.raises(RateLimited) as refused:
        choose_slot(taken, now=NOW)
    # The oldest (slot 4) is 40 minutes old: 20 minutes to go.
    assert refused.value.details == {"retryAfterSeconds": 20 * 60}
    assert choose_slot(taken, now=NOW + timedelta(minutes=20)) == 4
    assert choose_slot({0: NOW, 2: NOW}, now=NOW) == 1


@pytest.mark.parametrize("payload", [{}, {"channel": "sms"}, {"channel": 1}, {"x": 1}])
def test_a_bad_channel_is_refused(payload):
    with pytest.raises(ValidationError):
        parse_channel(payload)


def test_channels_and_codes_parse():
    assert parse_channel({"channel": "EMAIL"}) is Channel.EMAIL
    assert parse_code({"code": "012345"}) == "012345"
    with pytest.raises(ValidationError):
        parse_code({"code": "٠١٢٣٤٥"})  # Arabic-Indic digits are digits to \d, not to us
