"""Channels that tidy themselves, end to end over signed HTTP against the Slack stand-in, on
SQLite and PostgreSQL: resolved incidents' channels archived after the delay (warned first,
kept with `/incident keep`, spared by a reopening), and quiet incidents' commanders asked once
per quiet spell, with buttons that resolve or say it is still going.

The bot's clock is frozen at the test's start and moved by hand; after each move the test runs
the scheduler's sync (which it also runs by itself every few seconds), so what the move made due
is carried out at once. Where a test shows that nothing happens it waits `SECOND_LOOK`: what is
due is carried out within a few hundred milliseconds of the sync.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from tests.e2e.helpers import as_user, declare, general, settle, slack_time, stored
from tests.fixtures.bot import RunningBot, StartBot, signed_slack

from watchkeeper.clock import FrozenClock
from watchkeeper.domain.status import Status
from watchkeeper.domain.timeline import EntryKind, TimelineEntry
from watchkeeper.services.queries import incident_by_number
from watchkeeper.standin import FakeSlack
from watchkeeper.standin.requests import SignedRequests
from watchkeeper.standin.state import Channel, Message
from watchkeeper.store.tables import outbox

CHANNEL = "inc-1-checkout-errors"
WEEK = timedelta(days=7)
DAY = timedelta(hours=24)
#: Long enough for wrongly due work to show: due work is done within milliseconds of a sync.
SECOND_LOOK = 1.0
STILL_GOING = "quiet_incident_still_going"
RESOLVE = "quiet_incident_resolve"
BOTH_DATABASES = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime.now(UTC).replace(microsecond=0))


def started(
    start_bot: StartBot, clock: FrozenClock, database_url: str | None = None, **settings: Any
) -> tuple[RunningBot, SignedRequests]:
    settings.setdefault("WATCHKEEPER_ARCHIVE_AFTER", "7d")
    bot = start_bot(database_url, clock=clock, **settings)
    return bot, signed_slack(bot.url, "T0WATCH")


def declared_and_resolved(bot: RunningBot, slack: SignedRequests, fake_slack: FakeSlack) -> Channel:
    """INC-1 declared and resolved, and everything its resolution said delivered."""
    channel = declare(slack, fake_slack)
    as_user(slack, "resolve", channel=channel.id)
    settle(bot, fake_slack)
    return channel


def advance(bots: RunningBot | list[RunningBot], clock: FrozenClock, by: timedelta) -> None:
    """Move the bot's clock on and let the scheduler find what that made due."""
    clock.advance(by)
    for bot in bots if isinstance(bots, list) else [bots]:
        bot.bot.scheduler.sync()


def archived(fake_slack: FakeSlack, name: str = CHANNEL) -> bool:
    channel = fake_slack.channel_by_name(name)
    return channel is not None and channel.is_archived


def archive_calls(fake_slack: FakeSlack) -> list[dict[str, Any]]:
    """The calls to conversations.archive that Slack carried out or refused."""
    return fake_slack.calls_to("conversations.archive")


def questions(fake_slack: FakeSlack, channel: str = CHANNEL) -> list[Message]:
    """The quiet incident's questions: the bot's messages with the Still going button."""
    return [m for m in fake_slack.messages(channel) if STILL_GOING in str(m.blocks or "")]


def buttons(message: Message) -> dict[str, str]:
    found: dict[str, str] = {}
    for block in message.blocks or []:
        for element in block.get("elements", []):
            if element.get("type") == "button":
                found[element["action_id"]] = element["text"]["text"]
    return found


def click(
    fake_slack: FakeSlack, message: Message, action_id: str, key: str, user: str = "UBEN"
) -> dict[str, Any]:
    """A `block_actions` payload: `user` clicks a button of the question in the channel."""
    channel = fake_slack.channel_by_name(CHANNEL)
    assert channel is not None
    name = {"UBEN": "ben", "UCARA": "cara", "UANA": "ana"}[user]
    return {
        "type": "block_actions",
        "team": {"id": "T0WATCH", "domain": "watch"},
        "user": {"id": user, "username": name, "name": name, "team_id": "T0WATCH"},
        "api_app_id": "A0WATCH",
        "token": "unused-verification-token",
        "trigger_id": f"trigger-{key}-{time.monotonic_ns()}",
        "response_url": fake_slack.response_url(key),
        "container": {"type": "message", "message_ts": message.ts, "channel_id": channel.id},
        "channel": {"id": channel.id, "name": channel.name},
        "message": {"type": "message", "ts": message.ts, "text": message.text},
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "quiet-incident",
                "value": "1",
                "action_ts": message.ts,
            }
        ],
    }


