"""Shared steps of the end-to-end tests: declare, act in the channel, wait for Slack to hear."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.fixtures.bot import RunningBot, SignedSlack

from watchkeeper.domain.incident import Incident
from watchkeeper.services.outbox import queue_state
from watchkeeper.services.queries import all_incidents, incident_by_number
from watchkeeper.standin import FakeSlack
from watchkeeper.standin.state import Channel, Message

#: The people seeded in the Slack stand-in, by user ID.
NAMES = {"UANA": "ana", "UBEN": "ben", "UCARA": "cara", "UDEV": "dev"}


def as_user(slack: SignedSlack, text: str, *, channel: str, user: str = "UANA") -> str:
    """Type `/incident <text>` as `user` in `channel`; return the ephemeral reply's text."""
    reply = slack.command(text, channel=channel, user=user, user_name=NAMES[user])
    assert reply.status == 200, reply.body
    return reply.text


def declare(
    slack: SignedSlack,
    fake_slack: FakeSlack,
    text: str = "declare sev2 Checkout errors",
    *,
    channel_name: str = "inc-1-checkout-errors",
    user: str = "UANA",
) -> Channel:
    """Declare from #general and wait until the incident channel is open and its card pinned."""
    as_user(slack, text, channel=general(fake_slack), user=user)
    channel = fake_slack.wait_for(lambda: fake_slack.channel_by_name(channel_name))
    fake_slack.wait_for(lambda: fake_slack.pins(channel.id))
    return channel


def general(fake_slack: FakeSlack) -> str:
    """The ID of #general, where people type commands that need no incident channel."""
    found = fake_slack.channel_by_name("general")
    assert found is not None
    return found.id


def settle(running_bot: RunningBot, fake_slack: FakeSlack, timeout: float = 5.0) -> None:
    """Wait until every side effect the bot queued has reached Slack."""
    ctx = running_bot.bot.ctx
    fake_slack.wait_for(lambda: queue_state(ctx)[0] == 0, timeout=timeout)


def stored(running_bot: RunningBot, number: int = 1) -> Incident:
    """The incident as the database holds it."""
    return incident_by_number(running_bot.bot.ctx, number).incident


def stored_count(running_bot: RunningBot) -> int:
    return len(all_incidents(running_bot.bot.ctx))


def bot_messages(fake_slack: FakeSlack, channel: str) -> list[Message]:
    """What the bot posted in a channel, in order."""
    return [m for m in fake_slack.messages(channel) if m.user == fake_slack.bot_user_id]


#: Calls that say nothing of what a command did: who the bot is, and opening its Socket Mode link.
_BOOKKEEPING = frozenset({"auth.test", "apps.connections.open"})


def web_api_calls(fake_slack: FakeSlack) -> list[str]:
    """Methods called on Slack, leaving out how the bot learns who it is and connects at start."""
    return [call.method for call in fake_slack.calls if call.method not in _BOOKKEEPING]


def text_objects(value: Any) -> list[str]:
    """Every mrkdwn or untyped text in a block structure (plain_text is shown as typed)."""
    found: list[str] = []
    if isinstance(value, dict):
        if isinstance(value.get("text"), str) and value.get("type") != "plain_text":
            found.append(value["text"])
        for key, item in value.items():
            if key != "text" or not isinstance(item, str):
                found.extend(text_objects(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(text_objects(item))
    return found


def slack_time(moment: datetime) -> str:
    """A UTC time as the channel shows it, written out independently: `Nov 4, 08:05 UTC`."""
    return f"{moment:%b} {moment.day}, {moment:%H:%M} UTC"
