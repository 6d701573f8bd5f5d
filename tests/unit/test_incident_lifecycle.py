"""How an incident moves between statuses, what each move records, and the reminder clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from watchkeeper.domain.errors import IncidentError, InvalidTransition
from watchkeeper.domain.incident import Incident
from watchkeeper.domain.milestones import Milestone
from watchkeeper.domain.status import Status
from watchkeeper.domain.timeline import EntryKind

DECLARED_AT = datetime(2025, 11, 24, 8, 8, tzinfo=UTC)
OPEN_STATUSES = (Status.INVESTIGATING, Status.IDENTIFIED, Status.MONITORING)


def minutes(count: int) -> datetime:
    """A moment `count` minutes after the declaration."""
    return DECLARED_AT + timedelta(minutes=count)


def declare() -> Incident:
    return Incident.declare(
        number=7,
        title="Checkout errors",
        severity="SEV2",
        declared_by="U_ALICE",
        at=DECLARED_AT,
    )


def incident_at(status: Status) -> Incident:
    """A fresh incident already moved to `status` (one minute after its declaration)."""
    incident = declare()
    if status is not Status.INVESTIGATING:
        incident.change_status(status, by="U_ALICE", at=minutes(1))
    return incident


def resolved_incident() -> Incident:
    incident = declare()
    incident.resolve(by="U_ALICE", at=minutes(30), message="Rolled back the deploy.")
    return incident


# --- declaration ------------------------------------------------------------------------


def test_declared_incident_starts_investigating() -> None:
    incident = declare()

    assert incident.status is Status.INVESTIGATING
    assert incident.is_open
    assert incident.reference == "INC-7"


def test_declaration_is_the_first_timeline_entry_and_a_formal_one() -> None:
    incident = declare()

    [entry] = incident.timeline
    assert entry.kind is EntryKind.DECLARED
    assert entry.at == DECLARED_AT
    assert entry.author == "U_ALICE"
    assert entry.text == "Checkout errors"
    assert entry.status is Status.INVESTIGATING
    assert entry.formal
    assert entry.detail == {"severity": "SEV2"}


def test_declaration_starts_the_reminder_clock() -> None:
    incident = declare()

    assert incident.last_update_at == DECLARED_AT
    assert incident.unanswered_reminders == 0


def test_declaration_without_a_title_is_refused() -> None:
    with pytest.raises(IncidentError, match="needs a title"):
        Incident.declare(number=1, title="   ", severity="SEV2", declared_by="U_A", at=DECLARED_AT)


def test_declaration_title_is_trimmed() -> None:
    incident = Incident.declare(
        number=1, title="  Slow search  ", severity="SEV3", declared_by="U_A", at=DECLARED_AT
    )

    assert incident.title == "Slow search"


# --- allowed transitions ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "target"),
    [(start, target) for start in OPEN_STATUSES for target in OPEN_STATUSES if start != target],
)
def test_open_statuses_move_to_each_other_in_any_order(start: Status, target: Status) -> None:
    incident = incident_at(start)

    incident.change_status(target, by="U_BOB", at=minutes(5))

    assert incident.status is target
    entry = incident.timeline[-1]
    assert entry.kind is EntryKind.STATUS_CHANGED
    assert entry.detail == {"from": start.value, "to": target.value}


@pytest.mark.parametrize("start", OPEN_STATUSES)
def test_any_open_status_can_be_resolved_with_change_status(start: Status) -> None:
    incident = incident_at(start)

    incident.change_status(Status.RESOLVED, by="U_BOB", at=minutes(5), message="All clear.")

    assert incident.status is Status.RESOLVED
    assert not incident.is_open
    entry = incident.timeline[-1]
    assert entry.kind is EntryKind.RESOLVED
    assert entry.detail == {"from": start.value, "to": "resolved"}


@pytest.mark.parametrize("start", OPEN_STATUSES)
def test_any_open_status_can_be_resolved_with_resolve(start: Status) -> None:
    incident = incident_at(start)

    incident.resolve(by="U_BOB", at=minutes(5))

    assert incident.status is Status.RESOLVED


def test_resolving_message_becomes_the_resolution() -> None:
    incident = declare()

    incident.resolve(by="U_BOB", at=minutes(5), message="  Rolled back the deploy.  ")

    assert incident.resolution == "Rolled back the deploy."
    assert incident.timeline[-1].text == "Rolled back the deploy."


def test_reopen_takes_a_resolved_incident_back_to_investigating() -> None:
    incident = resolved_incident()

    incident.reopen(by="U_BOB", at=minutes(40), message="Errors are back.")

    assert incident.status is Status.INVESTIGATING
    assert incident.is_open
    entry = incident.timeline[-1]
    assert entry.kind is EntryKind.REOPENED
    assert entry.text == "Errors are back."
    assert entry.status is Status.INVESTIGATING
    assert entry.detail == {"from": "resolved", "to": "investigating"}


def test_reopened_incident_can_be_resolved_again() -> None:
    incident = resolved_incident()
    incident.reopen(by="U_BOB", at=minutes(40))

    incident.resolve(by="U_BOB", at=minutes(50))

    assert incident.status is Status.RESOLVED


# --- refused transitions ----------------------------------------------------------------


@pytest.mark.parametrize("target", OPEN_STATUSES)
def test_change_status_cannot_leave_resolved_and_points_to_reopen(target: Status) -> None:
    incident = resolved_incident()
    entries = len(incident.timeline)

    with pytest.raises(InvalidTransition, match="INC-7 is resolved; use `/incident reopen`"):
        incident.change_status(target, by="U_BOB", at=minutes(40), message="Back again")

    assert incident.status is Status.RESOLVED
    assert len(incident.timeline) == entries


@pytest.mark.parametrize("status", OPEN_STATUSES)
def test_same_status_without_a_message_is_refused_and_asks_for_one(status: Status) -> None:
    incident = incident_at(status)
    entries = len(incident.timeline)

    with pytest.raises(InvalidTransition, match="add a message to post a formal update"):
        incident.change_status(status, by="U_BOB", at=minutes(5))

    assert incident.status is status
    assert len(incident.timeline) == entries


def test_same_status_with_only_whitespace_is_refused_like_no_message() -> None:
    incident = declare()

    with pytest.raises(InvalidTransition, match="already investigating"):
        incident.change_status(Status.INVESTIGATING, by="U_BOB", at=minutes(5), message="   ")


def test_same_status_with_a_message_posts_a_formal_update() -> None:
    incident = incident_at(Status.IDENTIFIED)

    incident.change_status(
        Status.IDENTIFIED, by="U_BOB", at=minutes(5), message="Fix is being built."
    )

    assert incident.status is Status.IDENTIFIED
    entry = incident.timeline[-1]
    assert entry.kind is EntryKind.UPDATE
    assert entry.text == "Fix is being built."
    assert entry.formal


@pytest.mark.parametrize("status", OPEN_STATUSES)
def test_reopen_of_an_open_incident_is_refused_and_points_to_status(status: Status) -> None:
    incident = incident_at(status)
    entries = len(incident.timeline)

    with pytest.raises(InvalidTransition) as refusal:
        incident.reopen(by="U_BOB", at=minutes(5))

    assert f"not resolved (it is {status.value})" in str(refusal.value)
    assert "/incident status" in str(refusal.value)
    assert incident.status is status
    assert len(incident.timeline) == entries


def test_resolving_twice_is_refused_and_points_to_reopen() -> None:
    incident = resolved_incident()

    with pytest.raises(InvalidTransition, match="already resolved; use `/incident reopen`"):
        incident.resolve(by="U_BOB", at=minutes(40), message="Done again")

    assert incident.milestone(Milestone.RESOLVED) == minutes(30)
    assert incident.resolution == "Rolled back the deploy."


def test_status_resolved_on_a_resolved_incident_is_refused() -> None:
    incident = resolved_incident()
    entries = len(incident.timeline)

    with pytest.raises(InvalidTransition, match="already resolved"):
        incident.change_status(Status.RESOLVED, by="U_BOB", at=minutes(40))

    assert len(incident.timeline) == entries


def test_update_on_a_resolved_incident_is_refused_and_says_reopen_or_note() -> None:
    incident = resolved_incident()
    entries = len(incident.timeline)

    with pytest.raises(InvalidTransition, match="reopen it to post updates, or add a note"):
        incident.post_update("Still fine", by="U_BOB", at=minutes(40))

    assert len(incident.timeline) == entries


def test_update_without_a_message_is_refused() -> None:
    incident = declare()

    with pytest.raises(IncidentError, match="needs a message"):
        incident.post_update("  ", by="U_BOB", at=minutes(5))


# --- the reminder clock -----------------------------------------------------------------


def reminded_twice() -> Incident:
    """An incident whose channel has ignored two reminders."""
    incident = declare()
    incident.record_reminder(minutes(30))
    incident.record_reminder(minutes(60))
    return incident


def test_status_change_with_a_message_restarts_the_reminder_clock() -> None:
    incident = reminded_twice()

    incident.change_status(
        Status.IDENTIFIED, by="U_BOB", at=minutes(65), message="Bad deploy found."
    )

    assert incident.timeline[-1].formal
    assert incident.timeline[-1].text == "Bad deploy found."
    assert incident.last_update_at == minutes(65)
    assert incident.unanswered_reminders == 0
    assert incident.last_reminded_at is None


def test_status_change_without_a_message_does_not_restart_the_reminder_clock() -> None:
    incident = reminded_twice()

    incident.change_status(Status.IDENTIFIED, by="U_BOB", at=minutes(65))

    assert not incident.timeline[-1].formal
    assert incident.last_update_at == DECLARED_AT
    assert incident.unanswered_reminders == 2
    assert incident.last_reminded_at == minutes(60)


def test_status_change_with_only_whitespace_is_not_a_formal_update() -> None:
    incident = reminded_twice()

    incident.change_status(Status.IDENTIFIED, by="U_BOB", at=minutes(65), message="   ")

    assert not incident.timeline[-1].formal
    assert incident.timeline[-1].text == ""
    assert incident.unanswered_reminders == 2


def test_formal_update_restarts_the_reminder_clock() -> None:
    incident = reminded_twice()

    incident.post_update("  Still investigating.  ", by="U_BOB", at=minutes(65))

    entry = incident.timeline[-1]
    assert (entry.kind, entry.text, entry.formal) == (
        EntryKind.UPDATE,
        "Still investigating.",
        True,
    )
    assert incident.last_update_at == minutes(65)
    assert incident.unanswered_reminders == 0


def test_note_does_not_restart_the_reminder_clock() -> None:
    incident = reminded_twice()

    incident.add_note("Looking at the dashboards", by="U_BOB", at=minutes(65))

    assert not incident.timeline[-1].formal
    assert incident.last_update_at == DECLARED_AT
    assert incident.unanswered_reminders == 2


def test_resolve_restarts_the_reminder_clock() -> None:
    incident = reminded_twice()

    incident.resolve(by="U_BOB", at=minutes(65))

    assert incident.timeline[-1].formal
    assert incident.last_update_at == minutes(65)
    assert incident.unanswered_reminders == 0


def test_reopen_restarts_the_reminder_clock() -> None:
    incident = resolved_incident()

    incident.reopen(by="U_BOB", at=minutes(90))

    assert incident.timeline[-1].formal
    assert incident.last_update_at == minutes(90)
    assert incident.unanswered_reminders == 0


# --- milestones reached by status changes -----------------------------------------------


def test_fresh_incident_has_started_and_detected_at_declaration_and_nothing_else() -> None:
    incident = declare()

    assert incident.milestone(Milestone.STARTED) == DECLARED_AT
    assert incident.milestone(Milestone.DETECTED) == DECLARED_AT
    assert incident.milestone(Milestone.IDENTIFIED) is None
    assert incident.milestone(Milestone.MITIGATED) is None
    assert incident.milestone(Milestone.RESOLVED) is None


def test_identified_milestone_is_reached_the_first_time_status_is_identified() -> None:
    incident = declare()

    incident.change_status(Status.IDENTIFIED, by="U_BOB", at=minutes(10))
    incident.change_status(Status.INVESTIGATING, by="U_BOB", at=minutes(20))
    incident.change_status(Status.IDENTIFIED, by="U_BOB", at=minutes(30))

    assert incident.milestone(Milestone.IDENTIFIED) == minutes(10)


def test_mitigated_milestone_is_reached_the_first_time_status_is_monitoring() -> None:
    incident = declare()

    incident.change_status(Status.MONITORING, by="U_BOB", at=minutes(15))
    incident.change_status(Status.IDENTIFIED, by="U_BOB", at=minutes(20))
    incident.change_status(Status.MONITORING, by="U_BOB", at=minutes(25))

    assert incident.milestone(Milestone.MITIGATED) == minutes(15)


def test_investigating_reaches_no_milestone() -> None:
    incident = incident_at(Status.IDENTIFIED)

    incident.change_status(Status.INVESTIGATING, by="U_BOB", at=minutes(10))

    assert incident.milestone(Milestone.MITIGATED) is None
    assert incident.milestone(Milestone.RESOLVED) is None


def test_resolve_reaches_the_resolved_milestone_and_keeps_mitigated_from_monitoring() -> None:
    incident = declare()
    incident.change_status(Status.MONITORING, by="U_BOB", at=minutes(20))

    incident.resolve(by="U_BOB", at=minutes(45))

    assert incident.milestone(Milestone.RESOLVED) == minutes(45)
    assert incident.milestone(Milestone.MITIGATED) == minutes(20)


def test_mitigated_defaults_to_the_resolution_when_never_monitored() -> None:
    incident = declare()
    incident.change_status(Status.IDENTIFIED, by="U_BOB", at=minutes(10))

    incident.resolve(by="U_BOB", at=minutes(45))

    assert incident.milestone(Milestone.MITIGATED) == minutes(45)
    assert incident.milestone(Milestone.IDENTIFIED) == minutes(10)


def test_reopen_drops_the_resolved_milestone() -> None:
    incident = resolved_incident()

    incident.reopen(by="U_BOB", at=minutes(40))

    assert incident.milestone(Milestone.RESOLVED) is None


def test_resolving_again_after_reopen_records_the_new_resolution_time() -> None:
    incident = resolved_incident()
    incident.reopen(by="U_BOB", at=minutes(40))

    incident.resolve(by="U_BOB", at=minutes(70))

    assert incident.milestone(Milestone.RESOLVED) == minutes(70)


# --- the timeline -----------------------------------------------------------------------


def test_every_change_leaves_one_entry_with_its_time_author_status_and_kind() -> None:
    incident = declare()

    incident.add_note("Error rate at 12%", by="U_BOB", at=minutes(3))
    incident.change_status(Status.IDENTIFIED, by="U_BOB", at=minutes(10), message="Bad deploy")
    incident.post_update("Rolling back", by="U_CAROL", at=minutes(15))
    incident.change_status(Status.MONITORING, by="U_CAROL", at=minutes(20))
    incident.resolve(by="U_ALICE", at=minutes(45), message="Recovered")
    incident.reopen(by="U_BOB", at=minutes(50), message="Errors again")

    assert [(e.kind, e.at, e.author, e.status, e.formal) for e in incident.timeline] == [
        (EntryKind.DECLARED, DECLARED_AT, "U_ALICE", Status.INVESTIGATING, True),
        (EntryKind.NOTE, minutes(3), "U_BOB", Status.INVESTIGATING, False),
        (EntryKind.STATUS_CHANGED, minutes(10), "U_BOB", Status.IDENTIFIED, True),
        (EntryKind.UPDATE, minutes(15), "U_CAROL", Status.IDENTIFIED, True),
        (EntryKind.STATUS_CHANGED, minutes(20), "U_CAROL", Status.MONITORING, False),
        (EntryKind.RESOLVED, minutes(45), "U_ALICE", Status.RESOLVED, True),
        (EntryKind.REOPENED, minutes(50), "U_BOB", Status.INVESTIGATING, True),
    ]


def test_status_page_shows_status_changes_and_updates_but_not_notes() -> None:
    incident = declare()
    incident.add_note("Checking logs", by="U_BOB", at=minutes(3))
    incident.change_status(Status.IDENTIFIED, by="U_BOB", at=minutes(10))
    incident.post_update("Rolling back", by="U_BOB", at=minutes(15))
    incident.resolve(by="U_BOB", at=minutes(45))

    assert [e.kind for e in incident.timeline if e.on_status_page] == [
        EntryKind.DECLARED,
        EntryKind.STATUS_CHANGED,
        EntryKind.UPDATE,
        EntryKind.RESOLVED,
    ]


# --- private incidents ---------------------------------------------------------------------


def test_a_private_incident_is_refused_the_status_page() -> None:
    incident = Incident.declare(
        number=3,
        title="Leaked key",
        severity="SEV1",
        declared_by="UANA",
        at=DECLARED_AT,
        private=True,
    )

    with pytest.raises(IncidentError, match="private incidents never go on the status page"):
        incident.publish("pub1", "Service notice", by="UANA", at=minutes(1))
    assert incident.publication is None


def test_making_an_incident_private_takes_it_off_the_status_page_and_records_who() -> None:
    incident = declare()
    incident.publish("pub1", "Checkout problems", by="UANA", at=minutes(1))

    was_published = incident.make_private(by="UBEN", at=minutes(2))

    assert was_published and incident.private and not incident.is_published
    kinds = [entry.kind for entry in incident.timeline[-2:]]
    assert kinds == [EntryKind.MADE_PRIVATE, EntryKind.UNPUBLISHED]
    assert incident.timeline[-2].author == "UBEN"


def test_a_private_incident_cannot_be_made_private_again_or_public() -> None:
    incident = declare()
    incident.make_private(by="UANA", at=minutes(1))

    with pytest.raises(IncidentError, match="cannot be made public again"):
        incident.make_private(by="UANA", at=minutes(2))
