"""The status-page report, byte for byte in the form of the reference reports.

Every expected text below is written by hand from the wording of the reference reports
(`shared/reference/`: Customer.io's of Dec 21, 2018 and Kustomer's of Oct 8, 2025) and the
issue's example, never produced by the code under test.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from watchkeeper.domain.incident import Incident
from watchkeeper.domain.milestones import Milestone
from watchkeeper.domain.severity import DEFAULT_SCALE
from watchkeeper.domain.status import Status
from watchkeeper.reports import PublishedPostmortem, StatusUpdate, status_updates
from watchkeeper.reports.statuspage import join_names, render_status_page

UTC_ZONE = ZoneInfo("UTC")
NEW_YORK = ZoneInfo("America/New_York")
PAGE = "Acme Status"


def at(hour: int, minute: int, *, month: int = 11, day: int = 24, year: int = 2025) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def declared(when: datetime | None = None, title: str = "Delivery delays") -> Incident:
    return Incident.declare(
        number=7, title=title, severity="SEV2", declared_by="U_ANA", at=when or at(8, 8)
    )


def report(
    incident: Incident,
    zone: ZoneInfo = UTC_ZONE,
    *,
    title: str | None = None,
    postmortem: PublishedPostmortem | None = None,
    declaration_message: str = "",
) -> str:
    return render_status_page(
        incident,
        zone=zone,
        page_name=PAGE,
        title=title,
        postmortem=postmortem,
        declaration_message=declaration_message,
    )


def blocks(text: str) -> list[str]:
    """The report's blocks after the head (entries have no blank line inside here)."""
    return text.split("\n\n")[2:]


# --- the reference form, whole ---------------------------------------------------------------


def acme() -> Incident:
    """The issue's example: declared 08:08, first message 08:15, identified, update, resolved."""
    incident = declared(title="US infrastructure delays with a subset of deliveries sending")
    incident.assign_role("commander", "U_ANA", by="U_ANA", at=at(8, 9))
    incident.add_note("Queue depth at 48k on mq-3", by="U_BEN", at=at(8, 10))
    incident.post_update(
        "Our team is aware of an issue with Campaign and Transactional deliveries going out. "
        "We are currently looking into this.",
        by="U_ANA",
        at=at(8, 15),
    )
    incident.set_components(("Message Sending", "Management Interface"), by="U_ANA", at=at(8, 20))
    incident.change_status(
        Status.IDENTIFIED,
        by="U_ANA",
        at=at(8, 38),
        message="We identified the issue, backlog is processing now",
    )
    incident.set_cause("mq-3 ran out of disk", by="U_BEN", at=at(8, 40))
    incident.post_update(
        "Transactional queue backlog is process, priority queue is still ongoing",
        by="U_BEN",
        at=at(8, 45),
    )
    incident.resolve(
        by="U_ANA",
        at=at(8, 51),
        message="We confirm the incident has been resolved. The system is fully operational.",
    )
    return incident


def test_the_issues_example_renders_exactly_with_its_postmortem() -> None:
    postmortem = PublishedPostmortem(
        "Summary\n\nA full disk on one queue server held back deliveries for 36 minutes.",
        posted_at=at(16, 12, month=12, day=11),
    )

    assert report(acme(), postmortem=postmortem) == (
        "US infrastructure delays with a subset of deliveries sending\n"
        "\n"
        "Incident Report for Acme Status\n"
        "\n"
        "Postmortem\n"
        "Summary\n"
        "\n"
        "A full disk on one queue server held back deliveries for 36 minutes.\n"
        "Posted Dec 11, 2025 - 16:12 UTC\n"
        "\n"
        "Resolved\n"
        "We confirm the incident has been resolved. The system is fully operational.\n"
        "Posted Nov 24, 2025 - 08:51 UTC\n"
        "\n"
        "Update\n"
        "Transactional queue backlog is process, priority queue is still ongoing\n"
        "Posted Nov 24, 2025 - 08:45 UTC\n"
        "\n"
        "Identified\n"
        "We identified the issue, backlog is processing now\n"
        "Posted Nov 24, 2025 - 08:38 UTC\n"
        "\n"
        "Investigating\n"
        "Our team is aware of an issue with Campaign and Transactional deliveries going out. "
        "We are currently looking into this.\n"
        "Posted Nov 24, 2025 - 08:15 UTC\n"
        "This incident affected: Message Sending and Management Interface.\n"
    )


