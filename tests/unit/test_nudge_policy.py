"""When follow-up owners are nudged, with a moved clock: the due day at a working hour on the
owner's clock, weekly while open, weekends skipped only when the TOML says so."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from watchkeeper.domain.follow_ups import Action, DigestRule, FollowUpState, NudgeRule

BERLIN = ZoneInfo("Europe/Berlin")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
ADDED = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
SATURDAY = date(2026, 12, 5)


def follow_up(due: date | None, **changes: object) -> Action:
    action = Action(1, "Alert on queue depth", "UBEN", "UANA", ADDED, due=due)
    for name, value in changes.items():
        setattr(action, name, value)
    return action


def test_the_first_nudge_is_the_due_day_at_ten_in_the_workspace_zone() -> None:
    rule = NudgeRule(zone=BERLIN)
    assert rule.next_nudge(follow_up(date(2026, 12, 3))) == datetime(2026, 12, 3, 10, tzinfo=BERLIN)


def test_an_owner_with_a_known_zone_is_nudged_at_ten_on_their_own_clock() -> None:
    rule = NudgeRule(zone=BERLIN)
    nudge = rule.next_nudge(follow_up(date(2026, 12, 3), owner_zone="America/Los_Angeles"))
    assert nudge == datetime(2026, 12, 3, 10, tzinfo=LOS_ANGELES)
    assert nudge is not None and nudge.astimezone(UTC) == datetime(2026, 12, 3, 18, tzinfo=UTC)


def test_an_unknown_zone_name_falls_back_to_the_workspace_zone() -> None:
    rule = NudgeRule(zone=BERLIN)
    nudge = rule.next_nudge(follow_up(date(2026, 12, 3), owner_zone="Mars/Olympus"))
    assert nudge == datetime(2026, 12, 3, 10, tzinfo=BERLIN)


def test_the_hour_is_configurable() -> None:
    rule = NudgeRule(hour=time(14, 30), zone=UTC)
    assert rule.next_nudge(follow_up(date(2026, 12, 3))) == datetime(
        2026, 12, 3, 14, 30, tzinfo=UTC
    )


def test_an_overdue_follow_up_is_nudged_again_a_week_after_each_nudge() -> None:
    rule = NudgeRule(zone=UTC)
    first = datetime(2026, 12, 3, 10, tzinfo=UTC)
    assert rule.next_nudge(follow_up(date(2026, 12, 3), last_nudged_at=first)) == datetime(
        2026, 12, 10, 10, tzinfo=UTC
    )
    later = datetime(2026, 12, 24, 10, 0, 5, tzinfo=UTC)  # the fourth, a few seconds late
    assert rule.next_nudge(follow_up(date(2026, 12, 3), last_nudged_at=later)) == datetime(
        2026, 12, 31, 10, tzinfo=UTC
    )


def test_a_nudge_missed_while_down_is_still_owed_once() -> None:
    # Last nudged on the due day; the bot was down for three weeks: the next is the one after
    # that nudge (in the past, so due at once), not one per missed week.
    rule = NudgeRule(zone=UTC)
    nudged = datetime(2026, 12, 3, 10, tzinfo=UTC)
    owed = rule.next_nudge(follow_up(date(2026, 12, 3), last_nudged_at=nudged))
    assert owed == datetime(2026, 12, 10, 10, tzinfo=UTC)
    after = rule.next_nudge(
        follow_up(date(2026, 12, 3), last_nudged_at=datetime(2026, 12, 28, 8, tzinfo=UTC))
    )
    assert after == datetime(2026, 12, 31, 10, tzinfo=UTC)


def test_weekends_are_not_skipped_unless_configured() -> None:
    action = follow_up(SATURDAY)
    assert NudgeRule(zone=UTC).next_nudge(action) == datetime(2026, 12, 5, 10, tzinfo=UTC)
    skipping = NudgeRule(zone=UTC, skip_weekends=True)
    assert skipping.next_nudge(action) == datetime(2026, 12, 7, 10, tzinfo=UTC)  # Monday


def test_done_dropped_and_undated_follow_ups_are_never_nudged() -> None:
    rule = NudgeRule(zone=UTC)
    assert rule.next_nudge(follow_up(date(2026, 12, 3), state=FollowUpState.DONE)) is None
    assert rule.next_nudge(follow_up(date(2026, 12, 3), state=FollowUpState.DROPPED)) is None
    assert rule.next_nudge(follow_up(None)) is None


def test_the_digest_comes_on_the_configured_day_and_hour_after_a_moment() -> None:
    rule = DigestRule(weekday=0, hour=time(9), zone=BERLIN)
    monday_eight = datetime(2026, 11, 30, 8, tzinfo=BERLIN)
    assert rule.next_after(monday_eight) == datetime(2026, 11, 30, 9, tzinfo=BERLIN)
    monday_nine = datetime(2026, 11, 30, 9, tzinfo=BERLIN)
    assert rule.next_after(monday_nine) == datetime(2026, 12, 7, 9, tzinfo=BERLIN)
    friday = DigestRule(weekday=4, hour=time(16), zone=UTC)
    assert friday.next_after(datetime(2026, 11, 30, tzinfo=UTC)) == datetime(
        2026, 12, 4, 16, tzinfo=UTC
    )
