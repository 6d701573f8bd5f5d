"""Update reminders from the real app over HTTP, against the fake Slack, every 2 seconds.

Each test declares an incident through `/incident` and watches what the incident channel (and
`#incidents`) receives. Times are the fake Slack's message timestamps, read on the same clock as
`time.time()`. Where a test shows that nothing arrives it waits a bounded time, chosen against
the 2-second interval and explained where it is.
"""

from __future__ import annotations

import time
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.helpers import as_user, declare, general, settle
from tests.fixtures.bot import (
    BROADCAST,
    RunningBot,
    SignedSlack,
    StartBot,
    bot_environ,
    signed_slack,
)

from watchkeeper.standin import FakeSlack
from watchkeeper.standin.state import Channel, Message

INTERVAL = 2.0
#: Generous: a reminder due in 2 s may queue behind the channel's opening on a slow machine.
ARRIVES_WITHIN = 10.0
#: Slack's timestamps and the test's clock are one clock; this covers rounding only.
EPSILON = 0.05
#: Incidents declared across the two replicas.
INCIDENTS = 6


def environ(fake_slack: FakeSlack, database_url: str) -> dict[str, str]:
    return bot_environ(fake_slack, database_url, WATCHKEEPER_REMINDER_INTERVAL="2s")


@pytest.fixture
def running_bot(start_bot: StartBot) -> RunningBot:
    """The bot with a 2-second reminder interval and `#incidents` as its broadcast channel."""
    return start_bot(WATCHKEEPER_REMINDER_INTERVAL="2s")


# --- reading what Slack received ------------------------------------------------------------


def is_reminder(message: Message) -> bool:
    """A reminder is the bot's message that carries the snooze button."""
    return "snooze_reminders" in str(message.blocks or "")


def reminders(fake_slack: FakeSlack, channel: str) -> list[Message]:
    return [m for m in fake_slack.messages(channel) if is_reminder(m)]


def escalations(fake_slack: FakeSlack) -> list[Message]:
    """What `#incidents` heard about reminders going unanswered."""
    return [m for m in fake_slack.messages(BROADCAST) if "has had no formal update" in m.text]


def wait_for_reminders(
    fake_slack: FakeSlack, channel: str, count: int, timeout: float = ARRIVES_WITHIN
) -> list[Message]:
    """Wait until the channel has had `count` reminders; all of them so far."""
    return fake_slack.wait_for(
        lambda: (found := reminders(fake_slack, channel)) and len(found) >= count and found,
        timeout=timeout,
    )


def posted_at(message: Message) -> float:
    return float(message.ts)


def buttons(message: Message) -> dict[str, str]:
    """The message's buttons: action ID to label."""
    found: dict[str, str] = {}
    for block in message.blocks or []:
        for element in block.get("elements", []):
            if element.get("type") == "button":
                found[element["action_id"]] = element["text"]["text"]
    return found


def click(channel: Channel, message: Message, action_id: str, trigger_id: str) -> dict[str, Any]:
    """A `block_actions` payload: ana clicks a button on a message in the incident channel."""
    return {
        "type": "block_actions",
        "team": {"id": "T0WATCH", "domain": "watch"},
        "user": {"id": "UANA", "username": "ana", "name": "ana", "team_id": "T0WATCH"},
        "api_app_id": "A0WATCH",
        "token": "unused-verification-token",
        "trigger_id": trigger_id,
        "container": {"type": "message", "message_ts": message.ts, "channel_id": channel.id},
        "channel": {"id": channel.id, "name": channel.name},
        "message": {"type": "message", "ts": message.ts, "text": message.text},
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "reminder-actions",
                "value": "1",
                "action_ts": message.ts,
            }
        ],
    }


# --- when reminders come ----------------------------------------------------------------------


def test_a_reminder_arrives_after_quiet_time_and_says_no_commander_is_assigned(
    slack: SignedSlack, fake_slack: FakeSlack
) -> None:
    before = time.time()
    channel = declare(slack, fake_slack)

    [reminder] = wait_for_reminders(fake_slack, channel.id, 1)

    assert posted_at(reminder) >= before + INTERVAL - EPSILON
    assert "No commander is assigned" in reminder.text
    assert "`/incident commander @user`" in reminder.text
    assert "*INC-1*" in reminder.text
    assert "Investigating" in reminder.text
    assert buttons(reminder) == {
        "open_update_modal": "Post update",
        "snooze_reminders": "Snooze 30m",
    }