def test_customerio_report_in_utc_with_a_zero_padded_day() -> None:
    incident = declared(
        at(6, 49, year=2018, month=12, day=21),
        title="The management interface is temporarily unaccessible and sending has stopped",
    )
    incident.post_update(
        "Started: December 21, 2018 6:49am UTC\n"
        "Who is affected: still investigating the impact\n"
        "\n"
        "The cause of the outage is currently unknown and is being investigated at this time. "
        "We will provide an update at UTC 09:15.",
        by="U_ANA",
        at=at(8, 12, year=2018, month=12, day=21),
    )
    incident.post_update(
        "We are continuing to investigate. We will provide an update at UTC 10:15.",
        by="U_ANA",
        at=at(9, 16, year=2018, month=12, day=21),
    )
    incident.change_status(
        Status.MONITORING,
        by="U_ANA",
        at=at(10, 24, year=2018, month=12, day=21),
        message="Everything is working correctly again, no data was lost, and the backlog is "
        "currently being processed. Our engineering team is monitoring the situation.\n"
        "\n"
        "We will provide a final update at UTC 11:22 UTC.",
    )
    incident.resolve(
        by="U_ANA",
        at=at(11, 12, year=2018, month=12, day=21),
        message="The backlog has been processed. Back to preparing for the winter holidays - "
        "campaigns and all! 🎄",
    )
    incident.set_components(
        ("Message Sending", "Management Interface"),
        by="U_ANA",
        at=at(11, 20, year=2018, month=12, day=21),
    )
    postmortem = PublishedPostmortem(
        "Overview\n"
        "\n"
        "Between 2018-12-21 05:29 UTC and 2018-12-21 10:08 UTC there was a pause in the "
        "processing of incoming data for approximately 25% of our customers.\n"
        "\n"
        "Root Cause\n"
        "\n"
        "A kernel bug was triggered by mysql on the affected server.",
        posted_at=at(0, 30, year=2019, month=1, day=1),
    )

    assert render_status_page(
        incident, zone=UTC_ZONE, page_name="Customer.io Status", postmortem=postmortem
    ) == (
        "The management interface is temporarily unaccessible and sending has stopped\n"
        "\n"
        "Incident Report for Customer.io Status\n"
        "\n"
        "Postmortem\n"
        "Overview\n"
        "\n"
        "Between 2018-12-21 05:29 UTC and 2018-12-21 10:08 UTC there was a pause in the "
        "processing of incoming data for approximately 25% of our customers.\n"
        "\n"
        "Root Cause\n"
        "\n"
        "A kernel bug was triggered by mysql on the affected server.\n"
        "Posted Jan 01, 2019 - 00:30 UTC\n"
        "\n"
        "Resolved\n"
        "The backlog has been processed. Back to preparing for the winter holidays - "
        "campaigns and all! 🎄\n"
        "Posted Dec 21, 2018 - 11:12 UTC\n"
        "\n"
        "Monitoring\n"
        "Everything is working correctly again, no data was lost, and the backlog is currently "
        "being processed. Our engineering team is monitoring the situation.\n"
        "\n"
        "We will provide a final update at UTC 11:22 UTC.\n"
        "Posted Dec 21, 2018 - 10:24 UTC\n"
        "\n"
        "Update\n"
        "We are continuing to investigate. We will provide an update at UTC 10:15.\n"
        "Posted Dec 21, 2018 - 09:16 UTC\n"
        "\n"
        "Investigating\n"
        "Started: December 21, 2018 6:49am UTC\n"
        "Who is affected: still investigating the impact\n"
        "\n"
        "The cause of the outage is currently unknown and is being investigated at this time. "
        "We will provide an update at UTC 09:15.\n"
        "Posted Dec 21, 2018 - 08:12 UTC\n"
        "This incident affected: Message Sending and Management Interface.\n"
    )


