"""Slack failing under the running bot: rate limits, errors, timeouts, hang-ups, outages, lost answers.

Each test injects one fault in the Slack stand-in and checks what responders would see: the ack
is immediate, the timeline entry is stored at once, and the channel gets each message exactly
once, in order, as soon as Slack lets it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from sqlalchemy import select
from tests.e2e.helpers import as_user, bot_messages, declare, general, settle, stored
from tests.fixtures.bot import (
    BROADCAST,
    RunningBot,
    SignedSlack,
    StartBot,
    signed_slack,
)

from watchkeeper.domain.timeline import EntryKind
from watchkeeper.services.effects import Effect, EffectKind, entry_payload
from watchkeeper.services.outbox import card_of
from watchkeeper.services.ports import ClaimedEffect
from watchkeeper.services.settling import backoff
from watchkeeper.slack.failures import ADVICE, judge
from watchkeeper.slack.receipts import marker
from watchkeeper.standin import FakeSlack
from watchkeeper.standin.state import Message
from watchkeeper.store.tables import outbox

#: Seconds a Web API call may take in these tests before the bot gives up on it.
TIMEOUT = 1
CHANNEL = "inc-1-checkout-errors"


@pytest.fixture
def running_bot(start_bot: StartBot) -> RunningBot:
    """The bot on SQLite, with a short Slack timeout so that slow calls fail fast."""
    return start_bot(slack_timeout=TIMEOUT)


@pytest.fixture
def any_db_bot(start_bot: StartBot, database_url: str) -> RunningBot:
    """The same bot on SQLite and on PostgreSQL, for tests where the store matters."""
    return start_bot(database_url, slack_timeout=TIMEOUT)


def saying(fake: FakeSlack, channel: str, words: str) -> list[Message]:
    """The bot's messages in the channel that contain `words`."""
    return [m for m in bot_messages(fake, channel) if words in m.text]


def call_times(fake: FakeSlack, method: str) -> list[float]:
    return [call.at for call in fake.calls if call.method == method]


