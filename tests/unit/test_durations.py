"""Durations as responders type them (`1h30m`) and as reports show them (`2h 14m`)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from watchkeeper.domain.durations import (
    InvalidDuration,
    format_compact,
    format_duration,
    parse_duration,
)


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("45s", timedelta(seconds=45)),
        ("30m", timedelta(minutes=30)),
        ("1h", timedelta(hours=1)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("2d", timedelta(days=2)),
        ("90m", timedelta(hours=1, minutes=30)),
        ("1H30M", timedelta(hours=1, minutes=30)),
        ("1h 30m", timedelta(hours=1, minutes=30)),
        ("  30m ", timedelta(minutes=30)),
        ("0h15m", timedelta(minutes=15)),
    ],
)
def test_parse_duration_reads_what_responders_type(text: str, span: timedelta) -> None:
    assert parse_duration(text) == span


@pytest.mark.parametrize(
    "text", ["abc", "", "   ", "30", "-5m", "1.5h", "m", "30m please", "5 minutes", "1w"]
)
def test_parse_duration_refuses_what_is_not_a_duration(text: str) -> None:
    with pytest.raises(InvalidDuration, match="is not a duration; use a form such as 45s, 30m"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["0m", "0s", "0h0m"])
def test_parse_duration_refuses_zero(text: str) -> None:
    with pytest.raises(InvalidDuration, match="is zero"):
        parse_duration(text)


def test_parse_duration_refuses_a_span_too_long_to_hold() -> None:
    with pytest.raises(InvalidDuration, match="too long"):
        parse_duration("1000000000d")


def test_invalid_duration_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_duration("soon")


@pytest.mark.parametrize(
    ("span", "text"),
    [
        (timedelta(hours=2, minutes=14), "2h 14m"),
        (timedelta(minutes=45), "45m"),
        (timedelta(seconds=40), "40s"),
        (timedelta(days=1, hours=2, minutes=5), "1d 2h 5m"),
        (timedelta(hours=2), "2h"),
        (timedelta(days=3), "3d"),
        (timedelta(days=1, hours=2), "1d 2h"),
        (timedelta(days=1, minutes=5), "1d 5m"),
        (timedelta(seconds=59), "59s"),
        (timedelta(seconds=60), "1m"),
        (timedelta(seconds=0), "0s"),
    ],
)
def test_format_duration_shows_spans_as_incident_reports_do(span: timedelta, text: str) -> None:
    assert format_duration(span) == text


def test_format_duration_drops_seconds_once_a_span_passes_a_minute() -> None:
    assert format_duration(timedelta(hours=2, minutes=14, seconds=59)) == "2h 14m"


def test_format_duration_ignores_fractions_of_a_second() -> None:
    assert format_duration(timedelta(seconds=40, microseconds=900_000)) == "40s"


def test_format_duration_marks_a_negative_span() -> None:
    assert format_duration(-timedelta(hours=1, minutes=5)) == "-1h 5m"


@pytest.mark.parametrize(
    ("span", "text"),
    [
        (timedelta(minutes=30), "30m"),
        (timedelta(hours=1, minutes=30), "1h30m"),
        (timedelta(seconds=45), "45s"),
        (timedelta(days=2), "2d"),
        (timedelta(days=1, hours=2, minutes=3, seconds=4), "1d2h3m4s"),
        (timedelta(minutes=90), "1h30m"),
    ],
)
def test_format_compact_shows_an_interval_the_way_it_is_typed(span: timedelta, text: str) -> None:
    assert format_compact(span) == text


@given(st.integers(min_value=1, max_value=999_999_999 * 86_400))
def test_format_compact_reads_back_as_the_same_interval(seconds: int) -> None:
    span = timedelta(seconds=seconds)

    assert parse_duration(format_compact(span)) == span


@given(st.integers(min_value=1, max_value=10_000 * 24 * 60))
def test_format_duration_of_whole_minutes_reads_back_as_the_same_span(count: int) -> None:
    span = timedelta(minutes=count)

    assert parse_duration(format_duration(span)) == span
