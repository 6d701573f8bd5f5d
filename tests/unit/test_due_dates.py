"""Due dates as responders type them, read against a fixed today (Monday 30 Nov 2026)."""

from __future__ import annotations

from datetime import date

import pytest

from watchkeeper.slack.due_dates import InvalidDueDate, parse_due

MONDAY = date(2026, 11, 30)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("today", date(2026, 11, 30)),
        ("Tomorrow", date(2026, 12, 1)),
        ("friday", date(2026, 12, 4)),
        ("Fri", date(2026, 12, 4)),
        ("wednesday", date(2026, 12, 2)),
        ("next friday", date(2026, 12, 4)),
        ("2026-12-14", date(2026, 12, 14)),
        ("dec 14", date(2026, 12, 14)),
        ("14 December", date(2026, 12, 14)),
        ("Dec 14, 2027", date(2027, 12, 14)),
        ("in 2w", date(2026, 12, 14)),
        ("in 3d", date(2026, 12, 3)),
        ("in 10 days", date(2026, 12, 10)),
        ("in 1 week", date(2026, 12, 7)),
    ],
)
def test_each_form_names_the_day_a_responder_means(typed: str, expected: date) -> None:
    assert parse_due(typed, today=MONDAY) == expected


def test_a_weekday_said_on_that_weekday_is_a_week_away() -> None:
    assert parse_due("monday", today=MONDAY) == date(2026, 12, 7)


def test_a_month_and_day_already_past_this_year_is_next_years() -> None:
    assert parse_due("jan 5", today=MONDAY) == date(2027, 1, 5)
    assert parse_due("nov 30", today=MONDAY) == MONDAY


@pytest.mark.parametrize("typed", ["2026-11-29", "2025-12-14", "Nov 29, 2026"])
def test_a_day_in_the_past_is_refused_saying_so(typed: str) -> None:
    with pytest.raises(InvalidDueDate, match="has passed"):
        parse_due(typed, today=MONDAY)


def test_a_day_years_away_is_refused_as_a_typo() -> None:
    with pytest.raises(InvalidDueDate, match="three years"):
        parse_due("2062-12-14", today=MONDAY)


@pytest.mark.parametrize("typed", ["2026-02-30", "feb 30", "someday", "in 2 months", "fri day"])
def test_what_is_not_a_day_is_refused_with_the_forms_that_work(typed: str) -> None:
    with pytest.raises(InvalidDueDate) as refused:
        parse_due(typed, today=MONDAY)
    assert "is not" in str(refused.value)
