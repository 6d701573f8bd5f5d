"""`/incident action …` read into the follow-up it agrees or the change it makes, and refusals
that show the form; dates are read in the workspace's zone (Berlin, where it is Monday)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from watchkeeper.slack.subcommands import (
    USAGE,
    AddAction,
    CommandError,
    CompleteAction,
    DropAction,
    FollowUpCommand,
    ListActions,
    ReassignAction,
    RescheduleAction,
    parse_command,
)

BERLIN = ZoneInfo("Europe/Berlin")
# Sunday 23:30 in UTC is already Monday 30 Nov in Berlin.
NOW = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
MONDAY = date(2026, 11, 30)


def parse(text: str) -> object:
    return parse_command(text, severities=["SEV1"], roles=["commander"], now=NOW, zone=BERLIN)


def refused(text: str) -> CommandError:
    with pytest.raises(CommandError) as caught:
        parse(text)
    return caught.value


def added(text: str, owner: str | None = None, due: date | None = None) -> FollowUpCommand:
    return FollowUpCommand(AddAction(text, owner, due))


def test_a_follow_up_with_owner_and_due_date() -> None:
    assert parse("action Alert on queue depth <@UBEN|ben> due friday") == added(
        "Alert on queue depth", "UBEN", date(2026, 12, 4)
    )


def test_the_due_date_may_come_before_the_owner() -> None:
    assert parse("action Alert on queue depth due 2026-12-14 <@UBEN>") == added(
        "Alert on queue depth", "UBEN", date(2026, 12, 14)
    )


def test_today_is_read_in_the_workspace_zone() -> None:
    assert parse("action Rotate keys due today") == added("Rotate keys", None, MONDAY)


def test_due_in_weeks() -> None:
    assert parse("action Rotate keys due in 2w") == added("Rotate keys", None, date(2026, 12, 14))


def test_due_followed_by_words_is_part_of_the_text() -> None:
    assert parse("action Find out why jobs fail due to the race") == added(
        "Find out why jobs fail due to the race"
    )


def test_a_due_date_in_the_past_is_refused_with_the_form() -> None:
    error = refused("action Rotate keys <@UBEN> due 2026-11-01")
    assert "has passed" in error.problem
    assert error.usage == USAGE["action"]


def test_a_mistyped_due_date_is_refused_rather_than_kept_as_text() -> None:
    error = refused("action Rotate keys due frday")
    assert "not a due date" in error.problem


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("action 2 done", CompleteAction(2)),
        ("action 2 DONE", CompleteAction(2)),
        ("action 3 owner <@UCARA|cara>", ReassignAction(3, "UCARA")),
        ("action 1 due dec 14", RescheduleAction(1, date(2026, 12, 14))),
        (
            "action 4 drop covered by the platform rewrite",
            DropAction(4, "covered by the platform rewrite"),
        ),
    ],
)
def test_a_number_and_a_change_changes_that_follow_up(text: str, expected: object) -> None:
    assert parse(text) == FollowUpCommand(expected)  # type: ignore[arg-type]  # each is a change


def test_a_number_without_a_change_word_starts_a_new_follow_up() -> None:
    assert parse("action 5 whys review with the team") == added("5 whys review with the team")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("action 2 drop", "Say why"),
        ("action 2 owner", "Mention the person"),
        ("action 2 owner @cara", "plain text"),
        ("action 2 due", "Say when"),
        ("action 2 due yesterday-ish", "not a due date"),
        ("action 2 done now", "takes nothing"),
        ("action <@UBEN> due friday", "Describe the follow-up"),
    ],
)
def test_a_change_missing_its_part_is_refused_with_the_form(text: str, problem: str) -> None:
    error = refused(text)
    assert problem in error.problem
    assert error.usage == USAGE["action"]


def test_actions_lists_and_takes_nothing_after_it() -> None:
    assert parse("actions") == ListActions()
    assert parse("follow-ups") == ListActions()
    assert refused("actions open").usage == USAGE["actions"]


def test_due_followed_by_a_word_that_is_no_day_is_part_of_the_text() -> None:
    assert parse("action Finish the due diligence") == added("Finish the due diligence")
