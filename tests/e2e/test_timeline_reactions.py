"""A reaction with the timeline's emoji (`:pushpin:` unless the TOML says otherwise) on a message
in the incident channel adds it to the timeline at its own time, like a pin; the same person
taking it back takes it off. People react in the stand-in, which sends the app Slack's
`reaction_added`/`reaction_removed` events; late, repeated and out-of-order events leave one
entry per message. On SQLite and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.e2e.helpers import declare, general, stored
from tests.fixtures.bot import RunningBot, SignedSlack, StartBot, signed_slack

from watchkeeper.domain.timeline import EntryKind, TimelineEntry
from watchkeeper.standin import FakeSlack
from watchkeeper.standin.state import Channel

TEXT = "p99 at 4s since the deploy"


@pytest.fixture
def running_bot(start_bot: StartBot, database_url: str) -> RunningBot:
    return start_bot(database_url)


@pytest.fixture
def slack(running_bot: RunningBot, fake_slack: FakeSlack) -> SignedSlack:
    """Slack's requests to the bot, signed; the stand-in sends its events the same way."""
    client = signed_slack(running_bot.url, fake_slack.team_id)
    fake_slack.send_events_to(client)
    return client


def posted_by_dev(fake_slack: FakeSlack, channel: Channel) -> tuple[str, datetime]:
    """dev posted a graph ten minutes ago, before anyone declared."""
    moment = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    ts = f"{int(moment.timestamp())}.000000"
    fake_slack.post_as(channel.id, TEXT, user="UDEV", ts=ts)
    return ts, moment


def shown_pins(running_bot: RunningBot) -> list[TimelineEntry]:
    return [e for e in stored(running_bot).shown_timeline() if e.kind is EntryKind.PINNED]


def eventually(check: Callable[[], Any], fake_slack: FakeSlack) -> Any:
    return fake_slack.wait_for(check, timeout=5)


def after_the_lookup(fake_slack: FakeSlack, lookups: int) -> None:
    """Wait until the bot has looked the message up `lookups` times, and a moment after: what
    a reaction changes is stored right after the lookup, if at all."""
    fake_slack.wait_for(lambda: len(fake_slack.calls_to("chat.getPermalink")) >= lookups)
    time.sleep(0.5)


