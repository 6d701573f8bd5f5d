"""Each `/incident` subcommand over signed HTTP: the reply a responder reads, and each refusal."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.e2e.helpers import (
    as_user,
    bot_messages,
    declare,
    general,
    settle,
    slack_time,
    stored,
    stored_count,
    text_objects,
    web_api_calls,
)
from tests.fixtures.bot import BOTH_TRANSPORTS, BROADCAST, RunningBot, SignedSlack

from watchkeeper.domain.status import Status
from watchkeeper.domain.timeline import EntryKind
from watchkeeper.standin import FakeSlack

# --- anywhere --------------------------------------------------------------------------------

pytestmark = BOTH_TRANSPORTS


@pytest.mark.parametrize("text", ["", "help"])
def test_help_lists_every_command(slack: SignedSlack, fake_slack: FakeSlack, text: str) -> None:
    reply = slack.command(text, channel=general(fake_slack))

    assert reply.status == 200
    assert reply.json()["response_type"] == "ephemeral"
    for form in (
        "/incident declare [--private] [SEVERITY]",
        "/incident list",
        "/incident status",
        "/incident update",
        "/incident severity",
        "/incident commander",
        "/incident role",
        "/incident impact",
        "/incident components",
        "/incident note",
        "/incident cause",
        "/incident action",
        "/incident set",
        "/incident resolve",
        "/incident reopen",
        "/incident timeline",
        "/incident summary",
        "/incident postmortem",
        "/incident remind",
        "/incident snooze",
        "/incident private",
    ):
        assert form in reply.text


def test_an_unknown_subcommand_gets_a_suggestion_and_the_form(
    slack: SignedSlack, fake_slack: FakeSlack
) -> None:
    reply = as_user(slack, "stauts identified", channel=general(fake_slack))

    assert "`stauts` is not an /incident command" in reply
    assert "Did you mean `status`?" in reply
    assert "/incident status &lt;investigating|identified|monitoring|resolved&gt;" in reply


@pytest.mark.parametrize(
    "text", ["status identified", "update All good", "note hello", "timeline", "resolve"]
)
def test_a_channel_command_outside_an_incident_channel_says_so_and_changes_nothing(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot, text: str
) -> None:
    reply = as_user(slack, text, channel=general(fake_slack))

    assert "incident channel" in reply
    assert "`/incident list`" in reply
    assert stored_count(running_bot) == 0
    assert web_api_calls(fake_slack) == []


def test_list_shows_the_open_incidents_only(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    assert "No open incidents" in as_user(slack, "list", channel=general(fake_slack))
    first = declare(slack, fake_slack, "declare sev2 Checkout errors")
    second = declare(
        slack, fake_slack, "declare sev4 Search is slow", channel_name="inc-2-search-is-slow"
    )
    as_user(slack, "commander <@UBEN|ben>", channel=second.id)

    both = as_user(slack, "list", channel=general(fake_slack))
    as_user(slack, "resolve", channel=first.id)
    one = as_user(slack, "list", channel=general(fake_slack))

    assert "Open incidents (2)" in both
    assert "*INC-1* Checkout errors · Investigating · SEV2 · no commander" in both
    assert f"<#{first.id}>" in both
    assert "*INC-2* Search is slow · Investigating · SEV4 · <@UBEN>" in both
    assert f"<#{second.id}>" in both
    assert "Open incidents (1)" in one
    assert "INC-1" not in one
    assert "*INC-2* Search is slow" in one


# --- declaring ---------------------------------------------------------------------------------


def test_declare_with_a_title_answers_with_the_reference(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    reply = as_user(slack, "declare sev2 Checkout errors", channel=general(fake_slack))

    assert "*INC-1* declared (SEV2): Checkout errors" in reply
    incident = stored(running_bot)
    assert (incident.title, incident.severity, incident.declared_by) == (
        "Checkout errors",
        "SEV2",
        "UANA",
    )


def test_declare_without_a_severity_uses_the_default_level(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    as_user(slack, "new Checkout errors", channel=general(fake_slack))

    assert stored(running_bot).severity == "SEV3"


def test_declare_without_a_title_opens_the_declare_modal(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    reply = slack.command("declare", channel=general(fake_slack), trigger_id="trigger-modal-1")

    assert reply.status == 200
    assert "form" in reply.text
    view = fake_slack.wait_for(lambda: fake_slack.views)[0]
    assert view.trigger_id == "trigger-modal-1"
    assert view.payload["callback_id"] == "declare_incident"
    blocks = {block.get("block_id") for block in view.payload["blocks"]}
    assert {"title", "severity", "description"} <= blocks
    assert stored_count(running_bot) == 0


def submission(view_id: str, *, title: str, severity: str, description: str) -> dict[str, Any]:
    """A `view_submission` of the declare modal, as Slack posts it."""
    return {
        "type": "view_submission",
        "team": {"id": "T0WATCH", "domain": "watch"},
        "user": {"id": "UBEN", "username": "ben", "name": "ben", "team_id": "T0WATCH"},
        "api_app_id": "A0WATCH",
        "token": "unused-verification-token",
        "trigger_id": "trigger-submit-1",
        "view": {
            "id": view_id,
            "team_id": "T0WATCH",
            "type": "modal",
            "callback_id": "declare_incident",
            "private_metadata": "",
            "hash": "1700000000.abcdef12",
            "state": {
                "values": {
                    "title": {"title": {"type": "plain_text_input", "value": title}},
                    "severity": {
                        "severity": {
                            "type": "static_select",
                            "selected_option": {
                                "text": {"type": "plain_text", "text": severity},
                                "value": severity,
                            },
                        }
                    },
                    "description": {
                        "description": {"type": "plain_text_input", "value": description}
                    },
                }
            },
        },
    }


def test_submitting_the_declare_modal_declares_the_incident(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    slack.command("declare", channel=general(fake_slack), user="UBEN", user_name="ben")
    view = fake_slack.wait_for(lambda: fake_slack.views)[0]

    reply = slack.interaction(
        submission(view.id, title="Search is slow", severity="SEV1", description="p95 at 4s")
    )

    assert reply.status == 200
    assert reply.body == "", "an empty ack closes the modal"
    channel = fake_slack.wait_for(lambda: fake_slack.channel_by_name("inc-1-search-is-slow"))
    incident = stored(running_bot)
    assert (incident.title, incident.severity, incident.description, incident.declared_by) == (
        "Search is slow",
        "SEV1",
        "p95 at 4s",
        "UBEN",
    )
    fake_slack.wait_for(lambda: "UBEN" in fake_slack.channel(channel.id).members)


def test_the_declare_modal_refuses_an_empty_title_inline(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    slack.command("declare", channel=general(fake_slack))
    view = fake_slack.wait_for(lambda: fake_slack.views)[0]

    reply = slack.interaction(submission(view.id, title="   ", severity="SEV2", description=""))

    assert reply.status == 200
    answer = reply.json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"title"}
    assert stored_count(running_bot) == 0


# --- in the incident channel ----------------------------------------------------------------


def test_timeline_shows_the_entries_so_far(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    as_user(slack, "note Error rate peaked at 12%", channel=channel.id, user="UDEV")
    as_user(slack, "status identified Bad deploy", channel=channel.id)

    reply = slack.command("timeline", channel=channel.id)

    assert reply.json()["response_type"] == "ephemeral"
    lines = reply.text.splitlines()
    assert lines[0].startswith("*INC-1 timeline* (3 entries)")
    assert len(lines) == 4
    assert "Checkout errors" in lines[1]
    assert "Error rate peaked at 12%" in lines[2]
    assert "Bad deploy" in lines[3]


def test_summary_shows_the_card_without_its_buttons(
    slack: SignedSlack, fake_slack: FakeSlack
) -> None:
    channel = declare(slack, fake_slack)
    as_user(slack, "impact EU customers cannot pay", channel=channel.id)

    reply = slack.command("summary", channel=channel.id).json()

    assert reply["response_type"] == "ephemeral"
    assert "INC-1" in reply["text"] and "Checkout errors" in reply["text"]
    shown = "\n".join(text_objects(reply["blocks"]))
    assert "SEV2" in shown and "Investigating" in shown
    assert "EU customers cannot pay" in shown
    assert not [block for block in reply["blocks"] if block["type"] == "actions"]


def test_remind_off_on_and_a_custom_interval(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    before = datetime.now(UTC)
    channel = declare(slack, fake_slack)
    after = datetime.now(UTC)

    off = as_user(slack, "remind off", channel=channel.id)
    assert "Reminders for INC-1 are off" in off
    assert "/incident remind on" in off
    assert running_bot.bot.ctx.reminders.due_at(stored(running_bot)) is None

    on = as_user(slack, "remind on", channel=channel.id)
    default = {slack_time(t + timedelta(minutes=30)) for t in (before, after)}
    assert any(f"Next update reminder for INC-1: {t}" in on for t in default), on

    custom = as_user(slack, "remind 45m", channel=channel.id)
    later = {slack_time(t + timedelta(minutes=45)) for t in (before, after)}
    assert any(f"Next update reminder for INC-1: {t}" in custom for t in later), custom


def test_snooze_holds_the_reminder_back(slack: SignedSlack, fake_slack: FakeSlack) -> None:
    channel = declare(slack, fake_slack)

    before = datetime.now(UTC)
    reply = as_user(slack, "snooze 1h", channel=channel.id)
    after = datetime.now(UTC)

    expected = {slack_time(t + timedelta(hours=1)) for t in (before, after)}
    assert any(f"Next update reminder for INC-1: {t}" in reply for t in expected), reply


@pytest.mark.parametrize(
    ("text", "refusal", "hint"),
    [
        ("update Still broken", "INC-1 is resolved", "reopen"),
        ("status monitoring", "INC-1 is resolved", "/incident reopen"),
        ("resolve again", "already resolved", "/incident reopen"),
        ("remind 45m", "INC-1 is resolved", "no reminders"),
    ],
)
def test_changes_to_a_resolved_incident_are_refused_with_what_to_do(
    slack: SignedSlack,
    fake_slack: FakeSlack,
    running_bot: RunningBot,
    text: str,
    refusal: str,
    hint: str,
) -> None:
    channel = declare(slack, fake_slack)
    as_user(slack, "resolve Fixed", channel=channel.id)
    settle(running_bot, fake_slack)
    entries = len(stored(running_bot).timeline)
    posted = len(fake_slack.messages(channel.id))

    reply = as_user(slack, text, channel=channel.id)
    settle(running_bot, fake_slack)

    assert reply.startswith(":warning:")
    assert refusal in reply and hint in reply
    assert stored(running_bot).status is Status.RESOLVED
    assert len(stored(running_bot).timeline) == entries
    assert len(fake_slack.messages(channel.id)) == posted


@pytest.mark.parametrize(
    ("text", "refusal", "form"),
    [
        ("reopen", "nothing to reopen", "/incident status"),
        ("status investigating", "already investigating", "formal update"),
        ("severity sev9", "`sev9` is not a severity level", "/incident severity &lt;level&gt;"),
        ("commander ben", "`ben` is not one person", "/incident commander @user"),
        ("commander @ben", "plain text, not a mention", "/incident commander @user"),
        ("role janitor <@UBEN|ben>", "`janitor` is not a role", "/incident role"),
        ("set started 2099-01-01 00:00", "future", "/incident set"),
        ("set detected soon", "`soon` is not a time", "/incident set"),
        ("update", "Write the update", "/incident update &lt;message&gt;"),
        ("remind sometimes", "not a duration", "/incident remind"),
        ("snooze", "for how long", "/incident snooze &lt;duration&gt;"),
    ],
)
def test_mistakes_in_an_open_incident_are_refused_and_change_nothing(
    slack: SignedSlack,
    fake_slack: FakeSlack,
    running_bot: RunningBot,
    text: str,
    refusal: str,
    form: str,
) -> None:
    channel = declare(slack, fake_slack)
    settle(running_bot, fake_slack)
    posted = len(fake_slack.messages(channel.id))

    reply = as_user(slack, text, channel=channel.id)
    settle(running_bot, fake_slack)

    assert reply.startswith(":warning:")
    assert refusal in reply
    assert form in reply
    incident = stored(running_bot)
    assert [e.kind for e in incident.timeline] == [EntryKind.DECLARED]
    assert incident.status is Status.INVESTIGATING
    assert len(fake_slack.messages(channel.id)) == posted


# --- safe echo -----------------------------------------------------------------------------

#: `Checkout <!channel> & payments` as a responder types it: Slack sends `&`, `<`, `>` encoded.
TYPED_TITLE = "Checkout &lt;!channel&gt; &amp; payments"
TYPED_TEXT = "see &lt;!channel&gt; &amp; &lt;!here&gt;"


def posted_texts(fake_slack: FakeSlack) -> list[str]:
    """Every text the bot sent to Slack to show people: messages, cards, topics, comments."""
    texts: list[str] = []
    for call in fake_slack.calls:
        args = call.args
        for key in ("text", "topic", "initial_comment"):
            if isinstance(args.get(key), str):
                texts.append(args[key])
        blocks = args.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        texts.extend(text_objects(blocks))
    return texts


def test_text_users_type_is_shown_back_escaped_everywhere(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(
        slack,
        fake_slack,
        f"declare sev2 {TYPED_TITLE}",
        channel_name="inc-1-checkout-channel-payments",
    )
    replies = [as_user(slack, "list", channel=general(fake_slack))]
    for command in (
        f"status identified {TYPED_TEXT}",
        f"update {TYPED_TEXT}",
        f"note {TYPED_TEXT}",
        f"impact {TYPED_TEXT}",
        f"components api, {TYPED_TEXT}",
        f"cause {TYPED_TEXT}",
        f"action {TYPED_TEXT} <@UDEV|dev>",
        "timeline",
        f"resolve {TYPED_TEXT}",
    ):
        replies.append(as_user(slack, command, channel=channel.id))
    summary = slack.command("summary", channel=channel.id).json()
    fake_slack.wait_for(lambda: len(fake_slack.files) == 2, timeout=10)
    settle(running_bot, fake_slack)

    shown = [*posted_texts(fake_slack), *replies, summary["text"], *text_objects(summary)]
    raw = [text for text in shown if "<!channel>" in text or "<!here>" in text]
    assert raw == []
    # Escaped, not dropped: the title and the typed text still read as typed.
    escaped_title = "Checkout &lt;!channel&gt; &amp; payments"
    assert escaped_title in fake_slack.channel(channel.id).topic
    card = fake_slack.pins(channel.id)[0]
    assert escaped_title in card.text
    assert any(escaped_title in m.text for m in bot_messages(fake_slack, BROADCAST))
    assert escaped_title in replies[0]
    messages = [m.text for m in bot_messages(fake_slack, channel.id)]
    assert sum("see &lt;!channel&gt; &amp; &lt;!here&gt;" in text for text in messages) >= 7
    assert stored(running_bot).title == "Checkout <!channel> & payments"


# --- channel names ---------------------------------------------------------------------------


@pytest.mark.parametrize("archived", [False, True], ids=["active", "archived"])
def test_a_taken_channel_name_gets_the_next_free_suffix(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot, archived: bool
) -> None:
    someone_elses = fake_slack.create_channel(
        "inc-1-checkout-errors", archived=archived, members=["UDEV"]
    )

    channel = declare(slack, fake_slack, channel_name="inc-1-checkout-errors-2")

    assert stored(running_bot).channel_id == channel.id
    assert "UANA" in fake_slack.channel(channel.id).members
    untouched = fake_slack.channel(someone_elses.id)
    assert untouched.messages == [] and untouched.topic == ""
    assert untouched.members == {"UDEV"}


def test_every_taken_name_is_skipped(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    fake_slack.create_channel("inc-1-checkout-errors")
    fake_slack.create_channel("inc-1-checkout-errors-2", archived=True)

    channel = declare(slack, fake_slack, channel_name="inc-1-checkout-errors-3")

    assert stored(running_bot).channel_id == channel.id
