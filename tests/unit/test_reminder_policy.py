"""When an incident's channel is next due a reminder to post an update (the reminder policy).

Every expected time below is worked out by hand from a declaration at 08:00 UTC and a default
interval of 30 minutes; the clock is moved, never slept on.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from watchkeeper.clock import FrozenClock
from watchkeeper.domain.incident import Incident
from watchkeeper.domain.milestones import Milestone
from watchkeeper.domain.reminders import ReminderPolicy
from watchkeeper.domain.severity import SeverityLevel, SeverityScale
from watchkeeper.domain.status import Status

DECLARED_AT = datetime(2025, 11, 24, 8, 0, tzinfo=UTC)
SCALE = SeverityScale(
    levels=(
        SeverityLevel("SEV1", reminder_interval=timedelta(minutes=15)),
        SeverityLevel("SEV2"),
        SeverityLevel("SEV3"),
    ),
    default="SEV2",
)
POLICY = ReminderPolicy(default_interval=timedelta(minutes=30), scale=SCALE)


def at(hour: int, minute: int) -> datetime:
    """08:00 on the incident's day, as `at(8, 0)`."""
    return datetime(2025, 11, 24, hour, minute, tzinfo=UTC)


def minutes(count: int) -> timedelta:
    return timedelta(minutes=count)


def declare(severity: str = "SEV2") -> Incident:
    return Incident.declare(
        number=7, title="Checkout errors", severity=severity, declared_by="UANA", at=DECLARED_AT
    )


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(DECLARED_AT)


# --- the clock starts at the declaration and restarts at formal updates ---------------------


def test_first_reminder_is_due_one_interval_after_the_declaration() -> None:
    assert POLICY.due_at(declare()) == at(8, 30)


def test_a_note_does_not_move_the_reminder(clock: FrozenClock) -> None:
    incident = declare()
    incident.add_note("Error rate peaked at 12%", by="UANA", at=clock.advance(minutes(20)))

    assert POLICY.due_at(incident) == at(8, 30)


def test_other_changes_without_a_message_do_not_move_the_reminder(clock: FrozenClock) -> None:
    incident = declare()
    now = clock.advance(minutes(10))
    incident.assign_role("commander", "UBEN", by="UANA", at=now)
    incident.change_status(Status.IDENTIFIED, by="UANA", at=now)
    incident.set_impact("Checkout fails for 5% of users", by="UANA", at=now)

    assert POLICY.due_at(incident) == at(8, 30)


def test_an_update_restarts_the_clock(clock: FrozenClock) -> None:
    incident = declare()
    incident.post_update("Rolling back to 4.1", by="UANA", at=clock.advance(minutes(20)))

    assert POLICY.due_at(incident) == at(8, 50)


def test_a_status_change_with_a_message_restarts_the_clock(clock: FrozenClock) -> None:
    incident = declare()
    incident.change_status(
        Status.IDENTIFIED, by="UANA", at=clock.advance(minutes(12)), message="Bad deploy"
    )

    assert POLICY.due_at(incident) == at(8, 42)


def test_reopening_restarts_the_clock_from_the_reopen(clock: FrozenClock) -> None:
    incident = declare()
    incident.resolve(by="UANA", at=clock.advance(minutes(20)), message="Rolled back")
    incident.reopen(by="UANA", at=clock.advance(minutes(25)), message="Errors are back")

    assert POLICY.due_at(incident) == at(9, 15)


def test_reopening_an_incident_resolved_long_ago_is_not_due_at_once(clock: FrozenClock) -> None:
    incident = declare()
    incident.resolve(by="UANA", at=clock.advance(minutes(5)))
    incident.reopen(by="UANA", at=clock.advance(timedelta(hours=3)))

    assert POLICY.due_at(incident) == at(11, 35)


# --- intervals ------------------------------------------------------------------------------


def test_the_severitys_own_interval_overrides_the_default() -> None:
    assert POLICY.due_at(declare("SEV1")) == at(8, 15)


