"""The status-page report: declaration, status changes and formal updates, newest first."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from watchkeeper.domain.incident import Incident
from watchkeeper.domain.milestones import Milestone
from watchkeeper.domain.severity import DEFAULT_SCALE
from watchkeeper.domain.status import Status
from watchkeeper.reports import render_status_page

UTC_ZONE = ZoneInfo("UTC")


def at(hour: int, minute: int, month: int = 11, day: int = 24) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=UTC)


def declared(when: datetime | None = None) -> Incident:
    return Incident.declare(
        number=7,
        title="US infrastructure delays with a subset of deliveries sending",
        severity="SEV2",
        declared_by="U_ANA",
        at=when or at(8, 20),
    )


def golden() -> Incident:
    """Declared 08:20, started 08:08, identified 08:38, monitoring 09:40, resolved 10:22."""
    incident = declared()
    incident.assign_role("commander", "U_ANA", by="U_ANA", at=at(8, 22))
    incident.set_milestone(Milestone.STARTED, at(8, 8), by="U_ANA", at=at(8, 25))
    incident.change_status(
        Status.IDENTIFIED,
        by="U_ANA",
        at=at(8, 38),
        message="We have identified a saturated outbound queue in us-east and are rerouting.",
    )
    incident.add_note("Queue depth at 48k", by="U_BEN", at=at(8, 45))
    incident.post_update("Rerouting is half done; delays are shrinking.", by="U_BEN", at=at(9, 5))
    incident.change_status(Status.MONITORING, by="U_ANA", at=at(9, 40))
    incident.resolve(
        by="U_ANA",
        at=at(10, 22),
        message="We confirm the incident has been resolved. The system is fully operational.",
    )
    return incident


def test_golden_incident_renders_the_exact_status_page() -> None:
    assert render_status_page(golden(), zone=UTC_ZONE) == (
        "Resolved\n"
        "We confirm the incident has been resolved. The system is fully operational.\n"
        "Posted Nov 24, 2025 - 10:22 UTC\n"
        "\n"
        "Monitoring\n"
        "A fix has been implemented and we are monitoring the results.\n"
        "Posted Nov 24, 2025 - 09:40 UTC\n"
        "\n"
        "Identified\n"
        "Rerouting is half done; delays are shrinking.\n"
        "Posted Nov 24, 2025 - 09:05 UTC\n"
        "\n"
        "Identified\n"
        "We have identified a saturated outbound queue in us-east and are rerouting.\n"
        "Posted Nov 24, 2025 - 08:38 UTC\n"
        "\n"
        "Investigating\n"
        "We are currently investigating this issue.\n"
        "Posted Nov 24, 2025 - 08:20 UTC\n"
    )


def test_declaration_shows_the_standard_sentence_not_the_title() -> None:
    assert render_status_page(declared(), zone=UTC_ZONE) == (
        "Investigating\n"
        "We are currently investigating this issue.\n"
        "Posted Nov 24, 2025 - 08:20 UTC\n"
    )


def test_status_change_without_message_gets_the_standard_sentence() -> None:
    incident = declared()
    incident.change_status(Status.IDENTIFIED, by="U_ANA", at=at(8, 38))

    newest = render_status_page(incident, zone=UTC_ZONE).split("\n\n")[0]

    assert newest == (
        "Identified\n"
        "The issue has been identified and a fix is being implemented.\n"
        "Posted Nov 24, 2025 - 08:38 UTC"
    )


def test_resolution_without_message_gets_the_standard_sentence() -> None:
    incident = declared()
    incident.resolve(by="U_ANA", at=at(9, 0))

    newest = render_status_page(incident, zone=UTC_ZONE).split("\n\n")[0]

    assert newest == "Resolved\nThis incident has been resolved.\nPosted Nov 24, 2025 - 09:00 UTC"


def test_reopened_incident_shows_both_resolutions_and_the_reopen() -> None:
    incident = declared()
    incident.resolve(by="U_ANA", at=at(9, 0), message="Fixed by a rollback.")
    incident.reopen(by="U_ANA", at=at(9, 30))
    incident.resolve(by="U_ANA", at=at(10, 15), message="Fixed for good.")

    assert render_status_page(incident, zone=UTC_ZONE) == (
        "Resolved\n"
        "Fixed for good.\n"
        "Posted Nov 24, 2025 - 10:15 UTC\n"
        "\n"
        "Investigating\n"
        "We are currently investigating this issue.\n"
        "Posted Nov 24, 2025 - 09:30 UTC\n"
        "\n"
        "Resolved\n"
        "Fixed by a rollback.\n"
        "Posted Nov 24, 2025 - 09:00 UTC\n"
        "\n"
        "Investigating\n"
        "We are currently investigating this issue.\n"
        "Posted Nov 24, 2025 - 08:20 UTC\n"
    )


def test_reopen_with_a_message_shows_it_under_investigating() -> None:
    incident = declared()
    incident.resolve(by="U_ANA", at=at(9, 0))
    incident.reopen(by="U_ANA", at=at(9, 30), message="Delays are back.")

    newest = render_status_page(incident, zone=UTC_ZONE).split("\n\n")[0]

    assert newest == "Investigating\nDelays are back.\nPosted Nov 24, 2025 - 09:30 UTC"


def test_posted_times_are_in_the_configured_zone_in_winter() -> None:
    report = render_status_page(declared(), zone=ZoneInfo("Europe/Berlin"))
    assert report.splitlines()[-1] == "Posted Nov 24, 2025 - 09:20 CET"


def test_posted_times_follow_daylight_saving_time() -> None:
    report = render_status_page(declared(at(8, 20, month=7)), zone=ZoneInfo("Europe/Berlin"))
    assert report.splitlines()[-1] == "Posted Jul 24, 2025 - 10:20 CEST"


def test_notes_severity_and_other_facts_stay_off_the_status_page() -> None:
    incident = declared()
    incident.add_note("internal chatter", by="U_BEN", at=at(8, 30))
    incident.change_severity("SEV1", scale=DEFAULT_SCALE, by="U_ANA", at=at(8, 31))
    incident.set_cause("bad config", by="U_ANA", at=at(8, 32))

    assert render_status_page(incident, zone=UTC_ZONE) == render_status_page(
        declared(), zone=UTC_ZONE
    )


def test_a_message_with_line_breaks_stays_on_its_message_line() -> None:
    incident = declared()
    incident.post_update("Rerouting traffic.\n\nNext update in 30 minutes.", by="U_A", at=at(9, 0))

    newest = render_status_page(incident, zone=UTC_ZONE).split("\n\n")[0]

    assert newest.splitlines() == [
        "Investigating",
        "Rerouting traffic. Next update in 30 minutes.",
        "Posted Nov 24, 2025 - 09:00 UTC",
    ]


def test_updates_at_the_same_minute_show_the_later_one_first() -> None:
    incident = declared()
    incident.post_update("first", by="U_ANA", at=at(9, 0))
    incident.post_update("second", by="U_ANA", at=at(9, 0))

    messages = [
        entry.splitlines()[1] for entry in render_status_page(incident, zone=UTC_ZONE).split("\n\n")
    ]

    assert messages[:2] == ["second", "first"]