def entries(bot: RunningBot, kind: EntryKind) -> list[TimelineEntry]:
    return [e for e in incident_by_number(bot.bot.ctx, 1).incident.timeline if e.kind is kind]


# --- archiving ------------------------------------------------------------------------------


@pytest.mark.slow
@BOTH_DATABASES
def test_a_resolved_channel_is_archived_after_the_delay_with_the_warning_first(
    database_url: str, start_bot: StartBot, clock: FrozenClock, fake_slack: FakeSlack
) -> None:
    bot, slack = started(start_bot, clock, database_url)
    channel = declare(slack, fake_slack)
    resolved_at = clock.now()
    as_user(slack, "resolve Rolled back", channel=channel.id)
    settle(bot, fake_slack)

    [warning] = [m for m in fake_slack.messages(channel.id) if "will be archived" in m.text]
    assert slack_time(resolved_at + WEEK) in warning.text
    assert "`/incident keep`" in warning.text
    advance(bot, clock, WEEK - timedelta(minutes=1))
    time.sleep(SECOND_LOOK)
    assert not archived(fake_slack)

    advance(bot, clock, timedelta(minutes=2))
    fake_slack.wait_for(lambda: archived(fake_slack), timeout=10)

    assert archive_calls(fake_slack) == [{"channel": channel.id}]
    assert stored(bot).archived_at is not None
    # Nobody can post in it any more, as on Slack.
    assert fake_slack.channel(channel.id).is_archived


@pytest.mark.slow
@BOTH_DATABASES
def test_keep_cancels_the_archive_and_says_so(
    database_url: str, start_bot: StartBot, clock: FrozenClock, fake_slack: FakeSlack
) -> None:
    bot, slack = started(start_bot, clock, database_url)
    channel = declare(slack, fake_slack)
    as_user(slack, "resolve", channel=channel.id)

    reply = as_user(slack, "keep", channel=channel.id, user="UBEN")
    settle(bot, fake_slack)
    advance(bot, clock, 2 * WEEK)
    time.sleep(SECOND_LOOK)

    assert reply == "The channel of INC-1 is kept; it will not be archived."
    assert not archived(fake_slack)
    assert archive_calls(fake_slack) == []
    assert any(
        m.text == ":file_cabinet: <@UBEN> kept this channel: it will not be archived"
        for m in fake_slack.messages(channel.id)
    )
    [kept] = entries(bot, EntryKind.KEPT)
    assert kept.author == "UBEN"


@pytest.mark.slow
@BOTH_DATABASES
def test_reopening_cancels_the_archive_and_a_new_resolution_plans_it_again(
    database_url: str, start_bot: StartBot, clock: FrozenClock, fake_slack: FakeSlack
) -> None:
    bot, slack = started(start_bot, clock, database_url)
    channel = declare(slack, fake_slack)
    as_user(slack, "resolve", channel=channel.id)
    advance(bot, clock, DAY)
    as_user(slack, "reopen Errors are back", channel=channel.id)
    settle(bot, fake_slack)
    advance(bot, clock, WEEK)
    time.sleep(SECOND_LOOK)

    assert not archived(fake_slack)
    assert any(
        m.text == ":file_cabinet: INC-1 is reopened: this channel will not be archived."
        for m in fake_slack.messages(channel.id)
    )

    resolved_again = clock.now()
    as_user(slack, "resolve", channel=channel.id)
    settle(bot, fake_slack)
    warnings = [m for m in fake_slack.messages(channel.id) if "will be archived" in m.text]
    assert len(warnings) == 2
    assert slack_time(resolved_again + WEEK) in warnings[-1].text
    advance(bot, clock, WEEK)
    fake_slack.wait_for(lambda: archived(fake_slack), timeout=10)