def test_kustomer_report_in_new_york_summer_time() -> None:
    # 14:09 UTC is 10:09 EDT on Oct 8, 2025.
    incident = declared(at(14, 2, month=10, day=8), title="Delays in processing Prod 2")
    incident.post_update(
        "Kustomer is aware of an event affecting workflows and routing that may cause platform "
        "delays.",
        by="U_ANA",
        at=at(14, 9, month=10, day=8),
    )
    incident.change_status(
        Status.MONITORING,
        by="U_ANA",
        at=at(14, 31, month=10, day=8),
        message="Kustomer has implemented an update to address an event affecting workflows.\n"
        "\n"
        "Our team is currently monitoring this update to ensure the issue is fully resolved.",
    )
    incident.resolve(
        by="U_ANA",
        at=at(15, 16, month=10, day=8),
        message="Kustomer has resolved an event affecting Prod 2.",
    )
    incident.set_components(("Prod2 (EU) (Workflow)",), by="U_ANA", at=at(15, 20, month=10, day=8))
    postmortem = PublishedPostmortem(
        "Impact\n"
        "\n"
        "  • Duration: ~2.5 hours of degraded performance\n"
        "  • Scope: Production region prod-2 (EU)\n"
        "\n"
        "We’re also investing in expanded observability.",
        posted_at=at(16, 42, month=10, day=16),
    )

    assert render_status_page(
        incident,
        zone=NEW_YORK,
        page_name="Kustomer",
        title="[WORKFLOWS + ROUTING] Delays in processing Prod 2",
        postmortem=postmortem,
    ) == (
        "[WORKFLOWS + ROUTING] Delays in processing Prod 2\n"
        "\n"
        "Incident Report for Kustomer\n"
        "\n"
        "Postmortem\n"
        "Impact\n"
        "\n"
        "  • Duration: ~2.5 hours of degraded performance\n"
        "  • Scope: Production region prod-2 (EU)\n"
        "\n"
        "We’re also investing in expanded observability.\n"
        "Posted Oct 16, 2025 - 12:42 EDT\n"
        "\n"
        "Resolved\n"
        "Kustomer has resolved an event affecting Prod 2.\n"
        "Posted Oct 08, 2025 - 11:16 EDT\n"
        "\n"
        "Monitoring\n"
        "Kustomer has implemented an update to address an event affecting workflows.\n"
        "\n"
        "Our team is currently monitoring this update to ensure the issue is fully resolved.\n"
        "Posted Oct 08, 2025 - 10:31 EDT\n"
        "\n"
        "Investigating\n"
        "Kustomer is aware of an event affecting workflows and routing that may cause platform "
        "delays.\n"
        "Posted Oct 08, 2025 - 10:09 EDT\n"
        "This incident affected: Prod2 (EU) (Workflow).\n"
    )


def test_new_york_winter_time_is_est_and_keeps_the_local_day() -> None:
    # 03:30 UTC on Dec 2 is still Dec 1 in New York (EST, UTC-5).
    incident = declared(at(3, 30, month=12, day=2))
    incident.resolve(by="U_ANA", at=at(5, 5, month=12, day=2), message="Fixed.")

    assert report(incident, NEW_YORK) == (
        "Delivery delays\n"
        "\n"
        "Incident Report for Acme Status\n"
        "\n"
        "Resolved\n"
        "Fixed.\n"
        "Posted Dec 02, 2025 - 00:05 EST\n"
        "\n"
        "Investigating\n"
        "We are currently investigating this issue.\n"
        "Posted Dec 01, 2025 - 22:30 EST\n"
    )


def test_other_zones_show_their_own_abbreviation() -> None:
    assert report(declared(), ZoneInfo("Europe/Berlin")).endswith(
        "Posted Nov 24, 2025 - 09:08 CET\n"
    )
    assert report(declared(at(8, 8, month=7)), ZoneInfo("Europe/Berlin")).endswith(
        "Posted Jul 24, 2025 - 10:08 CEST\n"
    )


# --- labels ----------------------------------------------------------------------------------


def test_a_declared_incident_shows_the_standard_investigating_post() -> None:
    assert report(declared()) == (
        "Delivery delays\n"
        "\n"
        "Incident Report for Acme Status\n"
        "\n"
        "Investigating\n"
        "We are currently investigating this issue.\n"
        "Posted Nov 24, 2025 - 08:08 UTC\n"
    )


