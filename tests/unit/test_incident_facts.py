"""Facts responders record on an incident: severity, roles, impact, actions, milestones, pins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from watchkeeper.domain.errors import IncidentError, UnknownSeverity
from watchkeeper.domain.incident import Incident
from watchkeeper.domain.milestones import Milestone
from watchkeeper.domain.severity import DEFAULT_SCALE
from watchkeeper.domain.status import Status
from watchkeeper.domain.timeline import EntryKind

DECLARED_AT = datetime(2025, 11, 24, 8, 8, tzinfo=UTC)


def minutes(count: int) -> datetime:
    """A moment `count` minutes after the declaration (negative: before it)."""
    return DECLARED_AT + timedelta(minutes=count)


def declare(severity: str = "SEV2") -> Incident:
    return Incident.declare(
        number=7,
        title="Checkout errors",
        severity=severity,
        declared_by="U_ALICE",
        at=DECLARED_AT,
    )


# --- severity ---------------------------------------------------------------------------


def test_severity_change_is_recorded_with_from_and_to() -> None:
    incident = declare("SEV2")

    incident.change_severity("SEV1", scale=DEFAULT_SCALE, by="U_BOB", at=minutes(5))

    assert incident.severity == "SEV1"
    entry = incident.timeline[-1]
    assert (entry.kind, entry.at, entry.author) == (EntryKind.SEVERITY_CHANGED, minutes(5), "U_BOB")
    assert entry.detail == {"from": "SEV2", "to": "SEV1"}


def test_severity_is_stored_as_the_scale_spells_it() -> None:
    incident = declare("SEV2")

    incident.change_severity("sev1", scale=DEFAULT_SCALE, by="U_BOB", at=minutes(5))

    assert incident.severity == "SEV1"


def test_highest_severity_starts_at_the_declared_one() -> None:
    assert declare("SEV3").highest_severity == "SEV3"


def test_highest_severity_keeps_the_peak_after_the_severity_falls() -> None:
    incident = declare("SEV3")

    incident.change_severity("SEV1", scale=DEFAULT_SCALE, by="U_BOB", at=minutes(5))
    incident.change_severity("SEV4", scale=DEFAULT_SCALE, by="U_BOB", at=minutes(10))

    assert incident.severity == "SEV4"
    assert incident.highest_severity == "SEV1"


def test_lowering_the_severity_keeps_the_declared_one_as_highest() -> None:
    incident = declare("SEV2")

    incident.change_severity("SEV3", scale=DEFAULT_SCALE, by="U_BOB", at=minutes(5))

    assert incident.highest_severity == "SEV2"


@pytest.mark.parametrize("spelling", ["SEV2", "sev2", " Sev2 "])
def test_same_severity_is_refused(spelling: str) -> None:
    incident = declare("SEV2")

    with pytest.raises(IncidentError, match="INC-7 is already SEV2"):
        incident.change_severity(spelling, scale=DEFAULT_SCALE, by="U_BOB", at=minutes(5))

    assert len(incident.timeline) == 1


def test_unknown_severity_is_refused_listing_the_levels() -> None:
    incident = declare("SEV2")

    with pytest.raises(UnknownSeverity, match="use one of SEV1, SEV2, SEV3, SEV4"):
        incident.change_severity("SEV9", scale=DEFAULT_SCALE, by="U_BOB", at=minutes(5))

    assert incident.severity == "SEV2"
    assert len(incident.timeline) == 1


# --- roles ------------------------------------------------------------------------------


def test_new_incident_has_no_commander() -> None:
    assert declare().commander is None


def test_assigning_the_commander_makes_them_the_lead() -> None:
    incident = declare()

    incident.assign_role("commander", "U_BOB", by="U_ALICE", at=minutes(2))

    assert incident.commander == "U_BOB"
    entry = incident.timeline[-1]
    assert (entry.kind, entry.at, entry.author) == (EntryKind.ROLE_ASSIGNED, minutes(2), "U_ALICE")
    assert entry.detail == {"role": "commander", "user": "U_BOB", "previous": ""}


def test_role_names_are_read_in_any_case() -> None:
    incident = declare()

    incident.assign_role(" Commander ", "U_BOB", by="U_ALICE", at=minutes(2))

    assert incident.commander == "U_BOB"


def test_other_roles_do_not_make_a_commander() -> None:
    incident = declare()

    incident.assign_role("scribe", "U_CAROL", by="U_ALICE", at=minutes(2))

    assert incident.commander is None
    assert incident.roles == {"scribe": "U_CAROL"}


def test_reassigning_a_role_records_who_held_it_before() -> None:
    incident = declare()
    incident.assign_role("commander", "U_BOB", by="U_ALICE", at=minutes(2))

    incident.assign_role("commander", "U_CAROL", by="U_BOB", at=minutes(30))

    assert incident.commander == "U_CAROL"
    assert incident.timeline[-1].detail == {
        "role": "commander",
        "user": "U_CAROL",
        "previous": "U_BOB",
    }


def test_assigning_a_role_to_its_holder_is_refused() -> None:
    incident = declare()
    incident.assign_role("commander", "U_BOB", by="U_ALICE", at=minutes(2))

    with pytest.raises(IncidentError, match="That responder is already commander of INC-7"):
        incident.assign_role("commander", "U_BOB", by="U_ALICE", at=minutes(3))

    assert len(incident.timeline) == 2


# --- impact, cause, notes, components ---------------------------------------------------


def test_impact_is_recorded_trimmed() -> None:
    incident = declare()

    incident.set_impact("  Checkout fails for 20% of users ", by="U_BOB", at=minutes(4))

    assert incident.impact == "Checkout fails for 20% of users"
    entry = incident.timeline[-1]
    assert (entry.kind, entry.text, entry.at) == (
        EntryKind.IMPACT,
        "Checkout fails for 20% of users",
        minutes(4),
    )


def test_cause_is_recorded_trimmed() -> None:
    incident = declare()

    incident.set_cause(" Expired TLS certificate ", by="U_BOB", at=minutes(4))

    assert incident.cause == "Expired TLS certificate"
    assert (incident.timeline[-1].kind, incident.timeline[-1].text) == (
        EntryKind.CAUSE,
        "Expired TLS certificate",
    )


def test_note_is_a_timeline_entry_that_is_not_a_formal_update() -> None:
    incident = declare()

    incident.add_note("Paged the database team", by="U_BOB", at=minutes(4))

    entry = incident.timeline[-1]
    assert (entry.kind, entry.text, entry.author, entry.formal) == (
        EntryKind.NOTE,
        "Paged the database team",
        "U_BOB",
        False,
    )


@pytest.mark.parametrize("method", ["set_impact", "set_cause", "add_note"])
def test_empty_text_is_refused(method: str) -> None:
    incident = declare()

    with pytest.raises(IncidentError, match="needs some text"):
        getattr(incident, method)("   ", by="U_BOB", at=minutes(4))

    assert len(incident.timeline) == 1


def test_components_are_trimmed_and_deduplicated_in_the_order_given() -> None:
    incident = declare()

    incident.set_components(
        (" checkout ", "payments", "checkout", "", "api"), by="U_BOB", at=minutes(4)
    )

    assert incident.components == ("checkout", "payments", "api")
    assert (incident.timeline[-1].kind, incident.timeline[-1].text) == (
        EntryKind.COMPONENTS,
        "checkout, payments, api",
    )


def test_components_replace_the_previous_list() -> None:
    incident = declare()
    incident.set_components(("checkout",), by="U_BOB", at=minutes(4))

    incident.set_components(("payments",), by="U_BOB", at=minutes(5))

    assert incident.components == ("payments",)


def test_no_components_is_refused() -> None:
    incident = declare()

    with pytest.raises(IncidentError, match="at least one affected component"):
        incident.set_components((" ", ""), by="U_BOB", at=minutes(4))

    assert incident.components == ()


# --- actions ----------------------------------------------------------------------------


def test_actions_are_numbered_from_one_with_their_owner() -> None:
    incident = declare()

    first = incident.add_action(
        "Alert on cert expiry", owner_id="U_CAROL", by="U_BOB", at=minutes(5)
    )
    second = incident.add_action("Write the runbook", owner_id=None, by="U_BOB", at=minutes(6))

    assert (first.number, first.text, first.owner_id) == (1, "Alert on cert expiry", "U_CAROL")
    assert (second.number, second.owner_id) == (2, None)
    assert incident.actions == [first, second]
    assert incident.timeline[-2].detail == {"action": "1", "owner": "U_CAROL"}
    assert incident.timeline[-1].detail == {"action": "2", "owner": ""}


def test_empty_action_is_refused_and_uses_no_number() -> None:
    incident = declare()

    with pytest.raises(IncidentError, match="needs some text"):
        incident.add_action("  ", owner_id=None, by="U_BOB", at=minutes(5))
    action = incident.add_action("Rotate certificates", owner_id=None, by="U_BOB", at=minutes(6))

    assert action.number == 1


# --- milestones set by hand -------------------------------------------------------------


def test_started_can_be_backdated_before_the_declaration() -> None:
    incident = declare()

    incident.set_milestone(Milestone.STARTED, minutes(-30), by="U_BOB", at=minutes(10))

    assert incident.milestone(Milestone.STARTED) == minutes(-30)
    entry = incident.timeline[-1]
    assert (entry.kind, entry.at, entry.author) == (EntryKind.MILESTONE, minutes(10), "U_BOB")
    assert entry.detail == {"milestone": "started", "at": "2025-11-24T07:38:00+00:00"}


def test_detected_can_be_set_between_a_backdated_start_and_the_declaration() -> None:
    incident = declare()
    incident.set_milestone(Milestone.STARTED, minutes(-30), by="U_BOB", at=minutes(10))

    incident.set_milestone(Milestone.DETECTED, minutes(-5), by="U_BOB", at=minutes(11))

    assert incident.milestone(Milestone.DETECTED) == minutes(-5)


def test_milestone_in_the_future_is_refused() -> None:
    incident = declare()

    with pytest.raises(IncidentError, match="cannot be in the future"):
        incident.set_milestone(Milestone.IDENTIFIED, minutes(20), by="U_BOB", at=minutes(10))

    assert incident.milestone(Milestone.IDENTIFIED) is None
    assert len(incident.timeline) == 1


def test_started_after_identified_is_refused() -> None:
    incident = declare()
    incident.change_status(Status.IDENTIFIED, by="U_BOB", at=minutes(10))

    with pytest.raises(IncidentError, match="started cannot be after identified"):
        incident.set_milestone(Milestone.STARTED, minutes(15), by="U_BOB", at=minutes(20))

    assert incident.milestone(Milestone.STARTED) == DECLARED_AT


def test_identified_before_a_backdated_start_is_refused() -> None:
    incident = declare()
    incident.set_milestone(Milestone.STARTED, minutes(-30), by="U_BOB", at=minutes(5))

    with pytest.raises(IncidentError, match="identified cannot be before started"):
        incident.set_milestone(Milestone.IDENTIFIED, minutes(-40), by="U_BOB", at=minutes(6))


def test_detection_before_the_declaration_moves_the_default_start_back_with_it() -> None:
    incident = declare()

    incident.set_milestone(Milestone.DETECTED, minutes(-10), by="U_BOB", at=minutes(5))

    assert incident.milestone(Milestone.DETECTED) == minutes(-10)
    assert incident.milestone(Milestone.STARTED) == minutes(-10)


def test_mitigated_before_identified_is_refused() -> None:
    incident = declare()
    incident.change_status(Status.IDENTIFIED, by="U_BOB", at=minutes(10))

    with pytest.raises(IncidentError, match="mitigated cannot be before identified"):
        incident.set_milestone(Milestone.MITIGATED, minutes(5), by="U_BOB", at=minutes(20))


def test_identified_after_mitigated_is_refused() -> None:
    incident = declare()
    incident.change_status(Status.MONITORING, by="U_BOB", at=minutes(10))

    with pytest.raises(IncidentError, match="identified cannot be after mitigated"):
        incident.set_milestone(Milestone.IDENTIFIED, minutes(12), by="U_BOB", at=minutes(20))


def test_correcting_a_milestone_within_its_neighbours_is_allowed() -> None:
    incident = declare()
    incident.change_status(Status.IDENTIFIED, by="U_BOB", at=minutes(10))
    incident.change_status(Status.MONITORING, by="U_BOB", at=minutes(30))

    incident.set_milestone(Milestone.IDENTIFIED, minutes(25), by="U_BOB", at=minutes(35))

    assert incident.milestone(Milestone.IDENTIFIED) == minutes(25)


def test_milestones_may_share_a_moment() -> None:
    incident = declare()
    incident.change_status(Status.IDENTIFIED, by="U_BOB", at=minutes(10))

    incident.set_milestone(Milestone.MITIGATED, minutes(10), by="U_BOB", at=minutes(20))

    assert incident.milestone(Milestone.MITIGATED) == minutes(10)


def test_resolved_milestone_is_refused_while_the_incident_is_open() -> None:
    incident = declare()

    with pytest.raises(IncidentError, match="not resolved yet; use `/incident resolve` first"):
        incident.set_milestone(Milestone.RESOLVED, minutes(5), by="U_BOB", at=minutes(10))

    assert incident.milestone(Milestone.RESOLVED) is None


def test_resolved_milestone_can_be_corrected_after_resolving() -> None:
    incident = declare()
    incident.change_status(Status.MONITORING, by="U_BOB", at=minutes(10))
    incident.resolve(by="U_BOB", at=minutes(60))

    incident.set_milestone(Milestone.RESOLVED, minutes(40), by="U_BOB", at=minutes(65))

    assert incident.milestone(Milestone.RESOLVED) == minutes(40)


def test_resolved_before_mitigated_is_refused() -> None:
    incident = declare()
    incident.change_status(Status.MONITORING, by="U_BOB", at=minutes(30))
    incident.resolve(by="U_BOB", at=minutes(60))

    with pytest.raises(IncidentError, match="resolved cannot be before mitigated"):
        incident.set_milestone(Milestone.RESOLVED, minutes(20), by="U_BOB", at=minutes(65))


# --- pinned messages --------------------------------------------------------------------


def pin(incident: Incident, message_ts: str = "1732435800.000100") -> bool:
    return incident.add_pinned_message(
        message_ts=message_ts,
        text="Graph: error rate spiking",
        author="U_CAROL",
        posted_at=minutes(-2),
        permalink="https://example.slack.com/archives/C1/p1732435800000100",
    )


def test_pinned_message_joins_the_timeline_at_its_own_time() -> None:
    incident = declare()

    assert pin(incident)

    entry = incident.timeline[-1]
    assert (entry.kind, entry.at, entry.author, entry.text) == (
        EntryKind.PINNED,
        minutes(-2),
        "U_CAROL",
        "Graph: error rate spiking",
    )
    assert entry.detail["message_ts"] == "1732435800.000100"
    assert entry.detail["permalink"] == "https://example.slack.com/archives/C1/p1732435800000100"
    assert not entry.formal


def test_message_pinned_twice_is_added_once() -> None:
    incident = declare()
    pin(incident)

    assert not pin(incident)

    assert [e.kind for e in incident.timeline].count(EntryKind.PINNED) == 1


def test_different_pinned_messages_are_each_added() -> None:
    incident = declare()

    pin(incident, "1732435800.000100")
    pin(incident, "1732435900.000200")

    assert [e.kind for e in incident.timeline].count(EntryKind.PINNED) == 2


def test_unpinned_message_leaves_the_timeline() -> None:
    incident = declare()
    pin(incident, "1732435800.000100")
    pin(incident, "1732435900.000200")

    assert incident.remove_pinned_message("1732435800.000100")

    shown = incident.shown_timeline()
    pinned = [e.detail["message_ts"] for e in shown if e.kind is EntryKind.PINNED]
    assert pinned == ["1732435900.000200"]
    assert incident.timeline[0].kind is EntryKind.DECLARED


def test_unpinning_a_message_not_on_the_timeline_changes_nothing() -> None:
    incident = declare()
    incident.add_note("1732435800.000100", by="U_BOB", at=minutes(1))

    assert not incident.remove_pinned_message("1732435800.000100")

    assert len(incident.shown_timeline()) == 2


def test_message_can_be_pinned_again_after_unpinning() -> None:
    incident = declare()
    pin(incident)
    incident.remove_pinned_message("1732435800.000100")

    assert pin(incident)