def wait_until(condition: Callable[[], object], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition was not met in time"
        time.sleep(0.02)


# --- rate limits and slowness never delay an ack ---------------------------------------------


@pytest.mark.slow
def test_a_rate_limited_post_waits_at_least_retry_after_then_goes_out(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    settle(running_bot, fake_slack)
    fake_slack.fail("chat.postMessage", status=429, retry_after=2)
    posts_before = len(call_times(fake_slack, "chat.postMessage"))

    as_user(slack, "note Checkout latency back to normal", channel=channel.id)
    settle(running_bot, fake_slack, timeout=10)

    refused, retried = call_times(fake_slack, "chat.postMessage")[posts_before:]
    assert retried - refused >= 2.0
    assert len(saying(fake_slack, channel.id, "Checkout latency back to normal")) == 1


def test_acks_stay_fast_while_every_slack_call_is_slow_or_rate_limited(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    for method in ("conversations.create", "chat.postMessage", "conversations.history"):
        fake_slack.slow(method, 5.0, times=100)
    fake_slack.fail("conversations.list", status=429, retry_after=30, times=100)

    took = []
    for number in range(1, 6):
        started = time.monotonic()
        reply = slack.command(f"declare Payments down {number}", channel=general(fake_slack))
        took.append(time.monotonic() - started)
        assert reply.status == 200 and f"INC-{number}" in reply.text, reply.body

    # Each Slack call takes 5 s: an ack that waited on one would take that long. Slack's own
    # 3 s deadline is the bound, so a loaded machine (the suite runs on several workers) passes.
    assert max(took) < 3.0, took
    fake_slack.clear_faults()


def test_the_rate_limit_delay_is_retry_after_and_other_failures_back_off_to_a_cap() -> None:
    limited = SlackApiError(
        "ratelimited",
        SlackResponse(
            client=None,
            http_verb="POST",
            api_url="https://slack.com/api/chat.postMessage",
            req_args={},
            data={"ok": False, "error": "ratelimited"},
            headers={"Retry-After": "17"},
            status_code=429,
        ),
    )

    assert judge(limited, attempts=0).delay == timedelta(seconds=17)
    assert [backoff(n, spread=lambda: 0).total_seconds() for n in range(6)] == [1, 2, 4, 8, 16, 16]
    assert backoff(30, spread=lambda: 0.999) < timedelta(seconds=20)
    assert backoff(10_000, spread=lambda: 0) == timedelta(seconds=16)
    assert (
        timedelta(seconds=16)
        <= judge(TimeoutError("timed out"), attempts=12).delay
        < timedelta(seconds=20)
    )


# --- transient failures are retried until the message is there, once ------------------------


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(lambda fake: fake.fail("chat.postMessage", status=500), id="500"),
        pytest.param(lambda fake: fake.fail("chat.postMessage", status=503), id="503"),
        pytest.param(lambda fake: fake.slow("chat.postMessage", TIMEOUT + 0.5), id="timeout"),
        pytest.param(lambda fake: fake.drop("chat.postMessage"), id="hang-up"),
        pytest.param(
            lambda fake: fake.drop("chat.postMessage", after_processing=True),
            id="answer-lost",
        ),
    ],
)
def test_a_failed_post_is_retried_and_reaches_the_channel_exactly_once(
    slack: SignedSlack,
    fake_slack: FakeSlack,
    running_bot: RunningBot,
    fault: Callable[[FakeSlack], None],
) -> None:
    channel = declare(slack, fake_slack)
    settle(running_bot, fake_slack)
    posts_before = len(call_times(fake_slack, "chat.postMessage"))
    fault(fake_slack)

    as_user(slack, "note Rolled back the payments deploy", channel=channel.id)
    settle(running_bot, fake_slack, timeout=10)

    assert len(call_times(fake_slack, "chat.postMessage")) - posts_before >= 1
    assert len(saying(fake_slack, channel.id, "Rolled back the payments deploy")) == 1


@pytest.mark.slow
def test_a_slack_outage_delays_the_messages_but_stores_the_entries_at_once(
    fake_slack: FakeSlack, any_db_bot: RunningBot
) -> None:
    slack = signed_slack(any_db_bot.url, fake_slack.team_id)
    channel = declare(slack, fake_slack)
    settle(any_db_bot, fake_slack)
    card_ts = fake_slack.pins(channel.id)[0].ts
    fake_slack.fail("chat.postMessage", status=503, times=2)
    posts_before = len(call_times(fake_slack, "chat.postMessage"))

    said = ["note Payments provider confirms an outage", "status identified", "note Failover"]
    for text in said:
        assert as_user(slack, text, channel=channel.id)

    kinds = [entry.kind for entry in stored(any_db_bot).timeline]
    assert kinds[-3:] == [EntryKind.NOTE, EntryKind.STATUS_CHANGED, EntryKind.NOTE]
    assert not saying(fake_slack, channel.id, "Payments provider")
    settle(any_db_bot, fake_slack, timeout=20)
    told = [m.text for m in bot_messages(fake_slack, channel.id) if m.ts != card_ts]
    assert len(told) == 3
    assert "Payments provider confirms an outage" in told[0]
    assert "Identified" in told[1]
    assert "Failover" in told[2]
    first, second, third, *_ = call_times(fake_slack, "chat.postMessage")[posts_before:]
    assert second - first >= 1.0 and third - second >= 2.0, "retries back off"
    assert "Identified" in fake_slack.channel(channel.id).topic
    card = fake_slack.pins(channel.id)[0]
    assert card.edited is not None and "Identified" in str(card.blocks)


# --- partial work resumes without redoing what is done ---------------------------------------


def test_an_invite_that_failed_after_the_channel_was_created_resumes_in_that_channel(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    fake_slack.fail("conversations.invite", status=500)

    channel = declare(slack, fake_slack)
    settle(running_bot, fake_slack)

    assert len(fake_slack.calls_to("conversations.create")) == 1
    assert len(fake_slack.calls_to("conversations.invite")) == 2
    assert "UANA" in fake_slack.channel(channel.id).members
    assert len(fake_slack.pins(channel.id)) == 1
    assert stored(running_bot).channel_id == channel.id


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(lambda fake: fake.fail("chat.postMessage", status=500), id="refused"),
        pytest.param(
            lambda fake: fake.drop("chat.postMessage", after_processing=True), id="answer-lost"
        ),
    ],
)
def test_a_card_that_failed_to_post_is_posted_once_in_the_same_channel(
    slack: SignedSlack,
    fake_slack: FakeSlack,
    running_bot: RunningBot,
    fault: Callable[[FakeSlack], None],
) -> None:
    fault(fake_slack)

    channel = declare(slack, fake_slack)
    settle(running_bot, fake_slack)

    assert len(fake_slack.calls_to("conversations.create")) == 1
    cards = [m for m in bot_messages(fake_slack, channel.id) if m.blocks]
    assert len(cards) == 1
    assert [pin.ts for pin in fake_slack.pins(channel.id)] == [cards[0].ts]
    assert card_of(running_bot.bot.ctx, 1) == cards[0].ts