def test_an_update_at_an_unchanged_status_is_labelled_update() -> None:
    incident = declared()
    incident.change_status(Status.IDENTIFIED, by="U_ANA", at=at(8, 30), message="Found it.")
    incident.post_update("Rolling back.", by="U_ANA", at=at(8, 40))
    incident.change_status(Status.MONITORING, by="U_ANA", at=at(8, 50))
    incident.post_update("Error rate is back to normal.", by="U_ANA", at=at(9, 0))

    assert blocks(report(incident)) == [
        "Update\nError rate is back to normal.\nPosted Nov 24, 2025 - 09:00 UTC",
        "Monitoring\nA fix has been implemented and we are monitoring the results.\n"
        "Posted Nov 24, 2025 - 08:50 UTC",
        "Update\nRolling back.\nPosted Nov 24, 2025 - 08:40 UTC",
        "Identified\nFound it.\nPosted Nov 24, 2025 - 08:30 UTC",
        "Investigating\nWe are currently investigating this issue.\nPosted Nov 24, 2025 - 08:08 UTC\n",
    ]


def test_a_status_change_without_a_message_shows_the_standard_sentence() -> None:
    incident = declared()
    incident.change_status(Status.IDENTIFIED, by="U_ANA", at=at(8, 38))
    incident.resolve(by="U_ANA", at=at(9, 0))

    assert blocks(report(incident))[:2] == [
        "Resolved\nThis incident has been resolved.\nPosted Nov 24, 2025 - 09:00 UTC",
        "Identified\nThe issue has been identified and a fix is being implemented.\n"
        "Posted Nov 24, 2025 - 08:38 UTC",
    ]


def test_the_first_message_while_investigating_takes_the_declarations_place() -> None:
    incident = declared()
    incident.post_update("We are looking into failed logins.", by="U_ANA", at=at(8, 15))
    incident.post_update("Still looking; EU only.", by="U_ANA", at=at(8, 30))

    assert blocks(report(incident)) == [
        "Update\nStill looking; EU only.\nPosted Nov 24, 2025 - 08:30 UTC",
        "Investigating\nWe are looking into failed logins.\nPosted Nov 24, 2025 - 08:15 UTC\n",
    ]


def test_status_investigating_with_a_message_counts_as_the_first_message() -> None:
    incident = declared()
    incident.change_status(
        Status.INVESTIGATING, by="U_ANA", at=at(8, 12), message="Logins fail for some users."
    )

    assert blocks(report(incident)) == [
        "Investigating\nLogins fail for some users.\nPosted Nov 24, 2025 - 08:12 UTC\n"
    ]


def test_a_public_declaration_message_is_the_first_post_at_the_declaration_time() -> None:
    incident = declared()
    incident.post_update("Still looking.", by="U_ANA", at=at(8, 30))

    assert blocks(report(incident, declaration_message="Logins fail for some users.")) == [
        "Update\nStill looking.\nPosted Nov 24, 2025 - 08:30 UTC",
        "Investigating\nLogins fail for some users.\nPosted Nov 24, 2025 - 08:08 UTC\n",
    ]


def test_after_the_status_moved_a_message_while_investigating_is_an_update() -> None:
    incident = declared()
    incident.change_status(Status.IDENTIFIED, by="U_ANA", at=at(8, 20))
    incident.change_status(Status.INVESTIGATING, by="U_ANA", at=at(8, 30))
    incident.post_update("It was not that after all.", by="U_ANA", at=at(8, 40))

    assert [block.splitlines()[:2] for block in blocks(report(incident))] == [
        ["Update", "It was not that after all."],
        ["Investigating", "We are currently investigating this issue."],
        ["Identified", "The issue has been identified and a fix is being implemented."],
        ["Investigating", "We are currently investigating this issue."],
    ]


def test_reopening_is_a_change_to_investigating() -> None:
    incident = declared()
    incident.resolve(by="U_ANA", at=at(9, 0), message="Fixed by a rollback.")
    incident.reopen(by="U_ANA", at=at(9, 30))
    incident.resolve(by="U_ANA", at=at(10, 15), message="Fixed for good.")

    assert [block.splitlines()[:2] for block in blocks(report(incident))] == [
        ["Resolved", "Fixed for good."],
        ["Investigating", "We are currently investigating this issue."],
        ["Resolved", "Fixed by a rollback."],
        ["Investigating", "We are currently investigating this issue."],
    ]


def test_a_reopen_message_shows_under_investigating() -> None:
    incident = declared()
    incident.resolve(by="U_ANA", at=at(9, 0))
    incident.reopen(by="U_ANA", at=at(9, 30), message="Delays are back.")

    assert blocks(report(incident))[0] == (
        "Investigating\nDelays are back.\nPosted Nov 24, 2025 - 09:30 UTC"
    )


