"""`util.time`'s formatted functions: Java DateTimeFormatter patterns and time zones (appsync.md
§6.2). Expected values are those of AWS's documented examples where they exist (the
time-helpers-in-util-time pages), and of java.time otherwise."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.unit.appsync.js.conftest import Run

Value = Callable[..., Any]

# 2018-02-06T19:01:35.500Z, the AWS docs' example instant.
MS = 1517943695500


def js(text: str) -> str:
    return json.dumps(text)


class TestFormatting:
    @pytest.mark.parametrize(
        ("pattern", "zone", "expected"),
        [
            # The AWS docs' examples.
            ("yyyy-MM-dd HH:mm:ssZ", None, "2018-02-06 19:01:35+0000"),
            ("yyyy-MM-dd HH:mm:ssZ", "Australia/Perth", "2018-02-07 03:01:35+0800"),
            ("yyyy-MM-dd HH:mm:ssZ", "Africa/Johannesburg", "2018-02-06 21:01:35+0200"),
            # java.time's letters.
            ("EEE, d MMM yyyy", None, "Tue, 6 Feb 2018"),
            ("EEEE MMMM dd yy", None, "Tuesday February 06 18"),
            ("hh:mm a", None, "07:01 PM"),
            ("HH:mm:ss.SSS", None, "19:01:35.500"),
            ("D 'day' '''quoted'''", None, "37 day 'quoted'"),
            ("hh 'o''clock' ''", None, "07 o'clock '"),
            ("XXX|XX|X|xxx", "Asia/Kolkata", "+05:30|+0530|+0530|+05:30"),
            ("XXX ZZZZZ", "UTC", "Z Z"),
            ("ZZZZ|O", "-03:00", "GMT-03:00|GMT-3"),
            ("z VV", "America/New_York", "EST America/New_York"),
            ("z", "UTC", "UTC"),
        ],
    )
    def test_epoch_milliseconds_to_formatted(
        self, value: Value, pattern: str, zone: str | None, expected: str
    ) -> None:
        zone_arg = "" if zone is None else f", {js(zone)}"
        assert value(f"util.time.epochMilliSecondsToFormatted({MS}, {js(pattern)}{zone_arg})") == (
            expected
        )

    def test_daylight_saving_time_is_followed(self, value: Value) -> None:
        """A zone's offset follows its rules: New York is UTC-4 in July, UTC-5 in February."""
        july = 1531000000000  # 2018-07-07T21:46:40Z
        text = value(
            f"util.time.epochMilliSecondsToFormatted({july}, 'HH:mm Z z', 'America/New_York')"
        )
        assert text == "17:46 -0400 EDT"

    def test_an_unknown_zone_is_refused(self, run: Run) -> None:
        error = run(
            "util.time.nowFormatted('yyyy', ctx.args.zone)", arguments={"zone": "Mars/Base"}
        )
        assert error.error is not None
        assert "unknown time zone 'Mars/Base'" in error.error.message

    def test_an_unknown_pattern_letter_is_refused(self, run: Run) -> None:
        evaluation = run("util.time.nowFormatted('yyyy-qq')")
        assert evaluation.error is not None
        assert "unknown pattern letter 'q'" in evaluation.error.message


class TestParsing:
    @pytest.mark.parametrize(
        ("text", "pattern", "zone", "expected"),
        [
            # The AWS docs' examples.
            ("2018-02-01 17:21:13-0800", "yyyy-MM-dd HH:mm:ssZ", None, 1517534473000),
            ("2018-02-01 17:21:13", "yyyy-MM-dd HH:mm:ss", "+08:00", 1517476873000),
            # Zones by name, fixed offsets, fractions, month names, twelve-hour clocks.
            ("2018-02-07 03:01:35", "yyyy-MM-dd HH:mm:ss", "Australia/Perth", 1517943695000),
            ("06 Feb 2018 07:01:35.5 PM", "dd MMM yyyy hh:mm:ss.S a", None, 1517943695500),
            ("2018-07-07T17:46:40-04:00", "yyyy-MM-dd'T'HH:mm:ssXXX", None, 1531000000000),
            ("20180706", "yyyyMMdd", "UTC", 1530835200000),
        ],
    )
    def test_parse_formatted_to_epoch_milliseconds(
        self, value: Value, text: str, pattern: str, zone: str | None, expected: int
    ) -> None:
        zone_arg = "" if zone is None else f", {js(zone)}"
        assert (
            value(
                f"util.time.parseFormattedToEpochMilliSeconds({js(text)}, {js(pattern)}{zone_arg})"
            )
            == expected
        )

    def test_a_local_time_in_a_named_zone(self, value: Value) -> None:
        assert (
            value(
                "util.time.parseFormattedToEpochMilliSeconds("
                "'2018-07-07 17:46:40', 'yyyy-MM-dd HH:mm:ss', 'America/New_York')"
            )
            == 1531000000000
        )

    @pytest.mark.parametrize(
        ("text", "pattern"),
        [("2018-02-30 00:00", "yyyy-MM-dd HH:mm"), ("2018-2-01", "yyyy-MM-dd"), ("x", "yyyy")],
    )
    def test_text_that_does_not_match_is_refused(self, run: Run, text: str, pattern: str) -> None:
        evaluation = run(f"util.time.parseFormattedToEpochMilliSeconds({js(text)}, {js(pattern)})")
        assert evaluation.error is not None
        assert evaluation.error.message.startswith(
            "TypeError: util.time.parseFormattedToEpochMilliSeconds:"
        )

    def test_format_then_parse_round_trips(self, value: Value) -> None:
        pattern = "yyyy-MM-dd'T'HH:mm:ss.SSSZ"
        assert (
            value(
                f"util.time.parseFormattedToEpochMilliSeconds("
                f"util.time.epochMilliSecondsToFormatted({MS}, {js(pattern)}, 'Asia/Tokyo'),"
                f" {js(pattern)})"
            )
            == MS
        )