def test_a_severity_change_takes_the_new_levels_interval(clock: FrozenClock) -> None:
    incident = declare("SEV2")
    incident.change_severity("SEV1", scale=SCALE, by="UANA", at=clock.advance(minutes(5)))

    # Still measured from the declaration, the last formal update.
    assert POLICY.due_at(incident) == at(8, 15)


def test_the_incidents_own_interval_overrides_its_severitys() -> None:
    incident = declare("SEV1")
    incident.switch_reminders(interval=timedelta(minutes=45))

    assert POLICY.due_at(incident) == at(8, 45)


# --- snooze, off, resolved ------------------------------------------------------------------


def test_snooze_holds_the_reminder_back_until_it_ends(clock: FrozenClock) -> None:
    incident = declare()
    incident.snooze(clock.advance(minutes(10)) + minutes(60))

    assert POLICY.due_at(incident) == at(9, 10)


def test_a_snooze_shorter_than_the_quiet_time_left_changes_nothing(clock: FrozenClock) -> None:
    incident = declare()
    incident.snooze(clock.advance(minutes(10)) + minutes(5))

    assert POLICY.due_at(incident) == at(8, 30)


def test_switched_off_no_reminder_is_due() -> None:
    incident = declare()
    incident.switch_reminders(enabled=False)

    assert POLICY.due_at(incident) is None


def test_switched_back_on_the_reminder_counts_from_the_last_update(clock: FrozenClock) -> None:
    incident = declare()
    incident.post_update("Rolling back", by="UANA", at=clock.advance(minutes(10)))
    incident.switch_reminders(enabled=False)
    incident.switch_reminders(enabled=True)

    assert POLICY.due_at(incident) == at(8, 40)


def test_switching_reminders_off_ends_a_snooze(clock: FrozenClock) -> None:
    incident = declare()
    incident.snooze(clock.advance(minutes(10)) + minutes(60))
    incident.switch_reminders(enabled=False)
    incident.switch_reminders(enabled=True)

    assert POLICY.due_at(incident) == at(8, 30)


def test_resolved_no_reminder_is_due(clock: FrozenClock) -> None:
    incident = declare()
    incident.resolve(by="UANA", at=clock.advance(minutes(20)), message="Fixed")

    assert POLICY.due_at(incident) is None


def test_resolved_through_a_status_change_no_reminder_is_due(clock: FrozenClock) -> None:
    incident = declare()
    incident.change_status(Status.RESOLVED, by="UANA", at=clock.advance(minutes(20)))

    assert POLICY.due_at(incident) is None
    assert incident.milestone(Milestone.RESOLVED) == at(8, 20)


# --- unanswered reminders -------------------------------------------------------------------


def test_after_a_reminder_the_next_is_due_one_interval_after_it(clock: FrozenClock) -> None:
    incident = declare()
    incident.record_reminder(clock.advance(minutes(30)))

    assert POLICY.due_at(incident) == at(9, 0)


def test_a_reminder_sent_late_counts_the_next_interval_from_when_it_went_out(
    clock: FrozenClock,
) -> None:
    # Due at 08:30, but the bot was down until 10:07: the next one follows the late one.
    incident = declare()
    incident.record_reminder(clock.advance(timedelta(hours=2, minutes=7)))

    assert POLICY.due_at(incident) == at(10, 37)


def test_unanswered_reminders_are_counted_for_escalation(clock: FrozenClock) -> None:
    incident = declare()
    for _ in range(3):
        incident.record_reminder(clock.advance(minutes(30)))

    assert incident.unanswered_reminders == 3
    assert POLICY.due_at(incident) == at(10, 0)


def test_a_formal_update_ends_the_escalation(clock: FrozenClock) -> None:
    incident = declare()
    incident.record_reminder(clock.advance(minutes(30)))
    incident.record_reminder(clock.advance(minutes(30)))
    incident.post_update("Rollback finished", by="UANA", at=clock.advance(minutes(5)))

    assert incident.unanswered_reminders == 0
    assert POLICY.due_at(incident) == at(9, 35)