# --- text ------------------------------------------------------------------------------------


def test_a_message_keeps_its_line_breaks() -> None:
    incident = declared()
    incident.change_status(Status.IDENTIFIED, by="U_ANA", at=at(8, 20))
    incident.post_update(
        "Rerouting traffic.\r\n\r\nNext update in 30 minutes.  ", by="U", at=at(9, 0)
    )

    assert (
        report(incident)
        .split("Incident Report for Acme Status\n\n")[1]
        .startswith(
            "Update\nRerouting traffic.\n\nNext update in 30 minutes.\nPosted Nov 24, 2025 - 09:00 UTC\n"
        )
    )


def test_the_public_title_replaces_the_incident_title_on_one_line() -> None:
    text = report(declared(), title="Login\nproblems  for some users")

    assert text.startswith("Login problems for some users\n\nIncident Report for Acme Status\n\n")


def test_no_postmortem_block_without_a_published_postmortem() -> None:
    assert "Postmortem" not in report(acme())


@pytest.mark.parametrize(
    ("components", "foot"),
    [
        ((), None),
        (("API",), "This incident affected: API."),
        (("API", "Dashboard"), "This incident affected: API and Dashboard."),
        (
            ("API", "Dashboard", "Webhooks"),
            "This incident affected: API, Dashboard and Webhooks.",
        ),
    ],
)
def test_the_foot_lists_the_components_right_under_the_last_posted_line(
    components: tuple[str, ...], foot: str | None
) -> None:
    incident = declared()
    if components:
        incident.set_components(components, by="U_ANA", at=at(8, 10))

    text = report(incident)

    last_posted = "Posted Nov 24, 2025 - 08:08 UTC\n"
    assert text.endswith(last_posted + (f"{foot}\n" if foot else ""))
    assert not text.endswith("\n\n")


def test_join_names_reads_as_a_sentence() -> None:
    assert [join_names(names) for names in ([], ["A"], ["A", "B"], ["A", "B", "C", "D"])] == [
        "",
        "A",
        "A and B",
        "A, B, C and D",
    ]


def test_notes_causes_severity_and_roles_stay_off_the_report() -> None:
    incident = declared()
    incident.add_note("internal chatter", by="U_BEN", at=at(8, 30))
    incident.change_severity("SEV1", scale=DEFAULT_SCALE, by="U_ANA", at=at(8, 31))
    incident.set_cause("bad config", by="U_ANA", at=at(8, 32))
    incident.assign_role("commander", "U_BEN", by="U_ANA", at=at(8, 33))
    incident.set_milestone(Milestone.STARTED, at(7, 50), by="U_ANA", at=at(8, 34))

    assert report(incident) == report(declared())


def test_posts_at_the_same_minute_show_the_later_one_first() -> None:
    incident = declared()
    incident.change_status(Status.IDENTIFIED, by="U_ANA", at=at(8, 20))
    incident.post_update("first", by="U_ANA", at=at(9, 0))
    incident.post_update("second", by="U_ANA", at=at(9, 0))

    assert [block.splitlines()[1] for block in blocks(report(incident))][:2] == ["second", "first"]


def test_status_updates_are_the_shared_list_newest_first() -> None:
    incident = declared()
    incident.post_update("Looking.", by="U_ANA", at=at(8, 15))
    incident.change_status(Status.IDENTIFIED, by="U_ANA", at=at(8, 30))

    assert status_updates(incident) == [
        StatusUpdate(
            "Identified",
            "The issue has been identified and a fix is being implemented.",
            at(8, 30),
            Status.IDENTIFIED,
        ),
        StatusUpdate("Investigating", "Looking.", at(8, 15), Status.INVESTIGATING),
    ]


@pytest.mark.parametrize(
    ("moment", "zone", "posted"),
    [
        (
            datetime(9999, 12, 31, 22, 59, tzinfo=UTC),
            ZoneInfo("Asia/Tokyo"),
            "Posted Dec 31, 9999 - 22:59 UTC\n",
        ),
        (datetime(1, 1, 1, 0, 0, tzinfo=UTC), NEW_YORK, "Posted Jan 01, 1 - 00:00 UTC\n"),
    ],
)
def test_times_the_zone_cannot_show_fall_back_to_utc(
    moment: datetime, zone: ZoneInfo, posted: str
) -> None:
    assert report(declared(moment), zone).endswith(posted)
