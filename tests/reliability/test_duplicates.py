"""The same request twice (Slack's retries, double clicks) does it once; racing declarations both win.

Slack redelivers a request it thinks failed, with `X-Slack-Retry-Num`, and people click twice.
Every test here sends a request more than once, or many at the same moment, and counts what
exists afterwards: incidents, channels, timeline entries, messages.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from tests.e2e.helpers import as_user, bot_messages, declare, general, settle, stored
from tests.e2e.test_commands import submission
from tests.e2e.test_pins import pin_event
from tests.fixtures.bot import (
    RunningBot,
    SignedSlack,
    StartBot,
    signed_slack,
)

from watchkeeper.domain.timeline import EntryKind
from watchkeeper.services.queries import all_incidents
from watchkeeper.standin import FakeSlack
from watchkeeper.standin.requests import Answer

T = TypeVar("T")

RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


@pytest.fixture
def running_bot(start_bot: StartBot, database_url: str) -> RunningBot:
    """The bot on SQLite and on PostgreSQL: the store is what turns a repeat into a no-op."""
    return start_bot(database_url)


def at_once(jobs: list[Callable[[], T]]) -> list[T]:
    """Run each job in its own thread, all released together; their results in order."""
    start = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(index: int, job: Callable[[], T]) -> None:
        start.wait()
        try:
            results[index] = job()
        except BaseException as error:  # handed to the test thread below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    if errors:
        raise errors[0]
    return results


def incident_channels(fake: FakeSlack) -> list[str]:
    return sorted(c.name for c in fake.channels if c.name.startswith("inc-"))


def test_a_command_slack_redelivers_declares_one_incident(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    here = general(fake_slack)
    first = slack.command("declare sev2 Checkout errors", channel=here, trigger_id="trig-1")
    again = slack.command(
        "declare sev2 Checkout errors", channel=here, trigger_id="trig-1", headers=RETRY
    )
    settle(running_bot, fake_slack)

    assert first.status == again.status == 200
    assert "INC-1" in first.text
    assert "Already done" in again.text
    assert [i.number for i in all_incidents(running_bot.bot.ctx)] == [1]
    assert incident_channels(fake_slack) == ["inc-1-checkout-errors"]
    assert len(fake_slack.calls_to("conversations.create")) == 1
    assert [e.kind for e in stored(running_bot).timeline] == [EntryKind.DECLARED]


def test_a_command_delivered_twice_at_the_same_moment_acts_once(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    settle(running_bot, fake_slack)

    def send() -> Answer:
        return slack.command("note Cache flushed", channel=channel.id, trigger_id="trig-note")

    replies = at_once([send, send])
    settle(running_bot, fake_slack)

    assert sorted("Already done" in r.text for r in replies) == [False, True]
    notes = [e for e in stored(running_bot).timeline if e.kind is EntryKind.NOTE]
    assert len(notes) == 1
    assert len([m for m in bot_messages(fake_slack, channel.id) if "Cache flushed" in m.text]) == 1


def test_a_pin_event_delivered_twice_adds_one_timeline_entry(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    event = pin_event("pin_added", channel.id, "1700000000.000100")

    first = slack.event(event, event_id="Ev0PIN1")
    again = slack.event(event, event_id="Ev0PIN1", headers=RETRY)

    assert first.status == again.status == 200
    pinned = [e for e in stored(running_bot).timeline if e.kind is EntryKind.PINNED]
    assert len(pinned) == 1


def test_a_double_clicked_modal_submission_declares_once(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    slack.command("declare", channel=general(fake_slack), user="UBEN", user_name="ben")
    view = fake_slack.wait_for(lambda: fake_slack.views)[0]
    submitted = submission(view.id, title="Search is slow", severity="SEV1", description="p95 4s")

    replies = at_once([lambda: slack.interaction(submitted)] * 2)
    settle(running_bot, fake_slack)

    assert [r.status for r in replies] == [200, 200]
    assert [i.title for i in all_incidents(running_bot.bot.ctx)] == ["Search is slow"]
    assert incident_channels(fake_slack) == ["inc-1-search-is-slow"]


def test_a_double_clicked_update_modal_posts_one_update(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    update = {
        "type": "view_submission",
        "team": {"id": fake_slack.team_id, "domain": "watch"},
        "user": {"id": "UBEN", "username": "ben", "name": "ben", "team_id": fake_slack.team_id},
        "api_app_id": "A0WATCH",
        "token": "unused-verification-token",
        "trigger_id": "trigger-submit-update",
        "view": {
            "id": "V0UPDATE1",
            "type": "modal",
            "callback_id": "post_update",
            "private_metadata": channel.id,
            "state": {
                "values": {
                    "message": {"message": {"type": "plain_text_input", "value": "ETA 10 min"}}
                }
            },
        },
    }

    slack.interaction(update)
    slack.interaction(update)
    settle(running_bot, fake_slack)

    updates = [e for e in stored(running_bot).timeline if e.kind is EntryKind.UPDATE]
    assert [e.text for e in updates] == ["ETA 10 min"]
    assert len([m for m in bot_messages(fake_slack, channel.id) if "ETA 10 min" in m.text]) == 1


def test_ten_declarations_racing_with_one_title_get_ten_numbers_and_channels(
    fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    slack = signed_slack(running_bot.url, fake_slack.team_id)
    here = general(fake_slack)

    def declare_one() -> Answer:
        return slack.command("declare sev2 Checkout errors", channel=here)

    replies = at_once([declare_one] * 10)
    settle(running_bot, fake_slack, timeout=20)

    assert all(r.status == 200 and "INC-" in r.text for r in replies), [r.body for r in replies]
    incidents = all_incidents(running_bot.bot.ctx)
    assert sorted(i.number for i in incidents) == list(range(1, 11))
    assert len({i.channel_id for i in incidents}) == 10
    assert incident_channels(fake_slack) == sorted(f"inc-{n}-checkout-errors" for n in range(1, 11))
    assert len(fake_slack.calls_to("conversations.create")) == 10


def test_the_same_note_typed_twice_is_two_notes(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    """Two distinct requests (two trigger IDs) with the same words are not a retry."""
    channel = declare(slack, fake_slack)

    as_user(slack, "note Still failing", channel=channel.id)
    as_user(slack, "note Still failing", channel=channel.id)

    notes = [e for e in stored(running_bot).timeline if e.kind is EntryKind.NOTE]
    assert len(notes) == 2