@pytest.mark.slow
@BOTH_DATABASES
def test_an_archive_due_while_the_bot_was_down_happens_once_after_restart(
    database_url: str, start_bot: StartBot, clock: FrozenClock, fake_slack: FakeSlack
) -> None:
    first, slack = started(start_bot, clock, database_url)
    channel = declared_and_resolved(first, slack, fake_slack)
    first.stop()

    # Down for eight days: a new instance on the same database archives it, once.
    later = FrozenClock(clock.now() + WEEK + DAY)
    second, _ = started(start_bot, later, database_url)
    fake_slack.wait_for(lambda: archived(fake_slack), timeout=10)
    advance(second, later, DAY)
    time.sleep(SECOND_LOOK)

    assert archive_calls(fake_slack) == [{"channel": channel.id}]


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_replicas_archive_each_channel_once(
    database_url: str, start_bot: StartBot, clock: FrozenClock, fake_slack: FakeSlack
) -> None:
    writer, slack = started(start_bot, clock, database_url)
    names = [f"inc-{n}-checkout-errors-{n}" for n in range(1, 5)]
    for number, name in enumerate(names, start=1):
        channel = declare(slack, fake_slack, f"declare Checkout errors {number}", channel_name=name)
        as_user(slack, "resolve", channel=channel.id)
    settle(writer, fake_slack)
    writer.stop()

    later = FrozenClock(clock.now() + WEEK + DAY)
    replicas = [started(start_bot, later, database_url)[0] for _ in range(2)]
    fake_slack.wait_for(lambda: all(archived(fake_slack, name) for name in names), timeout=15)
    advance(replicas, later, DAY)
    time.sleep(SECOND_LOOK)

    archived_ids = [call["channel"] for call in archive_calls(fake_slack)]
    assert len(archived_ids) == len(names) == len(set(archived_ids))


@pytest.mark.slow
@BOTH_DATABASES
def test_a_slack_failure_during_the_archive_is_retried_not_lost(
    database_url: str, start_bot: StartBot, clock: FrozenClock, fake_slack: FakeSlack
) -> None:
    bot, slack = started(start_bot, clock, database_url)
    declared_and_resolved(bot, slack, fake_slack)
    fake_slack.fail("conversations.archive", status=503)

    advance(bot, clock, WEEK + timedelta(minutes=1))
    fake_slack.wait_for(lambda: archive_calls(fake_slack), timeout=10)
    assert not archived(fake_slack)
    # The retry waits out its backoff on the bot's clock, from when the failure was settled.
    retried = bot.bot.metrics.deliveries.labels("slack", "retried")
    fake_slack.wait_for(lambda: retried._value.get() >= 1, timeout=10)
    clock.advance(timedelta(minutes=5))

    fake_slack.wait_for(lambda: archived(fake_slack), timeout=15)
    assert len(archive_calls(fake_slack)) == 2


def test_a_channel_archived_by_hand_meanwhile_counts_as_archived(
    start_bot: StartBot, clock: FrozenClock, fake_slack: FakeSlack
) -> None:
    bot, slack = started(start_bot, clock)
    channel = declared_and_resolved(bot, slack, fake_slack)
    fake_slack.fail("conversations.archive", error="already_archived")

    advance(bot, clock, WEEK + timedelta(minutes=1))
    fake_slack.wait_for(lambda: archive_calls(fake_slack), timeout=10)
    settle(bot, fake_slack)

    # No notice of a failure: the channel is archived, as asked.
    assert not [m for m in fake_slack.messages(channel.id) if "could not" in m.text]
    assert len(archive_calls(fake_slack)) == 1


# --- /incident keep refused -------------------------------------------------------------------


def test_keep_is_refused_on_an_open_incident(
    start_bot: StartBot, clock: FrozenClock, fake_slack: FakeSlack
) -> None:
    _, slack = started(start_bot, clock)
    channel = declare(slack, fake_slack)

    reply = as_user(slack, "keep", channel=channel.id)

    assert "INC-1 is open; its channel is archived only after it is resolved" in reply
    assert "`/incident keep`" in reply


def test_keep_is_refused_when_kept_already(
    start_bot: StartBot, clock: FrozenClock, fake_slack: FakeSlack
) -> None:
    _, slack = started(start_bot, clock)
    channel = declare(slack, fake_slack)
    as_user(slack, "resolve", channel=channel.id)
    as_user(slack, "keep", channel=channel.id)

    reply = as_user(slack, "keep", channel=channel.id)

    assert "The channel of INC-1 is kept already." in reply