def test_a_reaction_adds_the_message_at_its_own_time_with_its_permalink(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    ts, moment = posted_by_dev(fake_slack, channel)

    fake_slack.react(channel.id, ts, "pushpin", user="UBEN")

    [entry] = eventually(lambda: shown_pins(running_bot), fake_slack)
    assert (entry.at.replace(tzinfo=UTC), entry.author, entry.text) == (moment, "UDEV", TEXT)
    assert entry.detail["permalink"].endswith(f"p{ts.replace('.', '')}")


def test_two_reactions_and_a_pin_make_one_entry(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    ts, _ = posted_by_dev(fake_slack, channel)

    fake_slack.react(channel.id, ts, "pushpin", user="UBEN")
    fake_slack.react(channel.id, ts, "pushpin", user="UCARA")
    slack.event(pin_added(channel.id, ts))
    after_the_lookup(fake_slack, 2)

    assert len(shown_pins(running_bot)) == 1
    assert [e.kind for e in stored(running_bot).timeline].count(EntryKind.PINNED) == 1


def test_another_persons_removal_leaves_the_message(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    ts, _ = posted_by_dev(fake_slack, channel)
    fake_slack.react(channel.id, ts, "pushpin", user="UBEN")
    fake_slack.react(channel.id, ts, "pushpin", user="UCARA")
    after_the_lookup(fake_slack, 2)

    fake_slack.unreact(channel.id, ts, "pushpin", user="UCARA")

    assert len(shown_pins(running_bot)) == 1


def test_the_same_persons_removal_takes_the_message_off(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    ts, _ = posted_by_dev(fake_slack, channel)
    fake_slack.react(channel.id, ts, "pushpin", user="UBEN")
    eventually(lambda: shown_pins(running_bot), fake_slack)

    fake_slack.unreact(channel.id, ts, "pushpin", user="UBEN")

    assert shown_pins(running_bot) == []


def test_a_removal_that_arrives_before_its_addition_leaves_the_message_off(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    ts, _ = posted_by_dev(fake_slack, channel)
    added = fake_slack.react(channel.id, ts, "pushpin", user="UBEN", deliver=False)
    removed = fake_slack.unreact(channel.id, ts, "pushpin", user="UBEN", deliver=False)

    slack.event(removed)
    slack.event(added)  # Slack's retry of the addition, late
    after_the_lookup(fake_slack, 1)

    assert shown_pins(running_bot) == []


def test_an_addition_delivered_twice_makes_one_entry(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    ts, _ = posted_by_dev(fake_slack, channel)
    added = fake_slack.react(channel.id, ts, "pushpin", user="UBEN", deliver=False)

    slack.event(added, event_id="EvREACT001")
    slack.event(added, event_id="EvREACT001")  # a retry: the same event ID
    slack.event(added, event_id="EvREACT002")  # the same event under another ID
    after_the_lookup(fake_slack, 2)

    assert len(shown_pins(running_bot)) == 1


def test_another_emoji_adds_nothing(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    ts, _ = posted_by_dev(fake_slack, channel)

    fake_slack.react(channel.id, ts, "eyes", user="UBEN")
    time.sleep(0.5)

    assert shown_pins(running_bot) == []
    assert fake_slack.calls_to("conversations.history") == []


def test_a_reaction_outside_an_incident_channel_adds_nothing(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    declare(slack, fake_slack)
    ts = fake_slack.post_as(general(fake_slack), TEXT, user="UDEV").ts

    fake_slack.react(general(fake_slack), ts, "pushpin", user="UBEN")
    time.sleep(0.5)

    assert shown_pins(running_bot) == []
    assert fake_slack.calls_to("conversations.history") == []


def test_a_reaction_over_socket_mode_adds_the_message(
    start_bot: StartBot, fake_slack: FakeSlack, database_url: str
) -> None:
    bot = start_bot(database_url, transport="socket")
    client = fake_slack.socket_mode_requests()
    fake_slack.send_events_to(client)
    channel = declare(client, fake_slack)
    ts, moment = posted_by_dev(fake_slack, channel)

    fake_slack.react(channel.id, ts, "pushpin", user="UBEN")

    [entry] = eventually(lambda: shown_pins(bot), fake_slack)
    assert entry.at.replace(tzinfo=UTC) == moment


def test_the_emoji_is_set_in_the_toml_file(
    start_bot: StartBot, fake_slack: FakeSlack, database_url: str
) -> None:
    bot = start_bot(database_url, toml='timeline_reaction = ":memo:"\n')
    client = signed_slack(bot.url, fake_slack.team_id)
    fake_slack.send_events_to(client)
    channel = declare(client, fake_slack)
    ts, _ = posted_by_dev(fake_slack, channel)

    fake_slack.react(channel.id, ts, "memo", user="UBEN")

    assert eventually(lambda: shown_pins(bot), fake_slack)


def pin_added(channel_id: str, ts: str) -> dict[str, Any]:
    """ben pins dev's message too (`pin_added` carries the message)."""
    return {
        "type": "pin_added",
        "user": "UBEN",
        "channel_id": channel_id,
        "item": {
            "type": "message",
            "channel": channel_id,
            "message": {"type": "message", "user": "UDEV", "text": TEXT, "ts": ts},
        },
        "event_ts": f"{time.time():.6f}",
    }


def test_a_reaction_in_a_private_incidents_channel_adds_the_message(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    # Reading a private channel's message takes groups:history, which the manifest asks for.
    channel = declare(
        slack, fake_slack, "declare --private sev2 Leaked key", channel_name="inc-1-leaked-key"
    )
    assert fake_slack.channel(channel.id).is_private
    fake_slack.add_member(channel.id, "UDEV")
    ts, moment = posted_by_dev(fake_slack, channel)

    fake_slack.react(channel.id, ts, "pushpin", user="UANA")

    [entry] = eventually(lambda: shown_pins(running_bot), fake_slack)
    assert (entry.at.replace(tzinfo=UTC), entry.text) == (moment, TEXT)