def test_after_an_update_the_next_reminder_waits_a_whole_interval(
    slack: SignedSlack, fake_slack: FakeSlack
) -> None:
    channel = declare(slack, fake_slack)
    # Half the interval in, so a reminder counted from the declaration would come 1 s early.
    time.sleep(INTERVAL / 2)
    updated = time.time()
    as_user(slack, "update Rolling back to 4.1", channel=channel.id)

    [reminder] = wait_for_reminders(fake_slack, channel.id, 1)

    assert posted_at(reminder) >= updated + INTERVAL - EPSILON


def test_a_note_does_not_put_the_reminder_off(slack: SignedSlack, fake_slack: FakeSlack) -> None:
    channel = declare(slack, fake_slack)
    time.sleep(INTERVAL * 0.75)
    noted = time.time()
    as_user(slack, "note Error rate peaked at 12%", channel=channel.id)

    [reminder] = wait_for_reminders(fake_slack, channel.id, 1)

    # Still counted from the declaration: sooner than a clock restarted by the note allows.
    assert posted_at(reminder) < noted + INTERVAL


def test_no_reminder_after_resolve(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    wait_for_reminders(fake_slack, channel.id, 1)
    as_user(slack, "resolve Rolled back to 4.1", channel=channel.id)
    settle(running_bot, fake_slack)

    # The next reminder was due one interval after the first; wait half as long again.
    time.sleep(INTERVAL * 1.5)

    assert len(reminders(fake_slack, channel.id)) == 1


def test_unanswered_reminders_escalate_to_role_holders_then_the_broadcast_channel(
    slack: SignedSlack, fake_slack: FakeSlack
) -> None:
    channel = declare(slack, fake_slack)
    as_user(slack, "commander <@UANA|ana>", channel=channel.id)
    as_user(slack, "role communications <@UBEN|ben>", channel=channel.id)

    first, second = wait_for_reminders(fake_slack, channel.id, 2)
    # The third is a whole interval away: #incidents must not have heard yet.
    broadcast_after_two = escalations(fake_slack)
    third = wait_for_reminders(fake_slack, channel.id, 3)[2]
    [escalation] = fake_slack.wait_for(lambda: escalations(fake_slack))

    assert "<@UANA>, time for an update" in first.text
    assert "<@UBEN>" not in first.text
    assert "<@UANA>, time for an update" in second.text
    assert "Also asking <@UBEN>" in second.text
    assert "reminder 2 in a row" in second.text
    assert broadcast_after_two == []
    assert "reminder 3 in a row" in third.text
    assert "*INC-1*" in escalation.text
    assert f"<#{channel.id}>" in escalation.text
    assert posted_at(escalation) > posted_at(second)


# --- snooze, off and on, reopen -----------------------------------------------------------------


def test_the_snooze_button_holds_reminders_back(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    [reminder] = wait_for_reminders(fake_slack, channel.id, 1)

    reply = slack.interaction(click(channel, reminder, "snooze_reminders", "trigger-snooze"))
    settle(running_bot, fake_slack)
    # Unsnoozed, the next reminder would come one interval after the first; wait 1.5 of them.
    time.sleep(INTERVAL * 1.5)

    assert reply.status == 200
    assert len(reminders(fake_slack, channel.id)) == 1
    notices = [m.text for m in fake_slack.messages(channel.id) if "set update reminders" in m.text]
    assert notices and "<@UANA>" in notices[-1]


def test_the_snooze_command_puts_the_reminder_off_for_that_long(
    slack: SignedSlack, fake_slack: FakeSlack
) -> None:
    channel = declare(slack, fake_slack)
    snoozed = time.time()
    as_user(slack, "snooze 4s", channel=channel.id)

    [reminder] = wait_for_reminders(fake_slack, channel.id, 1)

    # Without the snooze it would have come 2 s after the declaration.
    assert posted_at(reminder) >= snoozed + 4 - EPSILON


def test_reminders_switched_off_stay_quiet_until_switched_on(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    declared = time.time()
    channel = declare(slack, fake_slack)
    as_user(slack, "remind off", channel=channel.id)
    settle(running_bot, fake_slack)
    # The first reminder was due one interval after the declaration; wait half as long again.
    time.sleep(max(0.0, declared + INTERVAL * 1.5 - time.time()))
    quiet_while_off = reminders(fake_slack, channel.id)

    as_user(slack, "remind on", channel=channel.id)
    [reminder] = wait_for_reminders(fake_slack, channel.id, 1)

    assert quiet_while_off == []
    assert "*INC-1*" in reminder.text


def test_reopen_starts_the_reminders_again(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    as_user(slack, "resolve Rolled back", channel=channel.id)
    settle(running_bot, fake_slack)
    time.sleep(INTERVAL / 2)
    reopened = time.time()
    as_user(slack, "reopen Errors are back", channel=channel.id)

    [reminder] = wait_for_reminders(fake_slack, channel.id, 1)

    assert posted_at(reminder) >= reopened + INTERVAL - EPSILON
    assert "Investigating" in reminder.text


# --- the Post update button -----------------------------------------------------------------------


def test_the_post_update_button_opens_the_update_modal_and_submitting_it_is_an_update(
    slack: SignedSlack, fake_slack: FakeSlack
) -> None:
    channel = declare(slack, fake_slack)
    [reminder] = wait_for_reminders(fake_slack, channel.id, 1)

    slack.interaction(click(channel, reminder, "open_update_modal", "trigger-post-update"))
    view = fake_slack.wait_for(lambda: fake_slack.views)[0]
    submitted = time.time()
    reply = slack.interaction(
        {
            "type": "view_submission",
            "team": {"id": "T0WATCH", "domain": "watch"},
            "user": {"id": "UANA", "username": "ana", "name": "ana", "team_id": "T0WATCH"},
            "api_app_id": "A0WATCH",
            "token": "unused-verification-token",
            "trigger_id": "trigger-submit",
            "view": {
                **view.payload,
                "id": view.id,
                "state": {
                    "values": {
                        "message": {
                            "message": {"type": "plain_text_input", "value": "Rolled back to 4.1"}
                        }
                    }
                },
            },
        }
    )
    _, after_update = wait_for_reminders(fake_slack, channel.id, 2)

    assert view.trigger_id == "trigger-post-update"
    assert view.payload["callback_id"] == "post_update"
    assert view.payload["private_metadata"] == channel.id
    assert reply.status == 200
    assert any("Rolled back to 4.1" in m.text for m in fake_slack.messages(channel.id))
    # The clock restarted at the submission, and the escalation with it.
    assert posted_at(after_update) >= submitted + INTERVAL - EPSILON
    assert "in a row" not in after_update.text


# --- restarts and replicas ------------------------------------------------------------------------


@pytest.mark.slow
def test_a_reminder_that_fell_due_while_down_is_sent_once_after_restart(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    fake_slack.create_channel(BROADCAST, with_bot=True)
    database = f"sqlite:///{tmp_path / 'watchkeeper.db'}"
    first = RunningBot(environ(fake_slack, database))
    try:
        declared = time.time()
        channel = declare(signed_slack(first.url, fake_slack.team_id), fake_slack)
    finally:
        first.stop()
    # Down for three intervals: three reminders missed, one owed.
    time.sleep(max(0.0, declared + INTERVAL * 3 - time.time()))
    assert reminders(fake_slack, channel.id) == []

    second = RunningBot(environ(fake_slack, database))
    try:
        [reminder] = wait_for_reminders(fake_slack, channel.id, 1)
        # Missed ones would all come at once; the next due one is a whole interval away.
        time.sleep(INTERVAL / 2)
        after_restart = reminders(fake_slack, channel.id)
    finally:
        second.stop()

    assert after_restart == [reminder]
    assert "in a row" not in reminder.text


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_replicas_on_one_database_send_each_reminder_once(
    fake_slack: FakeSlack, database_url: str
) -> None:
    fake_slack.create_channel(BROADCAST, with_bot=True)
    replicas = [RunningBot(environ(fake_slack, database_url)) for _ in range(2)]
    try:
        for number in range(1, INCIDENTS + 1):
            # Declared through both replicas in turn: each plans its own, learns the others'.
            bot = replicas[number % 2]
            slack = signed_slack(bot.url, fake_slack.team_id)
            as_user(slack, f"declare Checkout errors {number}", channel=general(fake_slack))
        channels = [
            fake_slack.wait_for(lambda n=n: fake_slack.channel_by_name(replica_channel(n)))
            for n in range(1, INCIDENTS + 1)
        ]
        for channel in channels:
            wait_for_reminders(fake_slack, channel.id, 2)
    finally:
        for bot in replicas:
            bot.stop()

    for channel in channels:
        times = [posted_at(m) for m in reminders(fake_slack, channel.id)]
        gaps = [later - earlier for earlier, later in pairwise(times)]
        # A reminder sent by both replicas shows as two within milliseconds of each other.
        assert min(gaps) > INTERVAL / 2, f"#{channel.name} at {times}"


def replica_channel(number: int) -> str:
    return f"inc-{number}-checkout-errors-{number}"