def test_keep_is_refused_when_archiving_is_off(
    start_bot: StartBot, clock: FrozenClock, fake_slack: FakeSlack
) -> None:
    _, slack = started(start_bot, clock, WATCHKEEPER_ARCHIVE_AFTER="off")
    channel = declare(slack, fake_slack)
    as_user(slack, "resolve", channel=channel.id)

    reply = as_user(slack, "keep", channel=channel.id)

    assert "never archived here (WATCHKEEPER_ARCHIVE_AFTER is off)" in reply
    assert not [m for m in fake_slack.messages(channel.id) if "will be archived" in m.text]


def test_keep_is_refused_outside_an_incident_channel(
    start_bot: StartBot, clock: FrozenClock, fake_slack: FakeSlack
) -> None:
    _, slack = started(start_bot, clock)

    reply = as_user(slack, "keep", channel=general(fake_slack))

    assert "This command works in an incident channel." in reply


def test_keep_with_words_after_it_shows_the_form(
    start_bot: StartBot, clock: FrozenClock, fake_slack: FakeSlack
) -> None:
    _, slack = started(start_bot, clock)
    channel = declare(slack, fake_slack)

    reply = as_user(slack, "keep forever", channel=channel.id)

    assert "`/incident keep` takes nothing after it; drop `forever`." in reply
    assert "/incident keep" in reply


# --- quiet incidents ------------------------------------------------------------------------


@pytest.mark.slow
@BOTH_DATABASES
def test_a_quiet_incident_asks_its_commander_once(
    database_url: str, start_bot: StartBot, clock: FrozenClock, fake_slack: FakeSlack
) -> None:
    bot, slack = started(start_bot, clock, database_url)
    channel = declare(slack, fake_slack)
    as_user(slack, "commander <@UBEN|ben>", channel=channel.id)
    settle(bot, fake_slack)

    advance(bot, clock, DAY - timedelta(minutes=1))
    time.sleep(SECOND_LOOK)
    assert questions(fake_slack) == []

    advance(bot, clock, timedelta(minutes=2))
    [question] = fake_slack.wait_for(lambda: questions(fake_slack), timeout=10)
    assert question.text.startswith(":zzz: <@UBEN>, is *INC-1* still going?")
    assert "quiet for 1d" in question.text
    assert buttons(question) == {
        RESOLVE: "Resolve",
        STILL_GOING: "Still going (ask again in 1d)",
    }

    # Nobody answers: the question is not asked again in the same quiet spell.
    advance(bot, clock, 3 * DAY)
    time.sleep(SECOND_LOOK)
    assert len(questions(fake_slack)) == 1


def test_the_question_says_when_nobody_is_commander(
    start_bot: StartBot, clock: FrozenClock, fake_slack: FakeSlack
) -> None:
    bot, slack = started(start_bot, clock, WATCHKEEPER_STALE_AFTER="2h")
    declare(slack, fake_slack)

    advance(bot, clock, timedelta(hours=3))
    [question] = fake_slack.wait_for(lambda: questions(fake_slack), timeout=10)

    assert "Nobody is commander (`/incident commander @user` assigns one)" in question.text
    assert buttons(question)[STILL_GOING] == "Still going (ask again in 2h)"


@pytest.mark.slow
@BOTH_DATABASES
def test_no_question_while_entries_keep_arriving(
    database_url: str, start_bot: StartBot, clock: FrozenClock, fake_slack: FakeSlack
) -> None:
    bot, slack = started(start_bot, clock, database_url)
    channel = declare(slack, fake_slack)
    for hour in range(3):
        advance(bot, clock, timedelta(hours=20))
        as_user(slack, f"note Still digging, hour {20 * (hour + 1)}", channel=channel.id)
    settle(bot, fake_slack)
    advance(bot, clock, timedelta(hours=20))
    time.sleep(SECOND_LOOK)
    assert questions(fake_slack) == []

    # 24 hours after the last note it is asked.
    advance(bot, clock, timedelta(hours=5))
    fake_slack.wait_for(lambda: questions(fake_slack), timeout=10)


