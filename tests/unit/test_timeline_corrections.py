"""Correcting the timeline: an entry's text or time changed, or the entry removed, the original
kept; entries that record the incident's state refused with what to do instead; and messages
held on the timeline by pins and reactions, whatever order Slack's events come in."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from watchkeeper.domain.errors import IncidentError, InvalidCorrectionTime
from watchkeeper.domain.incident import Incident
from watchkeeper.domain.milestones import Milestone
from watchkeeper.domain.status import Status
from watchkeeper.domain.timeline import EntryKind, TimelineEntry
from watchkeeper.reports.export import incident_document
from watchkeeper.reports.statuspage import status_updates
from watchkeeper.reports.timeline import render_timeline
from watchkeeper.services.effects import entry_payload
from watchkeeper.slack.blocks import entry_message

DECLARED_AT = datetime(2025, 11, 24, 8, 8, tzinfo=UTC)
NOW = DECLARED_AT + timedelta(hours=1)
MESSAGE_TS = "1764000000.000100"


def minutes(count: int) -> datetime:
    return DECLARED_AT + timedelta(minutes=count)


def declare() -> Incident:
    return Incident.declare(
        number=7, title="Checkout errors", severity="SEV2", declared_by="U_ANA", at=DECLARED_AT
    )


def numbered(incident: Incident) -> Incident:
    """Give every entry an id, as the store does when it saves them."""
    incident.timeline = [
        entry if entry.entry_id is not None else _with_id(entry, position + 1)
        for position, entry in enumerate(incident.timeline)
    ]
    return incident


def _with_id(entry: TimelineEntry, entry_id: int) -> TimelineEntry:
    return replace(entry, entry_id=entry_id)


def with_note(text: str = "DB failver started", at: int = 10) -> tuple[Incident, int]:
    incident = declare()
    incident.add_note(text, by="U_BEN", at=minutes(at))
    numbered(incident)
    entry_id = incident.timeline[-1].entry_id
    assert entry_id is not None
    return incident, entry_id


def last(incident: Incident, kind: EntryKind) -> TimelineEntry:
    return [e for e in incident.timeline if e.kind is kind][-1]


# --- corrections ------------------------------------------------------------------------


def test_corrected_text_is_shown_and_the_original_kept() -> None:
    incident, entry_id = with_note()

    incident.correct_entry(entry_id, by="U_CARA", at=NOW, text="DB failover started")

    [note] = [e for e in incident.shown_timeline() if e.kind is EntryKind.NOTE]
    assert note.text == "DB failover started"
    assert note.edited
    assert (note.original_text, note.original_at) == ("DB failver started", minutes(10))
    assert (note.corrected_by, note.corrected_at) == ("U_CARA", NOW)


def test_a_correction_is_recorded_with_who_what_and_when() -> None:
    incident, entry_id = with_note()

    incident.correct_entry(entry_id, by="U_CARA", at=NOW, text="DB failover started")

    record = incident.timeline[-1]
    assert (record.kind, record.author, record.at) == (EntryKind.CORRECTED, "U_CARA", NOW)
    assert record.detail == {
        "entry": str(entry_id),
        "kind": "note",
        "change": "text",
        "was": "DB failver started",
    }


def test_a_second_correction_keeps_the_first_original() -> None:
    incident, entry_id = with_note()
    incident.correct_entry(entry_id, by="U_CARA", at=NOW, text="DB failover started?")

    incident.correct_entry(entry_id, by="U_BEN", at=NOW, text="DB failover started")

    note = incident.entry(entry_id)
    assert (note.text, note.original_text, note.corrected_by) == (
        "DB failover started",
        "DB failver started",
        "U_BEN",
    )


def test_an_entry_moves_to_a_corrected_time_in_the_past() -> None:
    incident, entry_id = with_note()

    incident.correct_entry(entry_id, by="U_CARA", at=NOW, when=minutes(4))

    note = incident.entry(entry_id)
    assert (note.at, note.original_at, note.text) == (minutes(4), minutes(10), "DB failver started")
    assert incident.timeline[-1].detail["change"] == "time"


def test_a_removed_entry_leaves_the_shown_timeline_but_is_kept() -> None:
    incident, entry_id = with_note()

    incident.correct_entry(entry_id, by="U_CARA", at=NOW, remove=True)

    assert EntryKind.NOTE not in [e.kind for e in incident.shown_timeline()]
    [kept] = [e for e in incident.timeline if e.entry_id == entry_id]
    assert kept.removed and not kept.edited and kept.corrected_by == "U_CARA"
    assert incident.timeline[-1].detail["change"] == "removed"


def test_a_removed_entry_cannot_be_corrected_again() -> None:
    incident, entry_id = with_note()
    incident.correct_entry(entry_id, by="U_CARA", at=NOW, remove=True)

    with pytest.raises(IncidentError, match="no such timeline entry"):
        incident.correct_entry(entry_id, by="U_CARA", at=NOW, text="back")


def test_a_correction_that_changes_nothing_is_refused() -> None:
    incident, entry_id = with_note()

    with pytest.raises(IncidentError, match="nothing to correct"):
        incident.correct_entry(entry_id, by="U_CARA", at=NOW, text="DB failver started")


def test_a_correction_to_empty_text_is_refused_pointing_at_removal() -> None:
    incident, entry_id = with_note()

    with pytest.raises(IncidentError, match="Remove this entry"):
        incident.correct_entry(entry_id, by="U_CARA", at=NOW, text="  ")


def test_a_time_in_the_future_is_refused() -> None:
    incident, entry_id = with_note()

    with pytest.raises(InvalidCorrectionTime, match="future"):
        incident.correct_entry(entry_id, by="U_CARA", at=NOW, when=NOW + timedelta(minutes=1))


def test_a_time_long_before_the_declaration_is_refused() -> None:
    incident, entry_id = with_note()

    with pytest.raises(InvalidCorrectionTime, match="30 days before"):
        incident.correct_entry(entry_id, by="U_CARA", at=NOW, when=minutes(-60 * 24 * 31))


def test_an_update_cannot_move_before_the_milestone_its_status_reached() -> None:
    incident = declare()
    incident.change_status(Status.MONITORING, by="U_ANA", at=minutes(20))
    incident.post_update("Error rate back to normal", by="U_ANA", at=minutes(30))
    numbered(incident)
    update = last(incident, EntryKind.UPDATE)
    assert update.entry_id is not None

    with pytest.raises(InvalidCorrectionTime, match="before mitigated"):
        incident.correct_entry(update.entry_id, by="U_CARA", at=NOW, when=minutes(15))


def test_an_entry_made_while_open_cannot_move_after_the_resolution() -> None:
    incident, entry_id = with_note()
    incident.resolve(by="U_ANA", at=minutes(40))

    with pytest.raises(InvalidCorrectionTime, match="after its resolution"):
        incident.correct_entry(entry_id, by="U_CARA", at=NOW, when=minutes(45))


def test_correcting_a_formal_update_on_the_status_page_marks_the_page_changed() -> None:
    incident = declare()
    incident.publish("pub1", "Checkout errors", by="U_ANA", at=minutes(1))
    incident.post_update("Fix deplyoing", by="U_ANA", at=minutes(5))
    numbered(incident)
    update = last(incident, EntryKind.UPDATE)
    assert update.entry_id is not None

    incident.correct_entry(update.entry_id, by="U_CARA", at=NOW, text="Fix deploying")

    assert incident.publication is not None
    assert incident.publication.changed_at == NOW


# --- refusals: one per kind that records the incident's state ----------------------------


def refused(incident: Incident, kind: EntryKind, *, remove: bool = False) -> str:
    numbered(incident)
    entry = last(incident, kind)
    assert entry.entry_id is not None
    before = list(incident.timeline)
    with pytest.raises(IncidentError) as refusal:
        incident.correct_entry(entry.entry_id, by="U_CARA", at=NOW, text="x", remove=remove)
    assert incident.timeline == before  # nothing changed, nothing recorded
    return str(refusal.value)


def test_removing_the_declaration_is_refused_pointing_at_set() -> None:
    assert "/incident set started" in refused(declare(), EntryKind.DECLARED, remove=True)


def test_editing_the_declaration_is_refused() -> None:
    assert "cannot be edited or removed" in refused(declare(), EntryKind.DECLARED)


def test_editing_a_status_change_is_refused_pointing_at_status_and_set() -> None:
    incident = declare()
    incident.change_status(Status.IDENTIFIED, by="U_ANA", at=minutes(5))

    message = refused(incident, EntryKind.STATUS_CHANGED)

    assert "/incident status" in message and "/incident set" in message


def test_removing_a_status_change_is_refused() -> None:
    incident = declare()
    incident.change_status(Status.IDENTIFIED, by="U_ANA", at=minutes(5))

    assert "/incident status" in refused(incident, EntryKind.STATUS_CHANGED, remove=True)


def test_removing_the_resolution_is_refused_pointing_at_reopen() -> None:
    incident = declare()
    incident.resolve(by="U_ANA", at=minutes(5))

    assert "/incident reopen" in refused(incident, EntryKind.RESOLVED, remove=True)


def test_editing_the_resolution_is_refused() -> None:
    incident = declare()
    incident.resolve(by="U_ANA", at=minutes(5))

    assert "/incident set resolved" in refused(incident, EntryKind.RESOLVED)


def test_removing_a_reopening_is_refused_pointing_at_resolve() -> None:
    incident = declare()
    incident.resolve(by="U_ANA", at=minutes(5))
    incident.reopen(by="U_ANA", at=minutes(6))

    assert "/incident resolve" in refused(incident, EntryKind.REOPENED, remove=True)


def test_correcting_a_milestone_entry_is_refused_pointing_at_set() -> None:
    incident = declare()
    incident.set_milestone(Milestone.STARTED, minutes(-5), by="U_ANA", at=minutes(1))

    assert "/incident set" in refused(incident, EntryKind.MILESTONE)


def test_correcting_a_correction_is_refused() -> None:
    incident, entry_id = with_note()
    incident.correct_entry(entry_id, by="U_CARA", at=NOW, text="DB failover started")

    assert "correct the entry itself" in refused(incident, EntryKind.CORRECTED)


# --- messages held on the timeline by pins and reactions --------------------------------


def hold(incident: Incident, holder: str = "pin", event_ts: str = "") -> bool:
    return incident.add_pinned_message(
        message_ts=MESSAGE_TS,
        text="p99 at 4s",
        author="U_DEV",
        posted_at=minutes(-3),
        permalink="https://watch.slack.com/archives/C1/p1764000000000100",
        holder=holder,
        event_ts=event_ts,
    )


def pinned(incident: Incident) -> list[TimelineEntry]:
    return [e for e in incident.shown_timeline() if e.kind is EntryKind.PINNED]


def test_a_pin_and_a_reaction_on_one_message_make_one_entry() -> None:
    incident = declare()

    assert hold(incident, "pin", "100.1")
    assert not hold(incident, "reaction:U_BEN", "100.2")

    assert len(pinned(incident)) == 1


def test_the_message_stays_while_someone_still_holds_it() -> None:
    incident = declare()
    hold(incident, "pin", "100.1")
    hold(incident, "reaction:U_BEN", "100.2")

    assert not incident.remove_pinned_message(MESSAGE_TS, holder="pin", event_ts="100.3")

    assert len(pinned(incident)) == 1
    assert incident.remove_pinned_message(MESSAGE_TS, holder="reaction:U_BEN", event_ts="100.4")
    assert pinned(incident) == []


def test_someone_elses_removal_leaves_the_message() -> None:
    incident = declare()
    hold(incident, "reaction:U_BEN", "100.1")

    assert not incident.remove_pinned_message(
        MESSAGE_TS, holder="reaction:U_CARA", event_ts="100.2"
    )

    assert len(pinned(incident)) == 1


def test_a_removal_that_arrives_before_its_addition_keeps_the_message_off() -> None:
    incident = declare()

    incident.remove_pinned_message(MESSAGE_TS, holder="reaction:U_BEN", event_ts="100.2")
    assert not hold(incident, "reaction:U_BEN", "100.1")  # the late addition

    assert pinned(incident) == []
    assert [e.kind for e in incident.timeline].count(EntryKind.PINNED) == 1  # one row, kept


def test_an_addition_after_a_removal_brings_the_message_back() -> None:
    incident = declare()
    hold(incident, "reaction:U_BEN", "100.1")
    incident.remove_pinned_message(MESSAGE_TS, holder="reaction:U_BEN", event_ts="100.2")

    assert hold(incident, "reaction:U_BEN", "100.3")

    assert [(e.text, e.author) for e in pinned(incident)] == [("p99 at 4s", "U_DEV")]


def test_a_late_duplicate_removal_does_not_take_a_newer_addition_back() -> None:
    incident = declare()
    hold(incident, "reaction:U_BEN", "100.1")
    incident.remove_pinned_message(MESSAGE_TS, holder="reaction:U_BEN", event_ts="100.2")
    hold(incident, "reaction:U_BEN", "100.3")

    incident.remove_pinned_message(MESSAGE_TS, holder="reaction:U_BEN", event_ts="100.2")

    assert len(pinned(incident)) == 1


def test_a_message_a_responder_removed_is_not_brought_back_by_a_new_pin() -> None:
    incident = declare()
    hold(incident, "pin", "100.1")
    numbered(incident)
    entry_id = pinned(incident)[0].entry_id
    assert entry_id is not None
    incident.correct_entry(entry_id, by="U_CARA", at=NOW, remove=True)

    assert not hold(incident, "reaction:U_BEN", "100.5")

    assert pinned(incident) == []


# --- what reports show ------------------------------------------------------------------


def corrected_and_removed() -> Incident:
    incident = declare()
    incident.publish("pub1", "Checkout errors", by="U_ANA", at=minutes(1))
    incident.post_update("Rolbak started", by="U_ANA", at=minutes(5))
    incident.add_note("Wrong channel", by="U_BEN", at=minutes(6))
    numbered(incident)
    update, note = last(incident, EntryKind.UPDATE), last(incident, EntryKind.NOTE)
    assert update.entry_id is not None and note.entry_id is not None
    incident.correct_entry(update.entry_id, by="U_CARA", at=NOW, text="Rollback started")
    incident.correct_entry(note.entry_id, by="U_CARA", at=NOW, remove=True)
    return incident


def test_the_timeline_report_marks_the_corrected_entry_and_drops_the_removed_one() -> None:
    text = render_timeline(corrected_and_removed(), names={}, zone=ZoneInfo("UTC"))

    assert "Update (investigating): Rollback started (edited) (by @U_ANA)" in text
    assert "Rolbak" not in text.split("Corrected")[0]
    assert "Wrong channel" not in text.split("Removed")[0]
    assert "Corrected an update entry: “Rolbak started” now reads “Rollback started”" in text
    assert "Removed a note entry: “Wrong channel”" in text


def test_the_status_page_report_uses_the_corrected_text() -> None:
    updates = status_updates(corrected_and_removed())

    assert [u.message for u in updates if u.message.startswith("Roll")] == ["Rollback started"]


def test_the_json_export_keeps_the_original_and_who_corrected_it() -> None:
    document = incident_document(corrected_and_removed(), names={})

    [update] = [e for e in document["timeline"] if e["kind"] == "update"]
    [note] = [e for e in document["timeline"] if e["kind"] == "note"]
    assert {k: update[k] for k in ("text", "original_text", "edited", "corrected_by")} == {
        "text": "Rollback started",
        "original_text": "Rolbak started",
        "edited": True,
        "corrected_by": "U_CARA",
    }
    assert (note["removed"], note["text"]) == (True, "Wrong channel")
    assert update["corrected_at"] == "2025-11-24T09:08:00Z"


def test_the_channel_hears_who_corrected_what() -> None:
    record = corrected_and_removed().timeline[-2]  # the update's correction

    said = entry_message("INC-7", entry_payload(record), ZoneInfo("UTC"))

    assert said.startswith(":pencil2: U_CARA corrected the timeline: Corrected an update entry")
    assert said.endswith("now reads “Rollback started”")
