"""Slack-native surfaces over signed payloads: the App Home tab, its Declare button, and the
"Add to incident timeline" message shortcut."""

from __future__ import annotations

from typing import Any

from tests.e2e.helpers import as_user, bot_messages, declare, settle, stored, text_objects
from tests.fixtures.bot import BOTH_TRANSPORTS, BROADCAST, RunningBot, SignedSlack

from watchkeeper.domain.timeline import EntryKind
from watchkeeper.standin import FakeSlack

BEN = {"id": "UBEN", "username": "ben", "name": "ben", "team_id": "T0WATCH"}

pytestmark = BOTH_TRANSPORTS


def home_opened(user: str) -> dict[str, Any]:
    """The `app_home_opened` event Slack sends when `user` opens the bot's Home tab."""
    return {
        "type": "app_home_opened",
        "user": user,
        "channel": "D0HOME",
        "tab": "home",
        "event_ts": "1700000000.000100",
    }


def declare_clicked(trigger_id: str) -> dict[str, Any]:
    """ben clicks "Declare an incident" on his Home tab."""
    return {
        "type": "block_actions",
        "team": {"id": "T0WATCH", "domain": "watch"},
        "user": BEN,
        "api_app_id": "A0WATCH",
        "token": "unused-verification-token",
        "trigger_id": trigger_id,
        "container": {"type": "view", "view_id": "V0HOME"},
        "view": {"id": "V0HOME", "type": "home", "blocks": []},
        "actions": [
            {
                "type": "button",
                "action_id": "open_declare_modal",
                "block_id": "home-actions",
                "value": "home",
                "action_ts": "1700000000.000200",
            }
        ],
    }


def shortcut(
    channel_id: str, message: dict[str, Any], response_url: str, trigger_id: str
) -> dict[str, Any]:
    """ben uses the "Add to incident timeline" message shortcut on `message`."""
    return {
        "type": "message_action",
        "token": "unused-verification-token",
        "action_ts": "1700000000.000300",
        "team": {"id": "T0WATCH", "domain": "watch"},
        "user": BEN,
        "channel": {"id": channel_id, "name": "some-channel"},
        "callback_id": "add_to_timeline",
        "trigger_id": trigger_id,
        "message_ts": message["ts"],
        "message": message,
        "response_url": response_url,
    }


def as_payload(channel_messages: list[Any], index: int) -> dict[str, Any]:
    """A message the bot posted, as a shortcut payload carries it."""
    found = channel_messages[index]
    return {
        "type": "message",
        "user": found.user,
        "bot_id": found.bot_id,
        "text": found.text,
        "ts": found.ts,
    }


# --- App Home ------------------------------------------------------------------------------


def test_opening_the_home_tab_publishes_the_open_incidents_to_that_user(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    first = declare(slack, fake_slack)
    second = declare(
        slack, fake_slack, "declare sev3 Search is slow", channel_name="inc-2-search-is-slow"
    )
    as_user(slack, "resolve Fixed", channel=first.id)
    settle(running_bot, fake_slack)

    reply = slack.event(home_opened("UBEN"))

    assert reply.status == 200
    home = fake_slack.wait_for(lambda: fake_slack.home_view("UBEN"))
    listed = [t for t in text_objects(home.payload["blocks"]) if t.startswith("*INC-")]
    assert len(listed) == 1
    assert listed[0].startswith("*INC-2* Search is slow · Investigating · SEV3 · no commander · ")
    assert listed[0].endswith(f" · <#{second.id}>")
    assert fake_slack.home_view("UANA") is None


def test_the_home_tab_says_when_nothing_is_open(slack: SignedSlack, fake_slack: FakeSlack) -> None:
    slack.event(home_opened("UBEN"))

    home = fake_slack.wait_for(lambda: fake_slack.home_view("UBEN"))
    assert "No open incidents. :ocean:" in text_objects(home.payload["blocks"])


def test_the_home_tabs_declare_button_opens_the_declare_modal(
    slack: SignedSlack, fake_slack: FakeSlack
) -> None:
    reply = slack.interaction(declare_clicked("trigger-home-1"))

    assert reply.status == 200
    [view] = fake_slack.wait_for(lambda: fake_slack.views)
    assert view.trigger_id == "trigger-home-1"
    assert view.payload["callback_id"] == "declare_incident"


# --- the message shortcut --------------------------------------------------------------------


def test_the_shortcut_adds_the_message_to_the_timeline_with_its_permalink(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    as_user(slack, "note Error rate peaked at 12%", channel=channel.id, user="UDEV")
    settle(running_bot, fake_slack)
    message = as_payload(bot_messages(fake_slack, channel.id), -1)

    reply = slack.interaction(
        shortcut(channel.id, message, fake_slack.response_url("shortcut-1"), "trigger-short-1")
    )

    assert reply.status == 200
    [answered] = fake_slack.wait_for(lambda: fake_slack.responses("shortcut-1"))
    assert answered["text"] == "Added to the INC-1 timeline."
    assert answered["response_type"] == "ephemeral"
    [entry] = [e for e in stored(running_bot).timeline if e.kind is EntryKind.PINNED]
    digits = message["ts"].replace(".", "")
    link = f"https://watchkeeper-demo.slack.com/archives/{channel.id}/p{digits}"
    # Stored as the words people saw: the mention's markup becomes @UDEV.
    told = ":memo: Note from @UDEV\n>Error rate peaked at 12%"
    assert (entry.text, entry.author, entry.detail["permalink"]) == (told, "UBOT", link)


def test_a_message_added_with_the_shortcut_stays_when_it_is_unpinned(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    as_user(slack, "note Error rate peaked at 12%", channel=channel.id, user="UDEV")
    settle(running_bot, fake_slack)
    message = as_payload(bot_messages(fake_slack, channel.id), -1)
    slack.interaction(
        shortcut(channel.id, message, fake_slack.response_url("shortcut-3"), "trigger-short-3")
    )
    fake_slack.wait_for(lambda: fake_slack.responses("shortcut-3"))

    # Someone had pinned it too, and unpins it now.
    item = {"type": "message", "channel": channel.id, "message": message}
    unpinned = {"type": "pin_removed", "user": "UCARA", "channel_id": channel.id, "item": item}
    slack.event({**unpinned, "event_ts": "1700000000.000400"})

    shown = stored(running_bot).shown_timeline()
    assert [e.detail["message_ts"] for e in shown if e.kind is EntryKind.PINNED] == [message["ts"]]


def test_the_shortcut_outside_an_incident_channel_is_refused_privately(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    declare(slack, fake_slack)
    settle(running_bot, fake_slack)
    before = stored(running_bot).timeline
    # The declaration as announced in #incidents, which is no incident channel.
    incidents = fake_slack.channel_by_name(BROADCAST)
    assert incidents is not None
    message = as_payload(bot_messages(fake_slack, incidents.id), 0)

    reply = slack.interaction(
        shortcut(incidents.id, message, fake_slack.response_url("shortcut-2"), "trigger-short-2")
    )

    assert reply.status == 200
    [answered] = fake_slack.wait_for(lambda: fake_slack.responses("shortcut-2"))
    assert answered["response_type"] == "ephemeral"
    assert answered["text"].startswith(":warning: This command works in an incident channel.")
    assert stored(running_bot).timeline == before
    assert fake_slack.calls_to("chat.getPermalink") == []