def test_no_question_when_switched_off_or_resolved(
    start_bot: StartBot, clock: FrozenClock, fake_slack: FakeSlack
) -> None:
    bot, slack = started(start_bot, clock, WATCHKEEPER_STALE_AFTER="off")
    channel = declare(slack, fake_slack)
    declare(slack, fake_slack, "declare Search is slow", channel_name="inc-2-search-is-slow")
    as_user(slack, "resolve", channel=channel.id)
    advance(bot, clock, 3 * DAY)
    time.sleep(SECOND_LOOK)

    assert questions(fake_slack) == [] == questions(fake_slack, "inc-2-search-is-slow")


@pytest.mark.slow
@BOTH_DATABASES
def test_still_going_records_it_and_asks_again_a_quiet_spell_later(
    database_url: str, start_bot: StartBot, clock: FrozenClock, fake_slack: FakeSlack
) -> None:
    bot, slack = started(start_bot, clock, database_url)
    declare(slack, fake_slack)
    advance(bot, clock, DAY + timedelta(minutes=1))
    [question] = fake_slack.wait_for(lambda: questions(fake_slack), timeout=10)

    answered_at = clock.now()
    reply = slack.interaction(click(fake_slack, question, STILL_GOING, "still-going"))
    assert reply.status == 200
    [replaced] = fake_slack.wait_for(lambda: fake_slack.responses("still-going"))

    assert replaced["replace_original"] is True
    assert replaced["text"] == (
        ":hourglass_flowing_sand: <@UBEN> says *INC-1* is still going; the next check is at "
        f"{slack_time(answered_at + DAY)} if the timeline stays quiet."
    )
    [entry] = entries(bot, EntryKind.STILL_GOING)
    assert entry.author == "UBEN"
    settle(bot, fake_slack)
    assert any("<@UBEN> says INC-1 is still going" in m.text for m in fake_slack.messages(CHANNEL))

    advance(bot, clock, DAY - timedelta(minutes=2))
    time.sleep(SECOND_LOOK)
    assert len(questions(fake_slack)) == 1
    advance(bot, clock, timedelta(minutes=3))
    fake_slack.wait_for(lambda: len(questions(fake_slack)) == 2, timeout=10)


@pytest.mark.slow
@BOTH_DATABASES
def test_the_resolve_button_resolves_the_incident(
    database_url: str, start_bot: StartBot, clock: FrozenClock, fake_slack: FakeSlack
) -> None:
    bot, slack = started(start_bot, clock, database_url)
    declare(slack, fake_slack)
    advance(bot, clock, DAY + timedelta(minutes=1))
    [question] = fake_slack.wait_for(lambda: questions(fake_slack), timeout=10)

    reply = slack.interaction(click(fake_slack, question, RESOLVE, "resolve"))
    assert reply.status == 200
    [replaced] = fake_slack.wait_for(lambda: fake_slack.responses("resolve"))

    assert replaced["replace_original"] is True
    assert replaced["text"] == ":white_check_mark: <@UBEN> resolved *INC-1* from this question."
    incident = stored(bot)
    assert incident.status is Status.RESOLVED
    [resolution] = entries(bot, EntryKind.RESOLVED)
    assert resolution.author == "UBEN"
    # The resolution's own consequences follow: the archive is planned and announced.
    settle(bot, fake_slack)
    assert any("will be archived" in m.text for m in fake_slack.messages(CHANNEL))


def test_the_resolve_button_follows_the_resolve_permission(
    start_bot: StartBot, clock: FrozenClock, fake_slack: FakeSlack
) -> None:
    toml = '[permissions]\nresolve = ["UCARA"]\n'
    bot, slack = started(start_bot, clock, toml=toml)
    declare(slack, fake_slack)
    advance(bot, clock, DAY + timedelta(minutes=1))
    [question] = fake_slack.wait_for(lambda: questions(fake_slack), timeout=10)

    slack.interaction(click(fake_slack, question, RESOLVE, "refused", user="UBEN"))
    [refusal] = fake_slack.wait_for(lambda: fake_slack.responses("refused"))

    assert refusal["response_type"] == "ephemeral"
    assert refusal["text"].startswith(":warning:")
    assert "<@UCARA>" in refusal["text"]
    assert stored(bot).status is Status.INVESTIGATING


