"""Correcting the timeline over HTTP: the card's "Edit timeline" button and `/incident timeline
edit` open the editor; a submission corrects an entry's text or time or removes it, and what
cannot be corrected is refused under its field. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.e2e.helpers import as_user, declare, general, settle, stored
from tests.fixtures.bot import RunningBot, SignedSlack, StartBot

from watchkeeper.domain.timeline import EntryKind, TimelineEntry
from watchkeeper.standin import FakeSlack
from watchkeeper.standin.state import Channel, View

EDITOR = "correct_timeline"


@pytest.fixture
def running_bot(start_bot: StartBot, database_url: str) -> RunningBot:
    return start_bot(database_url)


def click_edit(slack: SignedSlack, channel: Channel, card_ts: str, trigger: str) -> None:
    """ben clicks "Edit timeline" on the card."""
    reply = slack.interaction(
        {
            "type": "block_actions",
            "team": {"id": "T0WATCH", "domain": "watch"},
            "user": {"id": "UBEN", "username": "ben", "name": "ben", "team_id": "T0WATCH"},
            "api_app_id": "A0WATCH",
            "token": "unused-verification-token",
            "trigger_id": trigger,
            "container": {"type": "message", "message_ts": card_ts, "channel_id": channel.id},
            "channel": {"id": channel.id, "name": channel.name},
            "message": {"type": "message", "ts": card_ts, "text": "INC-1"},
            "actions": [
                {
                    "type": "button",
                    "action_id": "open_timeline_editor",
                    "block_id": "card-actions",
                    "value": "1",
                    "action_ts": "1700000000.000001",
                }
            ],
        }
    )
    assert reply.status == 200


def open_editor(slack: SignedSlack, fake_slack: FakeSlack, channel: Channel) -> View:
    trigger = f"trigger-edit-{len(fake_slack.views)}"
    click_edit(slack, channel, fake_slack.pins(channel.id)[0].ts, trigger)
    return fake_slack.wait_for(
        lambda: next((v for v in fake_slack.views if v.trigger_id == trigger), None), timeout=5
    )


def choice(view: View, fragment: str) -> str:
    """The value of the editor's option whose label holds `fragment`."""
    [block] = [b for b in view.payload["blocks"] if b.get("block_id") == "entry"]
    found = [o["value"] for o in block["element"]["options"] if fragment in o["text"]["text"]]
    assert len(found) == 1, [o["text"]["text"] for o in block["element"]["options"]]
    return str(found[0])


def submit(
    slack: SignedSlack,
    view: View,
    entry: str,
    *,
    text: str | None = None,
    time: str | None = None,
    remove: bool = False,
) -> dict[str, Any]:
    """ben submits the editor; returns the ack's body (`{}` when it closes)."""
    values = {
        "entry": {"entry": {"type": "static_select", "selected_option": {"value": entry}}},
        "text": {"text": {"type": "plain_text_input", "value": text}},
        "time": {"time": {"type": "plain_text_input", "value": time}},
        "remove": {
            "remove": {
                "type": "checkboxes",
                "selected_options": [{"value": "remove"}] if remove else [],
            }
        },
    }
    reply = slack.interaction(
        {
            "type": "view_submission",
            "team": {"id": "T0WATCH", "domain": "watch"},
            "user": {"id": "UBEN", "username": "ben", "name": "ben", "team_id": "T0WATCH"},
            "api_app_id": "A0WATCH",
            "token": "unused-verification-token",
            "trigger_id": "trigger-submit",
            "view": {**view.payload, "id": view.id, "state": {"values": values}},
        }
    )
    assert reply.status == 200, reply.body
    return reply.json()


def entries(running_bot: RunningBot, kind: EntryKind) -> list[TimelineEntry]:
    return [e for e in stored(running_bot).timeline if e.kind is kind]


def documents(running_bot: RunningBot, fake_slack: FakeSlack) -> tuple[str, str]:
    """The status-page report and the postmortem draft the resolution published."""
    fake_slack.wait_for(lambda: len(fake_slack.files) == 2, timeout=10)
    settle(running_bot, fake_slack)
    files = {f.filename: f.text for f in fake_slack.files.values()}
    return files["INC-1-status-page.txt"], files["INC-1-postmortem.md"]


