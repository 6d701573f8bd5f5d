"""Pinned messages join the incident's timeline: signed `pin_added`/`pin_removed` events.

A responder (ben) pins a message dev posted ten minutes before the incident was declared. Each
test checks one thing about the timeline that results, in the database or the postmortem draft.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.e2e.helpers import as_user, declare, general, settle, stored
from tests.fixtures.bot import BOTH_TRANSPORTS, RunningBot, SignedSlack

from watchkeeper.domain.timeline import EntryKind
from watchkeeper.standin import FakeSlack

TEXT = "Error graph shows p99 at 4s"

pytestmark = BOTH_TRANSPORTS


def ten_minutes_ago() -> datetime:
    """When dev posted the graph: whole seconds, so its Slack timestamp is exact."""
    return datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)


def slack_ts(moment: datetime) -> str:
    return f"{int(moment.timestamp())}.000000"


def permalink(channel_id: str, ts: str) -> str:
    return f"https://watch.slack.com/archives/{channel_id}/p{ts.replace('.', '')}"


def pin_event(
    kind: str, channel_id: str, ts: str, *, author: str = "UDEV", text: str = TEXT, **extra: Any
) -> dict[str, Any]:
    """A `pin_added` or `pin_removed` event: ben (un)pins `author`'s message `ts`."""
    message = {
        "type": "message",
        "user": author,
        "text": text,
        "ts": ts,
        "permalink": permalink(channel_id, ts),
        "pinned_to": [channel_id],
        **extra,
    }
    return {
        "type": kind,
        "user": "UBEN",
        "channel_id": channel_id,
        "item": {
            "type": "message",
            "channel": channel_id,
            "created": int(datetime.now(UTC).timestamp()),
            "created_by": "UBEN",
            "message": message,
        },
        "item_user": author,
        "event_ts": f"{datetime.now(UTC).timestamp():.6f}",
    }


def pinned_entries(running_bot: RunningBot) -> list[Any]:
    """The pinned messages the timeline shows (one taken off is kept, marked removed)."""
    return [e for e in stored(running_bot).shown_timeline() if e.kind is EntryKind.PINNED]


def test_a_pinned_message_joins_the_timeline_at_its_own_time_with_permalink_and_author(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    posted = ten_minutes_ago()
    ts = slack_ts(posted)

    reply = slack.event(pin_event("pin_added", channel.id, ts))

    assert reply.status == 200
    [entry] = pinned_entries(running_bot)
    assert (entry.at.replace(tzinfo=UTC), entry.author, entry.text) == (posted, "UDEV", TEXT)
    assert entry.detail["permalink"] == permalink(channel.id, ts)
    assert entry.detail["message_ts"] == ts


def test_a_message_pinned_twice_is_on_the_timeline_once(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    ts = slack_ts(ten_minutes_ago())

    # Pinned, unpinned in another client and pinned again: two distinct events.
    slack.event(pin_event("pin_added", channel.id, ts), event_id="EvPIN0001")
    slack.event(pin_event("pin_added", channel.id, ts), event_id="EvPIN0002")

    assert len(pinned_entries(running_bot)) == 1


def test_unpinning_takes_the_message_off_the_timeline(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    ts = slack_ts(ten_minutes_ago())
    slack.event(pin_event("pin_added", channel.id, ts))
    before = len(stored(running_bot).shown_timeline())

    reply = slack.event(pin_event("pin_removed", channel.id, ts))

    assert reply.status == 200
    assert pinned_entries(running_bot) == []
    assert len(stored(running_bot).shown_timeline()) == before - 1


def test_an_unpin_that_arrives_before_its_pin_keeps_the_message_off(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    ts = slack_ts(ten_minutes_ago())
    pinned = pin_event("pin_added", channel.id, ts)
    unpinned = pin_event("pin_removed", channel.id, ts)
    unpinned["event_ts"] = f"{float(pinned['event_ts']) + 1:.6f}"  # unpinned a second later

    slack.event(unpinned)
    slack.event(pinned)  # Slack's retry of the pin, late

    assert pinned_entries(running_bot) == []


def test_a_pin_outside_an_incident_channel_changes_nothing(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    declare(slack, fake_slack)
    before = stored(running_bot).timeline

    reply = slack.event(pin_event("pin_added", general(fake_slack), slack_ts(ten_minutes_ago())))

    assert reply.status == 200
    assert stored(running_bot).timeline == before


def test_pinning_the_bots_own_card_adds_nothing(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    card = fake_slack.pins(channel.id)[0]

    # Slack tells the bot about its own pin of the card too.
    slack.event(
        pin_event("pin_added", channel.id, card.ts, author="UBOT", text=card.text, bot_id="BWATCH")
    )

    assert pinned_entries(running_bot) == []


def test_the_postmortem_timeline_shows_the_pinned_message_in_time_order(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    as_user(slack, "note Looking at the graphs", channel=channel.id, user="UDEV")
    posted = ten_minutes_ago()
    ts = slack_ts(posted)
    slack.event(pin_event("pin_added", channel.id, ts))

    as_user(slack, "resolve Fixed", channel=channel.id)
    fake_slack.wait_for(lambda: len(fake_slack.files) == 2, timeout=10)
    settle(running_bot, fake_slack)

    [draft] = [f.text for f in fake_slack.files.values() if f.text.startswith("# INC-1")]
    lines = draft.splitlines()
    pinned = f"{posted:%H:%M} UTC — Pinned message by @dev: {TEXT} ({permalink(channel.id, ts)})"
    [at] = [i for i, line in enumerate(lines) if line.startswith("- ") and line.endswith(pinned)]
    [declared] = [i for i, line in enumerate(lines) if "— Declared by @ana" in line]
    assert at < declared, "posted before the declaration, so listed before it"