def test_still_going_is_refused_once_resolved(
    start_bot: StartBot, clock: FrozenClock, fake_slack: FakeSlack
) -> None:
    bot, slack = started(start_bot, clock)
    channel = declare(slack, fake_slack)
    advance(bot, clock, DAY + timedelta(minutes=1))
    [question] = fake_slack.wait_for(lambda: questions(fake_slack), timeout=10)
    as_user(slack, "resolve", channel=channel.id)

    slack.interaction(click(fake_slack, question, STILL_GOING, "late"))
    [refusal] = fake_slack.wait_for(lambda: fake_slack.responses("late"))

    assert refusal["response_type"] == "ephemeral"
    assert refusal["text"] == ":warning: INC-1 is resolved already; nothing is going on."
    assert entries(bot, EntryKind.STILL_GOING) == []


def test_what_is_said_after_the_archive_stays_on_the_timeline_without_a_failure(
    start_bot: StartBot, clock: FrozenClock, fake_slack: FakeSlack
) -> None:
    bot, slack = started(start_bot, clock)
    channel = declare(slack, fake_slack)
    as_user(slack, "action Alert on queue depth <@UBEN|ben>", channel=channel.id)
    as_user(slack, "resolve", channel=channel.id)
    advance(bot, clock, WEEK + timedelta(minutes=1))
    fake_slack.wait_for(lambda: archived(fake_slack), timeout=10)
    posted = len(fake_slack.messages(channel.id))

    # ben marks his follow-up done from the App Home, after the channel was archived.
    slack.interaction(
        {
            "type": "block_actions",
            "team": {"id": "T0WATCH", "domain": "watch"},
            "user": {"id": "UBEN", "username": "ben", "name": "ben", "team_id": "T0WATCH"},
            "api_app_id": "A0WATCH",
            "token": "unused-verification-token",
            "trigger_id": "trigger-done-after-archive",
            "container": {"type": "view", "view_id": "V0HOME"},
            "view": {"id": "V0HOME", "type": "home"},
            "actions": [
                {
                    "type": "button",
                    "action_id": "follow_up_done",
                    "block_id": "follow-up",
                    "value": "1:1",
                    "action_ts": "1700000000.000001",
                }
            ],
        }
    )
    fake_slack.wait_for(lambda: entries(bot, EntryKind.ACTION_CHANGED), timeout=5)
    settle(bot, fake_slack)

    # The announcement was tried, refused as archived, and let go: no notice of a failure.
    calls = fake_slack.calls
    archived_at = next(i for i, c in enumerate(calls) if c.method == "conversations.archive")
    assert any(
        call.method == "chat.postMessage" and call.args.get("channel") == channel.id
        for call in calls[archived_at:]
    )
    assert len(fake_slack.messages(channel.id)) == posted
    assert not [m for m in fake_slack.messages("incidents") if "could not" in m.text]
    assert stored(bot).actions[0].state.value == "done"
    with bot.bot.engine.connect() as connection:
        failed = connection.execute(
            select(outbox.c.kind, outbox.c.last_error).where(outbox.c.last_error.is_not(None))
        ).all()
    assert failed == []


def test_a_bot_removed_from_the_channel_joins_it_to_archive_it(
    start_bot: StartBot, clock: FrozenClock, fake_slack: FakeSlack
) -> None:
    bot, slack = started(start_bot, clock)
    declared_and_resolved(bot, slack, fake_slack)
    fake_slack.fail("conversations.archive", error="not_in_channel")

    advance(bot, clock, WEEK + timedelta(minutes=1))
    fake_slack.wait_for(lambda: archived(fake_slack), timeout=10)

    methods = [c.method for c in fake_slack.calls if c.method.startswith("conversations.")]
    assert methods[-3:] == ["conversations.archive", "conversations.join", "conversations.archive"]


def test_a_private_incidents_channel_is_archived_like_any_other(
    start_bot: StartBot, clock: FrozenClock, fake_slack: FakeSlack
) -> None:
    bot, slack = started(start_bot, clock)
    channel = declare(
        slack, fake_slack, "declare --private sev2 Leaked key", channel_name="inc-1-leaked-key"
    )
    assert fake_slack.channel(channel.id).is_private
    as_user(slack, "resolve", channel=channel.id)
    settle(bot, fake_slack)

    advance(bot, clock, WEEK + timedelta(minutes=1))

    fake_slack.wait_for(lambda: archived(fake_slack, "inc-1-leaked-key"), timeout=10)
