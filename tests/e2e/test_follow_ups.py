"""Follow-ups end to end over signed HTTP: agreed and changed by command and by form, listed,
nudged by direct message (`conversations.open` + `chat.postMessage`), marked done from the
nudge and from the App Home, and nudged once after a restart that missed them.

The bot's clock is frozen at the test's start (so "today" cannot turn over mid-test); the
scheduler plans due work on that clock, so what is due by it fires at once.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from tests.e2e.helpers import as_user, bot_messages, declare, settle, stored, text_objects
from tests.fixtures.bot import BROADCAST, RunningBot, StartBot, signed_slack

from watchkeeper.clock import FrozenClock
from watchkeeper.domain.follow_ups import FollowUpState
from watchkeeper.standin import FakeSlack
from watchkeeper.standin.requests import SignedRequests
from watchkeeper.standin.state import Message

#: Nudges come at midnight on the owner's clock, so one due today is due at once.
AT_MIDNIGHT = '[follow_ups]\nnudge_hour = "00:00"\n'
#: Long enough for a second, wrong nudge to arrive: the first comes within a few hundred ms.
SECOND_LOOK = 1.5
BEN = {"id": "UBEN", "username": "ben", "name": "ben", "team_id": "T0WATCH"}


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime.now(UTC))


@pytest.fixture
def today(clock: FrozenClock) -> date:
    return clock.now().date()


def started(
    start_bot: StartBot, clock: FrozenClock, **options: Any
) -> tuple[RunningBot, SignedRequests]:
    bot = start_bot(clock=clock, **options)
    return bot, signed_slack(bot.url, "T0WATCH")


def reply_blocks(slack: SignedRequests, text: str, channel: str) -> tuple[str, list[Any]]:
    answer = slack.command(text, channel=channel, user="UANA", user_name="ana")
    assert answer.status == 200, answer.body
    return answer.text, answer.json().get("blocks") or []


def done_buttons(blocks: Any) -> list[str]:
    """The values of the Done buttons in a block structure, in order."""
    found: list[str] = []
    if isinstance(blocks, dict):
        if blocks.get("action_id") == "follow_up_done":
            found.append(blocks["value"])
        for value in blocks.values():
            found.extend(done_buttons(value))
    elif isinstance(blocks, list):
        for item in blocks:
            found.extend(done_buttons(item))
    return found


def click_done(value: str, container: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """ben clicks a Done button (on a message or on his Home tab)."""
    return {
        "type": "block_actions",
        "team": {"id": "T0WATCH", "domain": "watch"},
        "user": BEN,
        "api_app_id": "A0WATCH",
        "token": "unused-verification-token",
        "trigger_id": f"trigger-done-{value}-{time.monotonic_ns()}",
        "container": container,
        "actions": [
            {
                "type": "button",
                "action_id": "follow_up_done",
                "block_id": "follow-up",
                "value": value,
                "action_ts": "1700000000.000001",
            }
        ],
        **extra,
    }


def nudges_to(fake_slack: FakeSlack, user: str) -> list[Message]:
    return fake_slack.direct_messages(user)


# --- agreeing, listing and changing -------------------------------------------------------


def test_a_follow_up_with_owner_and_due_date_is_listed_with_a_done_button(
    start_bot: StartBot, clock: FrozenClock, today: date, fake_slack: FakeSlack
) -> None:
    bot, slack = started(start_bot, clock)
    channel = declare(slack, fake_slack)

    said = as_user(slack, "action Alert on queue depth <@UBEN|ben> due in 2w", channel=channel.id)
    as_user(slack, "action Write the runbook", channel=channel.id)
    text, blocks = reply_blocks(slack, "actions", channel.id)
    settle(bot, fake_slack)

    due = today + timedelta(days=14)
    assert said.startswith("Follow-up 1 added to INC-1, owner <@UBEN>, due ")
    assert f"{due.day} {due:%b}" in said
    assert "2 open of 2" in text
    shown = "\n".join(text_objects(blocks))
    assert "*1.* Alert on queue depth · <@UBEN> · due " in shown
    assert "*2.* Write the runbook · _no owner_ · no due date · open" in shown
    assert done_buttons(blocks) == ["1:1", "1:2"]
    announced = bot_messages(fake_slack, channel.id)[-1].text
    assert "Follow-up 2 added by <@UANA>" in announced
    assert stored(bot).actions[0].due == due


def test_each_change_is_a_timeline_entry_and_works_after_resolution(
    start_bot: StartBot, clock: FrozenClock, fake_slack: FakeSlack
) -> None:
    bot, slack = started(start_bot, clock)
    channel = declare(slack, fake_slack)
    as_user(slack, "action Alert on queue depth <@UBEN|ben>", channel=channel.id)
    as_user(slack, "action Canary config pushes", channel=channel.id)
    as_user(slack, "action Rewrite the scheduler", channel=channel.id)
    as_user(slack, "resolve Rolled back", channel=channel.id)

    done = as_user(slack, "action 1 done", channel=channel.id)
    owner = as_user(slack, "action 2 owner <@UCARA|cara>", channel=channel.id)
    moved = as_user(slack, "action 2 due 2099-01-01", channel=channel.id)
    dropped = as_user(slack, "action 3 drop the new queue replaces it", channel=channel.id)
    again = as_user(slack, "action 1 done", channel=channel.id)
    _, blocks = reply_blocks(slack, "actions", channel.id)
    settle(bot, fake_slack)

    assert done == "Follow-up 1 of INC-1 is done."
    assert owner == "Follow-up 2 of INC-1 is now <@UCARA>'s."
    assert "more than three years away" in moved  # refused: nothing changed
    assert dropped == "Follow-up 3 of INC-1 will not be done."
    assert "is done already" in again
    shown = "\n".join(text_objects(blocks))
    assert "· done" in shown
    assert "won't do: the new queue replaces it" in shown
    assert done_buttons(blocks) == ["1:2"]
    incident = stored(bot)
    assert [a.state for a in incident.actions] == [
        FollowUpState.DONE,
        FollowUpState.OPEN,
        FollowUpState.DROPPED,
    ]
    changes = [e.detail["change"] for e in incident.timeline if e.kind.value == "action_changed"]
    assert changes == ["done", "owner", "dropped"]
    told = [m.text for m in bot_messages(fake_slack, channel.id)]
    assert any("marked action 1 done" in t for t in told)
    assert any("gave action 2 to <@UCARA>" in t for t in told)


def test_the_cards_button_opens_the_form_and_its_fields_agree_a_follow_up(
    start_bot: StartBot, clock: FrozenClock, today: date, fake_slack: FakeSlack
) -> None:
    bot, slack = started(start_bot, clock)
    channel = declare(slack, fake_slack)
    card = fake_slack.pins(channel.id)[0]
    slack.interaction(
        {
            "type": "block_actions",
            "team": {"id": "T0WATCH", "domain": "watch"},
            "user": BEN,
            "api_app_id": "A0WATCH",
            "token": "unused-verification-token",
            "trigger_id": "trigger-follow-up",
            "container": {"type": "message", "message_ts": card.ts, "channel_id": channel.id},
            "channel": {"id": channel.id, "name": channel.name},
            "message": {"type": "message", "ts": card.ts, "text": "INC-1"},
            "actions": [{"type": "button", "action_id": "open_follow_up_modal", "value": "1"}],
        }
    )
    view = fake_slack.wait_for(lambda: fake_slack.views)[0]

    def submit(due: str) -> dict[str, Any]:
        values = {
            "follow_up": {"follow_up": {"type": "plain_text_input", "value": "Add a canary"}},
            "user": {"user": {"type": "users_select", "selected_user": "UCARA"}},
            "due": {"due": {"type": "datepicker", "selected_date": due}},
        }
        answer = slack.interaction(
            {
                "type": "view_submission",
                "team": {"id": "T0WATCH", "domain": "watch"},
                "user": BEN,
                "api_app_id": "A0WATCH",
                "token": "unused-verification-token",
                "trigger_id": f"trigger-submit-{due}",
                "view": {**view.payload, "id": f"{view.id}-{due}", "state": {"values": values}},
            }
        )
        assert answer.status == 200
        return answer.json() if answer.body else {}

    refused = submit((today - timedelta(days=1)).isoformat())
    accepted = submit((today + timedelta(days=3)).isoformat())
    settle(bot, fake_slack)

    assert view.payload["callback_id"] == "add_follow_up"
    assert refused["response_action"] == "errors"
    assert "has passed" in refused["errors"]["due"]
    assert accepted == {}
    [action] = stored(bot).actions
    assert (action.text, action.owner_id, action.due) == (
        "Add a canary",
        "UCARA",
        today + timedelta(days=3),
    )


# --- nudges ------------------------------------------------------------------------------------


def test_the_owner_is_nudged_by_direct_message_and_marks_it_done_there(
    start_bot: StartBot, clock: FrozenClock, fake_slack: FakeSlack
) -> None:
    bot, slack = started(start_bot, clock, toml=AT_MIDNIGHT)
    channel = declare(slack, fake_slack)

    as_user(slack, "action Alert on queue depth <@UBEN|ben> due today", channel=channel.id)
    [nudge] = fake_slack.wait_for(lambda: nudges_to(fake_slack, "UBEN"))
    settle(bot, fake_slack)
    time.sleep(SECOND_LOOK)

    assert len(nudges_to(fake_slack, "UBEN")) == 1
    assert fake_slack.calls_to("conversations.open") == [{"users": "UBEN"}]
    assert "Follow-up 1 of *INC-1*" in nudge.text and "due *today*" in nudge.text
    assert "You own it." in "\n".join(text_objects(nudge.blocks))
    assert done_buttons(nudge.blocks) == ["1:1"]

    dm = next(c for c in fake_slack.channels if c.is_im and c.user == "UBEN")
    answer = slack.interaction(
        click_done(
            "1:1",
            {"type": "message", "message_ts": nudge.ts, "channel_id": dm.id},
            channel={"id": dm.id, "name": "directmessage"},
            message={"type": "message", "ts": nudge.ts, "text": nudge.text},
            response_url=fake_slack.response_url("nudge"),
        )
    )
    [replaced] = fake_slack.wait_for(lambda: fake_slack.responses("nudge"))

    assert answer.status == 200
    assert replaced["replace_original"] is True
    assert "Follow-up 1 of INC-1 is done" in replaced["text"]
    assert stored(bot).actions[0].state is FollowUpState.DONE


def test_a_follow_up_without_an_owner_nudges_the_commander(
    start_bot: StartBot, clock: FrozenClock, fake_slack: FakeSlack
) -> None:
    _bot, slack = started(start_bot, clock, toml=AT_MIDNIGHT)
    channel = declare(slack, fake_slack)
    as_user(slack, "commander <@UCARA|cara>", channel=channel.id)

    as_user(slack, "action Write the runbook due today", channel=channel.id)
    [nudge] = fake_slack.wait_for(lambda: nudges_to(fake_slack, "UCARA"))

    assert "It has no owner, and you lead the incident" in "\n".join(text_objects(nudge.blocks))


def test_the_owners_time_zone_is_learned_from_slack(
    start_bot: StartBot, clock: FrozenClock, fake_slack: FakeSlack
) -> None:
    fake_slack.add_user("UFAR", "far", tz="Pacific/Kiritimati")
    bot, slack = started(start_bot, clock)
    channel = declare(slack, fake_slack)

    as_user(slack, "action Rotate keys <@UFAR|far> due in 1w", channel=channel.id)
    fake_slack.wait_for(lambda: stored(bot).actions[0].owner_zone)

    assert fake_slack.calls_to("users.info") == [{"user": "UFAR"}]
    assert stored(bot).actions[0].owner_zone == "Pacific/Kiritimati"


def test_a_deactivated_owner_cannot_be_nudged_and_the_channel_is_told(
    start_bot: StartBot, clock: FrozenClock, fake_slack: FakeSlack
) -> None:
    fake_slack.add_user("UGONE", "gone", deactivated=True)
    _bot, slack = started(start_bot, clock, toml=AT_MIDNIGHT)
    channel = declare(slack, fake_slack)

    as_user(slack, "action Rotate keys <@UGONE|gone> due today", channel=channel.id)
    told = fake_slack.wait_for(
        lambda: [m for m in bot_messages(fake_slack, channel.id) if "direct message" in m.text]
    )

    assert "user_disabled" in told[0].text
    assert "give their follow-ups another owner" in told[0].text


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_nudges_due_while_the_bot_was_down_are_each_sent_once_after_restart(
    database_url: str, start_bot: StartBot, fake_slack: FakeSlack
) -> None:
    monday = FrozenClock(datetime.now(UTC))
    first, slack = started(start_bot, monday, database_url=database_url)
    for number, owner in enumerate(("UBEN", "UCARA", "UDEV"), start=1):
        declare(
            slack,
            fake_slack,
            f"declare Checkout errors {number}",
            channel_name=f"inc-{number}-checkout-errors-{number}",
        )
        channel = fake_slack.channel_by_name(f"inc-{number}-checkout-errors-{number}")
        assert channel is not None
        as_user(slack, f"action Alert on depth <@{owner}> due tomorrow", channel=channel.id)
    settle(first, fake_slack)
    first.stop()
    assert not any(nudges_to(fake_slack, user) for user in ("UBEN", "UCARA", "UDEV"))

    # Down for three days, through each follow-up's due day.
    later = FrozenClock(monday.now() + timedelta(days=3))
    started(start_bot, later, database_url=database_url)
    for user in ("UBEN", "UCARA", "UDEV"):
        fake_slack.wait_for(lambda user=user: nudges_to(fake_slack, user), timeout=10)
    time.sleep(SECOND_LOOK)

    assert [len(nudges_to(fake_slack, u)) for u in ("UBEN", "UCARA", "UDEV")] == [1, 1, 1]


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_replicas_on_one_database_send_each_nudge_once(
    database_url: str, start_bot: StartBot, fake_slack: FakeSlack
) -> None:
    now = FrozenClock(datetime.now(UTC))
    writer, slack = started(start_bot, now, database_url=database_url)
    declare(slack, fake_slack)
    channel = fake_slack.channel_by_name("inc-1-checkout-errors")
    assert channel is not None
    for number in range(1, 7):
        as_user(slack, f"action Follow-up {number} <@UBEN> due tomorrow", channel=channel.id)
    settle(writer, fake_slack)
    writer.stop()

    tomorrow = FrozenClock(now.now() + timedelta(days=1, hours=12))
    for _ in range(2):
        started(start_bot, tomorrow, database_url=database_url)
    fake_slack.wait_for(lambda: len(nudges_to(fake_slack, "UBEN")) >= 6, timeout=10)
    time.sleep(SECOND_LOOK)

    numbers = [m.metadata["event_payload"]["effect"] for m in nudges_to(fake_slack, "UBEN")]
    assert len(numbers) == 6 == len(set(numbers))


@pytest.mark.slow
def test_the_weekly_digest_reaches_the_broadcast_channel(
    start_bot: StartBot, fake_slack: FakeSlack, sqlite_url: str
) -> None:
    now = FrozenClock(datetime.now(UTC))
    first, slack = started(start_bot, now)
    channel = declare(slack, fake_slack)
    as_user(slack, "action Alert on depth <@UBEN> due tomorrow", channel=channel.id)
    as_user(slack, "action Not due for long <@UBEN> due in 4w", channel=channel.id)
    settle(first, fake_slack)
    first.stop()

    started(start_bot, FrozenClock(now.now() + timedelta(days=8)))
    [digest] = fake_slack.wait_for(
        lambda: [m for m in fake_slack.messages(BROADCAST) if "Overdue follow-ups" in m.text],
        timeout=10,
    )

    assert "Overdue follow-ups (1)" in digest.text
    assert "*INC-1* #1: Alert on depth · <@UBEN>" in digest.text
    assert "Not due for long" not in digest.text


# --- the App Home --------------------------------------------------------------------------------


def test_the_app_home_shows_your_open_follow_ups_soonest_first_with_done_buttons(
    start_bot: StartBot, clock: FrozenClock, fake_slack: FakeSlack
) -> None:
    bot, slack = started(start_bot, clock)
    channel = declare(slack, fake_slack)
    as_user(slack, "action Later one <@UBEN|ben> due in 3w", channel=channel.id)
    as_user(slack, "action Sooner one <@UBEN|ben> due tomorrow", channel=channel.id)
    as_user(slack, "action Cara's one <@UCARA|cara> due tomorrow", channel=channel.id)
    as_user(slack, "action Finished one <@UBEN|ben>", channel=channel.id)
    as_user(slack, "action 4 done", channel=channel.id)
    home_opened = {"type": "app_home_opened", "user": "UBEN", "channel": "D0HOME", "tab": "home"}

    slack.event(home_opened)
    home = fake_slack.wait_for(lambda: fake_slack.home_view("UBEN"))
    shown = text_objects(home.payload["blocks"])

    mine = [line for line in shown if "*INC-1*" in line and "one" in line]
    assert [("Sooner" in line, "Later" in line) for line in mine] == [(True, False), (False, True)]
    assert not any("Cara's one" in line or "Finished one" in line for line in shown)
    assert done_buttons(home.payload["blocks"]) == ["1:2", "1:1"]
    assert any("Checkout errors" in line for line in shown)  # the open incidents, below

    slack.interaction(
        click_done(
            "1:2", {"type": "view", "view_id": home.id}, view={"id": home.id, "type": "home"}
        )
    )
    fake_slack.wait_for(
        lambda: done_buttons(fake_slack.home_view("UBEN").payload["blocks"]) == ["1:1"]
    )  # type: ignore[union-attr]

    assert stored(bot).actions[1].state is FollowUpState.DONE


def test_without_the_messages_tab_the_channel_hears_how_to_turn_it_on(
    start_bot: StartBot, clock: FrozenClock, fake_slack: FakeSlack
) -> None:
    fake_slack.set_messages_tab(False)
    _, slack = started(start_bot, clock, toml=AT_MIDNIGHT)
    channel = declare(slack, fake_slack)

    as_user(slack, "action Rotate keys <@UBEN|ben> due today", channel=channel.id)
    told = fake_slack.wait_for(
        lambda: [m for m in bot_messages(fake_slack, channel.id) if "direct message" in m.text]
    )

    assert "messages_tab_disabled" in told[0].text
    assert "messages_tab_enabled" in told[0].text
