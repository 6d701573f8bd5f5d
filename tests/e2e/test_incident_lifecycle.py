"""The whole life of one incident through `/incident`, over signed HTTP, against the fake Slack.

One scenario declares `Checkout errors`, walks it through every status with an update, a note,
a severity change, a commander and another role, impact, components, a cause, an action and two
backdated milestones, and resolves it. Each test below checks one thing responders see
afterwards: the channel, its topic, the pinned card, the channel's messages, the broadcast
channel, the stored timeline and the two published documents.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from tests.e2e.helpers import (
    as_user,
    bot_messages,
    declare,
    settle,
    slack_time,
    stored,
    text_objects,
)
from tests.fixtures.bot import (
    BROADCAST,
    RunningBot,
    SignedSlack,
    SlackClient,
    bot_environ,
    signed_slack,
)
from tests.fixtures.databases import throwaway_postgres
from tests.fixtures.slack import start_fake_slack

from watchkeeper.domain.milestones import Milestone
from watchkeeper.domain.status import Status
from watchkeeper.domain.timeline import EntryKind
from watchkeeper.standin import FakeSlack
from watchkeeper.standin.state import Channel

CHANNEL = "inc-1-checkout-errors"


@dataclass(frozen=True)
class Walked:
    """The bot and Slack after the scenario, and the wall-clock moments around it."""

    bot: RunningBot
    slack: FakeSlack
    channel: Channel
    declared_after: datetime
    started: datetime
    detected_between: tuple[datetime, datetime]
    resolved_between: tuple[datetime, datetime]


def seconds(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


@pytest.fixture(
    scope="module",
    params=[
        pytest.param(("sqlite", "http"), id="sqlite-http"),
        pytest.param(("postgresql", "http"), id="postgresql-http", marks=pytest.mark.postgres),
        pytest.param(("sqlite", "socket"), id="sqlite-socket"),
        pytest.param(("postgresql", "socket"), id="postgresql-socket", marks=pytest.mark.postgres),
    ],
)
def walked(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Walked]:
    """Play the scenario once per database and transport; yield once all of it reached Slack."""
    database, transport = request.param
    with ExitStack() as stack:
        if database == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('lifecycle') / 'watchkeeper.db'}"
        else:
            url = stack.enter_context(throwaway_postgres(request.getfixturevalue("postgres_admin")))
        fake_slack = start_fake_slack()
        stack.callback(fake_slack.stop)
        fake_slack.create_channel(BROADCAST, with_bot=True)
        running_bot = RunningBot(
            bot_environ(fake_slack, url, transport=transport), transport=transport
        )
        stack.callback(running_bot.stop)
        slack: SlackClient = (
            fake_slack.socket_mode_requests()
            if transport == "socket"
            else signed_slack(running_bot.url, fake_slack.team_id)
        )
        yield play(slack, fake_slack, running_bot)


def play(slack: SlackClient, fake_slack: FakeSlack, running_bot: RunningBot) -> Walked:
    declared_after = datetime.now(UTC)
    channel = declare(slack, fake_slack, "declare sev2 Checkout errors")
    # Impact began 40 minutes before anyone declared: typed as an ISO time with its offset.
    started = seconds(declared_after - timedelta(minutes=40))
    here = channel.id

    as_user(slack, "status identified Bad deploy of checkout-api 4.2", channel=here)
    as_user(slack, "update Rolling back to 4.1", channel=here)
    as_user(slack, "note Error rate peaked at 12%", channel=here, user="UDEV")
    as_user(slack, "severity sev1", channel=here)
    as_user(slack, "commander <@UBEN|ben>", channel=here)
    as_user(slack, "role communications <@UCARA|cara>", channel=here, user="UBEN")
    as_user(slack, "impact EU customers cannot pay", channel=here, user="UBEN")
    as_user(slack, "components checkout-api, payments", channel=here, user="UBEN")
    as_user(slack, "cause A config flag disabled payment retries", channel=here, user="UBEN")
    as_user(slack, "action Add a canary for config flags <@UDEV|dev>", channel=here, user="UBEN")
    as_user(slack, f"set started {started.isoformat()}", channel=here, user="UBEN")
    before = datetime.now(UTC)
    as_user(slack, "set detected 15m ago", channel=here, user="UBEN")
    detected_between = (
        seconds(before - timedelta(minutes=15)),
        datetime.now(UTC) - timedelta(minutes=15),
    )
    as_user(slack, "status monitoring Rollback complete", channel=here, user="UBEN")
    before = datetime.now(UTC)
    as_user(slack, "resolve Payments are flowing again", channel=here, user="UBEN")
    resolved_between = (before, datetime.now(UTC))

    fake_slack.wait_for(lambda: len(fake_slack.files) == 2, timeout=10)
    settle(running_bot, fake_slack)
    return Walked(
        running_bot,
        fake_slack,
        channel,
        declared_after,
        started,
        detected_between,
        resolved_between,
    )


def test_the_incident_channel_is_created_with_the_declarer_in_it(walked: Walked) -> None:
    channel = walked.slack.channel(CHANNEL)

    assert not channel.is_archived
    assert "UANA" in channel.members


def test_responders_given_a_role_are_invited_to_the_channel(walked: Walked) -> None:
    assert {"UANA", "UBEN", "UCARA"} <= walked.slack.channel(CHANNEL).members


def test_the_topic_shows_reference_severity_status_and_commander(walked: Walked) -> None:
    topic = walked.slack.channel(CHANNEL).topic

    assert topic.startswith("INC-1 ")
    assert "SEV1" in topic
    assert "SEV2" not in topic
    assert "Resolved" in topic
    assert "<@UBEN>" in topic


def test_the_pinned_card_is_updated_to_the_final_state(walked: Walked) -> None:
    pins = walked.slack.pins(CHANNEL)
    assert len(pins) == 1
    card = pins[0]
    shown = "\n".join(text_objects(card.blocks))

    assert card.edited is not None, "the card was never updated with chat.update"
    assert "Resolved" in shown
    assert "Investigating" not in shown
    assert "SEV1" in shown
    assert "<@UBEN>" in shown
    assert "EU customers cannot pay" in shown
    assert "checkout-api, payments" in shown
    assert "A config flag disabled payment retries" in shown
    assert "Checkout errors" in card.text
    # A resolved incident's card offers no buttons to change it, only to agree follow-ups and
    # to correct the timeline (the postmortem is written after the resolution).
    buttons = [
        element["action_id"]
        for block in card.blocks or []
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert buttons == ["open_follow_up_modal", "open_timeline_editor"]


def test_every_change_is_told_once_in_the_channel_in_order(walked: Walked) -> None:
    posted = bot_messages(walked.slack, CHANNEL)
    card, changes, reports = posted[0], posted[1:-1], posted[-1]
    # Each change's message, in the order the commands were typed: a phrase it must hold.
    expected = [
        "Bad deploy of checkout-api 4.2",
        "Rolling back to 4.1",
        "Error rate peaked at 12%",
        "SEV1",
        "<@UBEN> is now *commander*",
        "<@UCARA> is now *communications*",
        "EU customers cannot pay",
        "checkout-api, payments",
        "A config flag disabled payment retries",
        "Add a canary for config flags",
        "*started*",
        "*detected*",
        "Rollback complete",
        "Payments are flowing again",
    ]

    assert card.ts == walked.slack.pins(CHANNEL)[0].ts
    assert len(changes) == len(expected), [m.text for m in changes]
    for message, phrase in zip(changes, expected, strict=True):
        assert phrase in message.text
    assert "Identified" in changes[0].text
    assert "Monitoring" in changes[12].text
    assert "resolved" in changes[13].text
    assert "<@UDEV>" in changes[2].text, "the note names who wrote it"
    assert "owner <@UDEV>" in changes[9].text
    assert slack_time(walked.started) in changes[10].text
    assert len(reports.files) == 2


def test_the_broadcast_channel_hears_the_declaration_major_updates_and_resolution(
    walked: Walked,
) -> None:
    heard = [m.text for m in bot_messages(walked.slack, BROADCAST)]

    assert len(heard) == 6, heard
    declared, identified, update, severity, monitoring, resolved = heard
    assert "INC-1" in declared and "declared" in declared and "Checkout errors" in declared
    assert f"<#{walked.channel.id}>" in declared, "the declaration says where to join"
    assert "Identified" in identified and "Bad deploy of checkout-api 4.2" in identified
    assert "Rolling back to 4.1" in update
    assert "SEV1" in severity
    assert "Monitoring" in monitoring and "Rollback complete" in monitoring
    assert "INC-1 resolved" in resolved and "Payments are flowing again" in resolved
    # Notes, roles, impact, cause and actions stay in the incident channel.
    assert not any("Error rate peaked" in text or "canary" in text for text in heard)


def test_the_stored_timeline_has_every_entry_with_author_and_status_in_order(
    walked: Walked,
) -> None:
    incident = stored(walked.bot)
    rows = [(e.kind, e.author, e.status) for e in incident.timeline]
    investigating, identified = Status.INVESTIGATING, Status.IDENTIFIED

    assert rows == [
        (EntryKind.DECLARED, "UANA", investigating),
        (EntryKind.STATUS_CHANGED, "UANA", identified),
        (EntryKind.UPDATE, "UANA", identified),
        (EntryKind.NOTE, "UDEV", identified),
        (EntryKind.SEVERITY_CHANGED, "UANA", identified),
        (EntryKind.ROLE_ASSIGNED, "UANA", identified),
        (EntryKind.ROLE_ASSIGNED, "UBEN", identified),
        (EntryKind.IMPACT, "UBEN", identified),
        (EntryKind.COMPONENTS, "UBEN", identified),
        (EntryKind.CAUSE, "UBEN", identified),
        (EntryKind.ACTION, "UBEN", identified),
        (EntryKind.MILESTONE, "UBEN", identified),
        (EntryKind.MILESTONE, "UBEN", identified),
        (EntryKind.STATUS_CHANGED, "UBEN", Status.MONITORING),
        (EntryKind.RESOLVED, "UBEN", Status.RESOLVED),
    ]
    texts = [e.text for e in incident.timeline]
    assert texts[0] == "Checkout errors"
    assert texts[1] == "Bad deploy of checkout-api 4.2"
    assert texts[3] == "Error rate peaked at 12%"
    assert texts[-1] == "Payments are flowing again"
    formal = [e.kind for e in incident.timeline if e.formal]
    assert formal == [
        EntryKind.DECLARED,
        EntryKind.STATUS_CHANGED,
        EntryKind.UPDATE,
        EntryKind.STATUS_CHANGED,
        EntryKind.RESOLVED,
    ]
    times = [e.at for e in incident.timeline]
    assert times == sorted(times)


def test_the_stored_incident_holds_what_responders_said(walked: Walked) -> None:
    incident = stored(walked.bot)

    assert incident.status is Status.RESOLVED
    assert incident.severity == "SEV1"
    assert incident.highest_severity == "SEV1"
    assert incident.roles == {"commander": "UBEN", "communications": "UCARA"}
    assert incident.impact == "EU customers cannot pay"
    assert incident.components == ("checkout-api", "payments")
    assert incident.cause == "A config flag disabled payment retries"
    assert incident.resolution == "Payments are flowing again"
    assert [(a.text, a.owner_id) for a in incident.actions] == [
        ("Add a canary for config flags", "UDEV")
    ]
    assert incident.channel_id == walked.channel.id


def test_backdated_milestones_are_stored_as_typed(walked: Walked) -> None:
    incident = stored(walked.bot)
    low, high = walked.detected_between
    resolved = incident.milestone(Milestone.RESOLVED)

    assert incident.milestone(Milestone.STARTED) == walked.started
    detected = incident.milestone(Milestone.DETECTED)
    assert detected is not None and low <= detected <= high
    assert resolved is not None
    assert walked.resolved_between[0] <= resolved <= walked.resolved_between[1]


def test_resolving_uploads_the_postmortem_draft_to_the_channel(walked: Walked) -> None:
    drafts = [f for f in walked.slack.files.values() if f.text.startswith("# INC-1")]
    assert len(drafts) == 1
    draft = drafts[0]
    lines = draft.text.splitlines()

    assert draft.completed and draft.channels == [walked.channel.id]
    assert lines[0] == "# INC-1: Checkout errors"
    # Impact started 40 minutes before the declaration; the resolve came seconds after it.
    assert lines[1].startswith("Duration: 40m (")
    assert lines[2:6] == [
        "Severity: SEV1",
        "Impact: EU customers cannot pay",
        "Affected components: checkout-api, payments",
        "Commander: @ben",
    ]
    for heading in (
        "## Summary",
        "## Impact",
        "## Root cause",
        "## Resolution",
        "## Timeline",
        "## Corrective and preventive measures",
        "## Metrics",
        "## Lessons learned",
    ):
        assert heading in lines
    assert "A config flag disabled payment retries" in draft.text
    assert "Payments are flowing again" in draft.text
    assert "Add a canary for config flags" in draft.text and "@dev" in draft.text
    # Detected 15 minutes ago, started 40 minutes before the declaration: 25 minutes to detect.
    assert "Time to detect: 25m" in draft.text


def test_resolving_uploads_the_status_page_report_newest_first(walked: Walked) -> None:
    reports = [f for f in walked.slack.files.values() if f.filename == "INC-1-status-page.txt"]
    assert len(reports) == 1
    report = reports[0]
    title, for_page, rest = report.text.split("\n\n", 2)
    entries = rest.split("\n\n")
    low, high = walked.resolved_between
    posted = {f"Posted {t:%b} {t:%d}, {t:%Y} - {t:%H:%M} UTC" for t in (low, high)}

    assert report.completed and report.channels == [walked.channel.id]
    assert (title, for_page) == ("Checkout errors", "Incident Report for Watchkeeper Demo Status")
    assert [entry.splitlines()[:2] for entry in entries] == [
        ["Resolved", "Payments are flowing again"],
        ["Monitoring", "Rollback complete"],
        ["Update", "Rolling back to 4.1"],
        ["Identified", "Bad deploy of checkout-api 4.2"],
        ["Investigating", "We are currently investigating this issue."],
    ]
    assert entries[0].splitlines()[2] in posted
    for entry in entries:
        assert re.fullmatch(
            r"Posted [A-Z][a-z]{2} \d{2}, \d{4} - \d{2}:\d{2} UTC", entry.splitlines()[2]
        )
    assert entries[-1].splitlines()[3:] == ["This incident affected: checkout-api and payments."]
    assert report.text.endswith(".\n") and not report.text.endswith("\n\n")


def test_reopening_a_resolved_incident_resumes_it(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    as_user(slack, "resolve Looked fixed", channel=channel.id)
    settle(running_bot, fake_slack)
    assert "Resolved" in fake_slack.channel(channel.id).topic

    before = datetime.now(UTC)
    reply = as_user(slack, "reopen Errors are back", channel=channel.id, user="UBEN")
    after = datetime.now(UTC)
    settle(running_bot, fake_slack)

    assert "reopened" in reply and "Investigating" in reply
    incident = stored(running_bot)
    assert incident.status is Status.INVESTIGATING
    last = incident.timeline[-1]
    assert (last.kind, last.author, last.status, last.text) == (
        EntryKind.REOPENED,
        "UBEN",
        Status.INVESTIGATING,
        "Errors are back",
    )
    assert incident.milestone(Milestone.RESOLVED) is None
    # Reminders resume: the next one is due the default 30 minutes after the reopening.
    due = running_bot.bot.ctx.reminders.due_at(incident)
    assert due is not None
    assert before + timedelta(minutes=30) <= due <= after + timedelta(minutes=30)
    assert "Investigating" in fake_slack.channel(channel.id).topic
    assert "Errors are back" in bot_messages(fake_slack, channel.id)[-1].text
    card = fake_slack.pins(channel.id)[0]
    assert "Investigating" in "\n".join(text_objects(card.blocks))
    assert any(block["type"] == "actions" for block in card.blocks or [])
    assert any("reopened" in m.text for m in bot_messages(fake_slack, BROADCAST))