def test_a_corrected_update_reads_corrected_in_the_reports_and_shows_as_edited(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    as_user(slack, "update Rolbak started for the EU", channel=channel.id)
    view = open_editor(slack, fake_slack, channel)

    answer = submit(slack, view, choice(view, "Rolbak"), text="Rollback started for the EU")

    assert answer == {}  # the editor closes
    [update] = entries(running_bot, EntryKind.UPDATE)
    assert (update.text, update.original_text, update.corrected_by) == (
        "Rollback started for the EU",
        "Rolbak started for the EU",
        "UBEN",
    )
    [record] = entries(running_bot, EntryKind.CORRECTED)
    assert (record.author, record.detail["change"]) == ("UBEN", "text")
    shown = as_user(slack, "timeline", channel=channel.id)
    assert "Rollback started for the EU _(edited)_" in shown
    assert "Corrected an update entry" in shown
    as_user(slack, "resolve Fixed", channel=channel.id)
    page, postmortem = documents(running_bot, fake_slack)
    assert "Rollback started for the EU" in page and "Rolbak" not in page
    assert "Rollback started for the EU (edited)" in postmortem and "Rolbak" not in postmortem


def test_an_entry_moves_to_its_corrected_time(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    as_user(slack, "note Failover started", channel=channel.id)
    before = datetime.now(UTC)
    view = open_editor(slack, fake_slack, channel)

    answer = submit(slack, view, choice(view, "Failover"), time="20m ago")

    assert answer == {}
    [note] = entries(running_bot, EntryKind.NOTE)
    assert note.original_at is not None
    moved = note.at.replace(tzinfo=UTC)
    assert abs(moved - (before - timedelta(minutes=20))) < timedelta(minutes=1)
    assert note.original_at.replace(tzinfo=UTC) > moved
    assert note.text == "Failover started"


def test_a_removed_note_leaves_the_timeline_and_the_postmortem(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    as_user(slack, "note Wrong channel, ignore", channel=channel.id)
    view = open_editor(slack, fake_slack, channel)

    answer = submit(slack, view, choice(view, "Wrong channel"), remove=True)

    assert answer == {}
    [note] = entries(running_bot, EntryKind.NOTE)
    assert note.removed and note.text == "Wrong channel, ignore"  # kept, not shown
    assert "Wrong channel" not in as_user(slack, "timeline", channel=channel.id).split("Removed")[0]
    as_user(slack, "resolve Fixed", channel=channel.id)
    _, postmortem = documents(running_bot, fake_slack)
    assert "Wrong channel" not in postmortem


@pytest.mark.parametrize(
    ("setup", "label", "instead"),
    [
        ("", "Declared by", "/incident set started"),
        ("status identified Bad deploy", "Status changed", "/incident status"),
        ("resolve Fixed", "Resolved", "/incident reopen"),
    ],
    ids=["declaration", "status-change", "resolution"],
)
def test_removing_an_entry_that_records_the_state_is_refused_under_the_entry(
    slack: SignedSlack,
    fake_slack: FakeSlack,
    running_bot: RunningBot,
    setup: str,
    label: str,
    instead: str,
) -> None:
    channel = declare(slack, fake_slack)
    if setup:
        as_user(slack, setup, channel=channel.id)
    before = stored(running_bot).timeline
    view = open_editor(slack, fake_slack, channel)

    answer = submit(slack, view, choice(view, label), remove=True)

    assert answer["response_action"] == "errors"
    assert instead in answer["errors"]["entry"]
    assert stored(running_bot).timeline == before


def test_editing_a_status_change_is_refused_under_the_entry(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    as_user(slack, "status identified Bad deploy", channel=channel.id)
    view = open_editor(slack, fake_slack, channel)

    answer = submit(slack, view, choice(view, "Status changed"), text="Bad config")

    assert answer["response_action"] == "errors"
    assert "/incident status" in answer["errors"]["entry"]


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("half past nine", "not a time"),
        ("2099-01-01 10:00", "future"),
    ],
    ids=["unreadable", "future"],
)
def test_a_bad_time_is_shown_under_the_time_field(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot, typed: str, problem: str
) -> None:
    channel = declare(slack, fake_slack)
    as_user(slack, "note Failover started", channel=channel.id)
    view = open_editor(slack, fake_slack, channel)

    answer = submit(slack, view, choice(view, "Failover"), time=typed)

    assert answer["response_action"] == "errors"
    assert problem in answer["errors"]["time"]
    assert entries(running_bot, EntryKind.CORRECTED) == []


def test_a_time_out_of_order_with_the_milestones_is_shown_under_the_time_field(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    as_user(slack, "status monitoring Error rate falling", channel=channel.id)
    as_user(slack, "update Back to normal", channel=channel.id)
    view = open_editor(slack, fake_slack, channel)

    answer = submit(slack, view, choice(view, "Back to normal"), time="10m ago")

    assert answer["response_action"] == "errors"
    assert "before mitigated" in answer["errors"]["time"]


def test_a_submission_that_changes_nothing_asks_for_a_correction(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    as_user(slack, "note Failover started", channel=channel.id)
    view = open_editor(slack, fake_slack, channel)

    answer = submit(slack, view, choice(view, "Failover"))

    assert answer["response_action"] == "errors"
    assert "corrected text" in answer["errors"]["text"]


def test_timeline_edit_opens_the_editor(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    as_user(slack, "note Failover started", channel=channel.id)

    reply = slack.command(
        "timeline edit", channel=channel.id, user="UBEN", user_name="ben", trigger_id="trig-te"
    )

    assert "Opening the INC-1 timeline editor" in reply.text
    view = fake_slack.wait_for(
        lambda: next((v for v in fake_slack.views if v.trigger_id == "trig-te"), None), timeout=5
    )
    assert view.payload["callback_id"] == EDITOR
    assert choice(view, "Note: Failover started")


def test_timeline_edit_outside_an_incident_channel_opens_nothing(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    declare(slack, fake_slack)

    reply = slack.command("timeline edit", channel=general(fake_slack), trigger_id="trig-out")

    assert "incident channel" in reply.text
    settle(running_bot, fake_slack)
    assert not [v for v in fake_slack.views if v.trigger_id == "trig-out"]
