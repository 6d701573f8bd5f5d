"""Reading the times responders type into `/incident set`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from watchkeeper.slack.times import InvalidTime, parse_time

BERLIN = ZoneInfo("Europe/Berlin")
# 08:30 in Berlin (UTC+1 in November): bare times are read there, not in UTC.
NOW = datetime(2025, 11, 24, 7, 30, tzinfo=UTC)


def read(text: str, *, now: datetime = NOW) -> datetime:
    return parse_time(text, now=now, zone=BERLIN)


def utc(hour: int, minute: int, second: int = 0, *, day: int = 24, month: int = 11) -> datetime:
    return datetime(2025, month, day, hour, minute, second, tzinfo=UTC)


def test_clock_time_is_today_in_the_zone() -> None:
    assert read("08:08") == utc(7, 8)


def test_clock_time_takes_a_single_digit_hour() -> None:
    assert read("8:08") == utc(7, 8)


def test_clock_time_takes_seconds() -> None:
    assert read("08:08:30") == utc(7, 8, 30)


def test_clock_time_means_today_in_the_zone_when_utc_is_still_yesterday() -> None:
    # At 23:30 UTC on the 24th it is already 00:30 on the 25th in Berlin.
    late = utc(23, 30)
    assert read("00:10", now=late) == utc(23, 10)


def test_clock_time_later_today_is_in_the_future() -> None:
    with pytest.raises(InvalidTime, match="is in the future"):
        read("08:38")


def test_future_clock_time_points_to_the_dated_form() -> None:
    with pytest.raises(InvalidTime, match="2025-11-23 08:38"):
        read("08:38")


def test_clock_time_equal_to_now_is_accepted() -> None:
    assert read("08:30") == NOW


def test_clock_time_out_of_range_is_refused() -> None:
    with pytest.raises(InvalidTime, match="not a time of day"):
        read("24:00")


def test_date_and_time_is_read_in_the_zone() -> None:
    assert read("2025-11-24 08:08") == utc(7, 8)


def test_date_and_time_uses_the_zones_offset_on_that_date() -> None:
    # Berlin is UTC+2 in July.
    assert read("2025-07-01 08:00") == utc(6, 0, day=1, month=7)


def test_date_and_time_may_be_separated_by_several_spaces() -> None:
    assert read("2025-11-24   08:08") == utc(7, 8)


def test_iso_timestamp_with_offset() -> None:
    assert read("2025-11-24T08:08:00+01:00") == utc(7, 8)


def test_iso_timestamp_with_z() -> None:
    assert read("2025-11-24T06:00:00Z") == utc(6, 0)


def test_iso_timestamp_in_lower_case() -> None:
    assert read("2025-11-24t06:00:00z") == utc(6, 0)


def test_iso_timestamp_with_compact_offset() -> None:
    assert read("2025-11-24T10:30:00+0530") == utc(5, 0)


def test_iso_timestamp_with_negative_offset() -> None:
    assert read("2025-11-24T01:00:00-05:00") == utc(6, 0)


def test_iso_timestamp_with_fraction() -> None:
    assert read("2025-11-24T06:00:00.250Z") == utc(6, 0) + timedelta(milliseconds=250)


def test_iso_timestamp_without_offset_is_read_in_the_zone() -> None:
    assert read("2025-11-24T08:08") == utc(7, 8)


def test_impossible_date_is_refused() -> None:
    with pytest.raises(InvalidTime, match="not a real date"):
        read("2025-02-30 08:00")


def test_offset_with_too_many_minutes_is_refused() -> None:
    with pytest.raises(InvalidTime, match="not a real date"):
        read("2025-11-24T06:00:00+01:75")


def test_time_skipped_by_daylight_saving_is_refused() -> None:
    with pytest.raises(InvalidTime, match="skipped"):
        read("2025-03-30 02:30")


def test_repeated_autumn_hour_reads_as_the_first_one() -> None:
    # 02:30 happens twice on 2025-10-26 in Berlin; the first is at UTC+2.
    assert read("2025-10-26 02:30") == utc(0, 30, day=26, month=10)


def test_duration_ago() -> None:
    assert read("15m ago") == utc(7, 15)


def test_compound_duration_ago() -> None:
    assert read("1h30m ago") == utc(6, 0)


def test_duration_ago_with_spaces_and_capitals() -> None:
    assert read("1h 30m  AGO") == utc(6, 0)


def test_ago_without_a_duration_is_refused() -> None:
    with pytest.raises(InvalidTime, match="not a time; write the duration"):
        read("soon ago")


def test_ago_too_far_back_is_refused() -> None:
    with pytest.raises(InvalidTime, match="too far back"):
        read("999999999d ago")


def test_ago_with_more_digits_than_int_reads_is_refused() -> None:
    with pytest.raises(InvalidTime):
        read("9" * 5000 + "m ago")


@pytest.mark.parametrize("text", ["now", "Now", "NOW"])
def test_now_is_now(text: str) -> None:
    assert read(text) == NOW


def test_timestamp_out_of_datetime_range_is_refused() -> None:
    with pytest.raises(InvalidTime, match="too far"):
        read("0001-01-01T00:00:00+01:00")


def test_future_timestamp_is_refused() -> None:
    with pytest.raises(InvalidTime, match="is in the future"):
        read("2025-11-24T07:31:00Z")


def test_unknown_form_names_the_accepted_forms() -> None:
    with pytest.raises(InvalidTime) as caught:
        read("yesterday")
    for form in ("08:38", "2025-11-24 08:08", "+01:00", "15m ago", "Europe/Berlin"):
        assert form in str(caught.value)


@pytest.mark.parametrize(
    "text",
    [
        "now",
        "08:08",
        "2025-11-24 08:08",
        "2025-11-24T08:08:00+01:00",
        "2025-11-24T06:00Z",
        "5m ago",
    ],
)
def test_every_form_comes_back_in_utc(text: str) -> None:
    assert read(text).tzinfo is UTC


def test_naive_now_is_a_programming_error_not_a_typing_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware") as caught:
        parse_time("08:00", now=datetime(2025, 11, 24, 7, 30), zone=BERLIN)
    assert not isinstance(caught.value, InvalidTime)


_TIMEISH = st.text(alphabet="0123456789:-+ TZtzago.,hmsdnow\x00\n", max_size=30)


@given(st.one_of(st.text(), _TIMEISH))
def test_any_text_is_a_past_utc_time_or_invalid_time(text: str) -> None:
    try:
        moment = read(text)
    except InvalidTime:
        return
    assert moment.tzinfo is UTC
    assert moment <= NOW