def test_a_channel_whose_creation_answer_was_lost_is_adopted_not_duplicated(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    fake_slack.drop("conversations.create", after_processing=True)

    channel = declare(slack, fake_slack)
    settle(running_bot, fake_slack)

    incident_channels = [c.name for c in fake_slack.channels if c.name.startswith("inc-1")]
    assert incident_channels == [CHANNEL]
    assert stored(running_bot).channel_id == channel.id
    assert len(fake_slack.pins(channel.id)) == 1
    assert "UANA" in fake_slack.channel(channel.id).members


def make_as_the_bot(fake: FakeSlack, name: str) -> str:
    """A channel the bot itself made earlier, as another install or a wiped database would."""
    created = WebClient(token=fake.token, base_url=fake.url).conversations_create(name=name)
    return str(created["channel"]["id"])


@pytest.mark.parametrize(
    "arrange",
    [
        pytest.param(lambda fake: fake.create_channel(CHANNEL), id="made-by-a-person"),
        pytest.param(
            lambda fake: fake.archive_channel(make_as_the_bot(fake, CHANNEL)),
            id="archived",
        ),
    ],
)
def test_a_taken_name_that_is_not_the_incidents_own_channel_gets_a_suffix(
    slack: SignedSlack,
    fake_slack: FakeSlack,
    running_bot: RunningBot,
    arrange: Callable[[FakeSlack], object],
) -> None:
    arrange(fake_slack)

    declare(slack, fake_slack, channel_name=f"{CHANNEL}-2")
    settle(running_bot, fake_slack)

    assert stored(running_bot).channel_name == f"{CHANNEL}-2"


def test_a_bot_channel_topic_naming_another_incident_is_not_adopted(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    taken = make_as_the_bot(fake_slack, CHANNEL)
    client = WebClient(token=fake_slack.token, base_url=fake_slack.url)
    client.conversations_setTopic(channel=taken, topic="INC-12 | SEV2 | Resolved | Old outage")

    declare(slack, fake_slack, channel_name=f"{CHANNEL}-2")

    assert stored(running_bot).channel_id != taken


# --- exactly once when the worker that delivered died before it could say so ----------------


def claimed_by_a_dead_worker(running_bot: RunningBot, text: str) -> ClaimedEffect:
    """An announcement a worker claimed, for one second, before it died unheard of."""
    ctx = running_bot.bot.ctx
    entry = entry_payload(stored(running_bot).timeline[0])
    announcement = {"entry": {**entry, "text": text}, "target": "channel"}
    with ctx.uow() as uow:
        uow.outbox.add(Effect(EffectKind.ANNOUNCE_ENTRY, 1, announcement), ctx.now())
        [claimed] = uow.outbox.claim("dead-worker", ctx.now(), timedelta(seconds=1), limit=1)
        uow.commit()
    return claimed


def marked_for(fake: FakeSlack, channel_id: str, effect: ClaimedEffect) -> list[str]:
    """The texts of the messages carrying the effect's marker exactly."""
    ours = marker(effect)
    return [m.text for m in fake.messages(channel_id) if m.metadata == ours]


@pytest.mark.slow
def test_an_effect_whose_worker_died_after_posting_is_not_posted_again(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    settle(running_bot, fake_slack)
    claimed = claimed_by_a_dead_worker(running_bot, "Dead worker")
    WebClient(token=fake_slack.token, base_url=fake_slack.url).chat_postMessage(
        channel=channel.id, text="posted by the dead worker", metadata=marker(claimed)
    )

    settle(running_bot, fake_slack, timeout=10)

    assert marked_for(fake_slack, channel.id, claimed) == ["posted by the dead worker"]
    history = fake_slack.calls_to("conversations.history")
    assert history and history[-1]["channel"] == channel.id


@pytest.mark.slow
def test_an_earlier_databases_marker_with_the_same_effect_number_is_not_taken_for_ours(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    settle(running_bot, fake_slack)
    claimed = claimed_by_a_dead_worker(running_bot, "Still told")
    theirs = marker(claimed)
    theirs["event_payload"]["queued"] -= 86_400_000  # the same effect ID, a day before
    WebClient(token=fake_slack.token, base_url=fake_slack.url).chat_postMessage(
        channel=channel.id, text="from a wiped database", metadata=theirs
    )

    settle(running_bot, fake_slack, timeout=10)

    [told] = marked_for(fake_slack, channel.id, claimed)
    assert "Still told" in told


def test_reports_whose_sharing_answer_was_lost_are_shared_once(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    channel = declare(slack, fake_slack)
    fake_slack.drop("files.completeUploadExternal", after_processing=True)

    as_user(slack, "resolve Payments flow again", channel=channel.id)
    settle(running_bot, fake_slack, timeout=10)

    shared = [m for m in fake_slack.messages(channel.id) if m.files]
    assert len(shared) == 1
    assert sorted(f.title for f in shared[0].files) == [
        "INC-1 postmortem draft",
        "INC-1 status-page report",
    ]
    # The retry found the shared message: no second upload, no second share.
    assert len(fake_slack.calls_to("files.getUploadURLExternal")) == 2
    assert len(fake_slack.calls_to("files.completeUploadExternal")) == 1


# --- refusals: "already so" is success; the others say what to fix, once ---------------------


def test_already_pinned_and_already_in_channel_count_as_done(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    fake_slack.fail("pins.add", error="already_pinned")
    fake_slack.fail("conversations.invite", error="already_in_channel")

    declare_without_waiting_for_the_pin = slack.command(
        "declare sev2 Checkout errors", channel=general(fake_slack)
    )
    settle(running_bot, fake_slack)

    assert declare_without_waiting_for_the_pin.status == 200
    assert len(fake_slack.calls_to("pins.add")) == 1
    assert len(fake_slack.calls_to("conversations.invite")) == 1
    assert len(fake_slack.calls_to("conversations.create")) == 1
    with running_bot.bot.engine.connect() as connection:
        tries = connection.execute(select(outbox.c.kind, outbox.c.attempts)).all()
    assert all(attempts == 0 for _, attempts in tries), tries


@pytest.mark.parametrize(
    "code", ["not_in_channel", "is_archived", "channel_not_found", "missing_scope", "invalid_auth"]
)
def test_a_refusal_no_retry_can_fix_is_given_up_and_explained_in_the_log_and_channel(
    slack: SignedSlack,
    fake_slack: FakeSlack,
    running_bot: RunningBot,
    caplog: pytest.LogCaptureFixture,
    code: str,
) -> None:
    channel = declare(slack, fake_slack)
    settle(running_bot, fake_slack)
    posts_before = len(call_times(fake_slack, "chat.postMessage"))
    fake_slack.fail("chat.postMessage", error=code)

    as_user(slack, "note Queue drained", channel=channel.id)
    settle(running_bot, fake_slack)

    # One refused try, then the notice: no retry of what cannot succeed.
    assert len(call_times(fake_slack, "chat.postMessage")) - posts_before == 2
    [warning] = saying(fake_slack, channel.id, ":warning: INC-1")
    advice = ADVICE[code]
    told = f"could not post a timeline entry in this channel. Slack refused the call: {code}."
    assert told in warning.text
    assert advice in warning.text
    assert f"gave up on announce_entry for INC-1: Slack refused the call: {code}" in caplog.text
    assert advice in caplog.text


def test_an_archived_broadcast_channel_is_explained_in_the_incident_channel(
    slack: SignedSlack, fake_slack: FakeSlack, running_bot: RunningBot
) -> None:
    fake_slack.archive_channel(BROADCAST)

    channel = declare(slack, fake_slack)
    settle(running_bot, fake_slack)

    [warning] = saying(fake_slack, channel.id, ":warning:")
    assert "could not announce an entry in the broadcast channel" in warning.text
    assert "is_archived" in warning.text and "unarchive it" in warning.text
