"""The timeline renderer: one plain sentence per entry, entries in time order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from watchkeeper.domain.incident import Incident
from watchkeeper.domain.milestones import Milestone
from watchkeeper.domain.severity import DEFAULT_SCALE
from watchkeeper.domain.status import Status
from watchkeeper.reports import describe, render_timeline

UTC_ZONE = ZoneInfo("UTC")
BERLIN = ZoneInfo("Europe/Berlin")
NAMES = {"U_ANA": "ana", "U_BEN": "ben"}
PERMALINK = "https://acme.slack.com/archives/C07INC7/p1763974200000100"


def at(hour: int, minute: int, day: int = 24) -> datetime:
    return datetime(2025, 11, day, hour, minute, tzinfo=UTC)


def declared(title: str = "Checkout errors", when: datetime | None = None) -> Incident:
    return Incident.declare(
        number=7, title=title, severity="SEV3", declared_by="U_ANA", at=when or at(8, 20)
    )


def last_sentence(incident: Incident, zone: ZoneInfo = UTC_ZONE) -> str:
    return describe(incident.timeline[-1], names=NAMES, zone=zone)


def test_declaration_names_declarer_severity_and_title() -> None:
    incident = declared()
    assert last_sentence(incident) == "Declared by @ana at SEV3: Checkout errors"


def test_status_change_shows_both_statuses_and_the_message() -> None:
    incident = declared()
    incident.change_status(Status.IDENTIFIED, by="U_ANA", at=at(8, 38), message="Bad deploy")
    assert last_sentence(incident) == "Status changed from investigating to identified: Bad deploy"


def test_status_change_without_message_ends_after_the_statuses() -> None:
    incident = declared()
    incident.change_status(Status.MONITORING, by="U_ANA", at=at(9, 40))
    assert last_sentence(incident) == "Status changed from investigating to monitoring"


def test_update_names_the_status_it_was_posted_at() -> None:
    incident = declared()
    incident.post_update("Still digging", by="U_BEN", at=at(8, 50))
    assert last_sentence(incident) == "Update (investigating): Still digging"


def test_severity_change_shows_both_levels() -> None:
    incident = declared()
    incident.change_severity("SEV2", scale=DEFAULT_SCALE, by="U_ANA", at=at(8, 30))
    assert last_sentence(incident) == "Severity changed from SEV3 to SEV2"


def test_role_assignment_names_the_new_holder() -> None:
    incident = declared()
    incident.assign_role("commander", "U_ANA", by="U_BEN", at=at(8, 21))
    assert last_sentence(incident) == "@ana assigned as commander"


def test_role_reassignment_names_who_was_replaced() -> None:
    incident = declared()
    incident.assign_role("commander", "U_ANA", by="U_ANA", at=at(8, 21))
    incident.assign_role("commander", "U_BEN", by="U_ANA", at=at(9, 0))
    assert last_sentence(incident) == "@ben assigned as commander, replacing @ana"


def test_unknown_user_is_shown_by_raw_id() -> None:
    incident = declared()
    incident.assign_role("scribe", "U_ZED", by="U_ANA", at=at(8, 21))
    assert last_sentence(incident) == "@U_ZED assigned as scribe"


def test_milestone_correction_shows_the_corrected_time_in_the_zone() -> None:
    incident = declared()
    incident.set_milestone(Milestone.STARTED, at(8, 8), by="U_ANA", at=at(8, 25))
    assert last_sentence(incident, BERLIN) == "Started corrected to Nov 24, 2025 09:08 CET"


def test_action_names_its_number_and_owner() -> None:
    incident = declared()
    incident.add_action("Alert on queue depth", owner_id="U_BEN", by="U_ANA", at=at(10, 30))
    assert last_sentence(incident) == "Action 1 added: Alert on queue depth (owner @ben)"


def test_pinned_message_names_its_author_and_permalink() -> None:
    incident = declared()
    incident.add_pinned_message(
        message_ts="1763974200.000100",
        text="Queue at 48k",
        author="U_BEN",
        posted_at=at(8, 50),
        permalink=PERMALINK,
    )
    assert last_sentence(incident) == f"Pinned message by @ben: Queue at 48k ({PERMALINK})"


def test_reopen_without_message_is_one_word() -> None:
    incident = declared()
    incident.resolve(by="U_ANA", at=at(9, 0))
    incident.reopen(by="U_BEN", at=at(9, 10))
    assert last_sentence(incident) == "Reopened"


def test_timeline_lists_entries_in_time_order_with_authors() -> None:
    incident = declared()
    incident.assign_role("commander", "U_ANA", by="U_ANA", at=at(8, 22))
    incident.change_status(Status.IDENTIFIED, by="U_ANA", at=at(8, 38), message="Bad deploy")
    incident.add_note("Rollback started", by="U_BEN", at=at(8, 45))
    incident.resolve(by="U_ANA", at=at(9, 2), message="Rolled back")

    assert render_timeline(incident, names=NAMES, zone=UTC_ZONE) == (
        "- Nov 24, 2025 08:20 UTC — Declared by @ana at SEV3: Checkout errors\n"
        "- 08:22 UTC — @ana assigned as commander (by @ana)\n"
        "- 08:38 UTC — Status changed from investigating to identified: Bad deploy (by @ana)\n"
        "- 08:45 UTC — Note: Rollback started (by @ben)\n"
        "- 09:02 UTC — Resolved: Rolled back (by @ana)\n"
    )


def test_pinned_message_sits_at_its_own_time_not_when_it_was_pinned() -> None:
    incident = declared()
    incident.add_note("Rollback started", by="U_BEN", at=at(8, 45))
    incident.add_pinned_message(
        message_ts="1763974200.000100",
        text="Queue at 48k",
        author="U_BEN",
        posted_at=at(8, 30),
        permalink=PERMALINK,
    )

    lines = render_timeline(incident, names=NAMES, zone=UTC_ZONE).splitlines()

    assert [line.split(" — ")[1].split(":")[0] for line in lines] == [
        "Declared by @ana at SEV3",
        "Pinned message by @ben",
        "Note",
    ]


def test_entries_at_the_same_moment_keep_the_order_they_happened_in() -> None:
    incident = declared()
    incident.add_note("first", by="U_ANA", at=at(8, 30))
    incident.add_note("second", by="U_ANA", at=at(8, 30))
    incident.add_note("third", by="U_ANA", at=at(8, 30))

    lines = render_timeline(incident, names=NAMES, zone=UTC_ZONE).splitlines()

    assert [line.split("Note: ")[-1] for line in lines[1:]] == [
        "first (by @ana)",
        "second (by @ana)",
        "third (by @ana)",
    ]


def test_date_is_shown_again_when_the_day_changes() -> None:
    incident = declared(when=at(23, 50, day=23))
    incident.add_note("Past midnight", by="U_ANA", at=at(0, 10))

    assert render_timeline(incident, names=NAMES, zone=UTC_ZONE) == (
        "- Nov 23, 2025 23:50 UTC — Declared by @ana at SEV3: Checkout errors\n"
        "- Nov 24, 2025 00:10 UTC — Note: Past midnight (by @ana)\n"
    )


def test_times_are_shown_in_the_configured_zone() -> None:
    incident = declared()
    assert render_timeline(incident, names=NAMES, zone=BERLIN) == (
        "- Nov 24, 2025 09:20 CET — Declared by @ana at SEV3: Checkout errors\n"
    )


def test_a_note_with_line_breaks_stays_one_list_item() -> None:
    incident = declared()
    incident.add_note("first line\n# not a heading\n- not an item", by="U_ANA", at=at(8, 30))

    lines = render_timeline(incident, names=NAMES, zone=UTC_ZONE).splitlines()

    assert lines[1] == "- 08:30 UTC — Note: first line # not a heading - not an item (by @ana)"


def test_html_and_pings_in_user_text_are_inert() -> None:
    incident = declared(title="<!channel> checkout <!-- down")

    line = render_timeline(incident, names=NAMES, zone=UTC_ZONE).splitlines()[0]

    assert line.endswith(": &lt;!channel&gt; checkout &lt;!-- down")


def test_ten_thousand_entries_all_render_in_order() -> None:
    incident = declared()
    for number in range(1, 10_000):
        incident.add_note(f"note {number}", by="U_BEN", at=at(8, 20) + timedelta(seconds=number))

    lines = render_timeline(incident, names=NAMES, zone=UTC_ZONE).splitlines()

    assert len(lines) == 10_000
    assert lines[1] == "- 08:20 UTC — Note: note 1 (by @ben)"
    assert lines[-1] == "- 11:06 UTC — Note: note 9999 (by @ben)"
