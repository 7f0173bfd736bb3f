"""AWS scalars accept and refuse what the AppSync developer guide ("Scalar types") describes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from appsync import scalars

ACCEPTED = {
    scalars.parse_date: ["1970-01-01", "1970-01-01Z", "1970-01-01-07:00", "2024-02-29+05:30:00"],
    scalars.parse_time: ["12:30", "12:30:24", "12:30:24.500", "12:30:24.123456789Z", "23:59-07:00"],
    scalars.parse_datetime: [
        "2026-11-22T06:21:00Z",
        "2026-11-22T06:21Z",
        "2026-11-22T06:21:00.123456789Z",
        "2026-11-22T06:21:00-05:00",
        "-2017-01-01T00:00Z",
    ],
    # `a@b`: RFC 822 allows a single-label domain, and AppSync takes it (amplify-js#7717).
    scalars.parse_email: ["a@b.co", "first.last+tag@example.co.uk", "a@b"],
    scalars.parse_phone: ["+447700900001", "+1 206 555 0100", "206-555-0100", "07700 900001"],
    scalars.parse_url: ["https://www.amazon.com/dp/B000NZW3KC/", "mailto:example@example.com"],
    scalars.parse_ip_address: ["123.12.34.56", "123.12.34.56/24", "1a2b:3c4b::", "1a2b:3c4b::/32"],
}

REFUSED: dict[Callable[[object], str], list[object]] = {
    scalars.parse_date: ["2026-02-30", "2026-13-01", "26-01-01", "2026-01-01T00:00Z", 20260101],
    scalars.parse_time: ["24:00", "12:60", "12:30:61", "noon", "12:30:24.1234567890"],
    scalars.parse_datetime: [
        "2026-11-22T06:21:00",  # the offset is mandatory
        "2026-02-30T00:00Z",
        "2026-11-22T25:00:00Z",
        "2026-11-22 06:21:00Z",
        1700000000,
    ],
    scalars.parse_email: ["nope", "a@", "a b@c.com", "@example.com", "a@@b.com", 5],
    scalars.parse_phone: ["phone", "+44--7700", "12", "+1234567890123456", 447700900001],
    scalars.parse_url: ["www.amazon.com", "https://", "https://host/a//b", "ht tp://x.y"],
    scalars.parse_ip_address: ["256.1.1.1", "1.2.3", "::g", "1.2.3.4/33"],
}


@pytest.mark.parametrize(
    ("parse", "value"), [(p, v) for p, values in ACCEPTED.items() for v in values]
)
def test_accepts_documented_formats(parse, value):
    assert parse(value) == value


@pytest.mark.parametrize(
    ("parse", "value"), [(p, v) for p, values in REFUSED.items() for v in values]
)
def test_refuses_other_values(parse, value):
    with pytest.raises(scalars.ScalarFormatError, match=r"^Unable to parse"):
        parse(value)


class TestMessages:
    """AppSync's wording for refused values (appsync.md §2, §3; quoted from AppSync answers)."""

    def test_datetime_parse_message(self):
        with pytest.raises(scalars.ScalarFormatError) as refused:
            scalars.parse_datetime("2019")
        assert str(refused.value) == "Unable to parse `2019` as a valid DateTime Object."

    def test_phone_parse_message(self):
        with pytest.raises(scalars.ScalarFormatError) as refused:
            scalars.parse_phone("call me")
        assert str(refused.value) == "Unable to parse `call me` as a valid phone number."

    def test_json_parse_message_shows_the_value_as_java_prints_it(self):
        with pytest.raises(scalars.ScalarFormatError) as refused:
            scalars.parse_json({"key1": "hi", "key2": [3, True]})
        assert str(refused.value) == "Unable to parse {key1=hi, key2=[3, true]} as valid JSON."

    def test_serialize_message(self):
        with pytest.raises(scalars.ScalarFormatError) as refused:
            scalars.serialize_datetime("2020-05-23T06:4:37.000Z")
        assert refused.value.serialize_message == (
            "Unable to serialize `2020-05-23T06:4:37.000Z` as a valid DateTime Object."
        )


class TestTimestamp:
    def test_whole_seconds_either_side_of_the_epoch(self):
        assert scalars.parse_timestamp(-1) == -1
        assert scalars.parse_timestamp(1_700_000_000) == 1_700_000_000

    @pytest.mark.parametrize("value", [True, 1.5, "1700000000", 1 << 63])
    def test_refuses_non_integers(self, value):
        with pytest.raises(scalars.ScalarFormatError):
            scalars.parse_timestamp(value)


class TestJson:
    def test_input_is_a_json_string_and_resolvers_see_the_value(self):
        assert scalars.parse_json('{"a":[1,2]}') == {"a": [1, 2]}

    @pytest.mark.parametrize("value", ["not json", 5, {"a": 1}])
    def test_refuses_anything_but_a_json_string(self, value):
        with pytest.raises(scalars.ScalarFormatError):
            scalars.parse_json(value)

    def test_results_go_out_as_strings(self):
        assert scalars.serialize_json({"a": 1}) == '{"a":1}'


def test_naive_datetimes_serialize_as_utc():
    assert scalars.serialize_datetime(dt.datetime(2026, 1, 2, 3, 4, 5)) == "2026-01-02T03:04:05Z"
