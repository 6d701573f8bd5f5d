"""Recovering as fast as Slack does: outages, rate-limited listings, invites, slow databases, zones.

- Once Slack answers again, what waited out the outage goes at once: the first delivery that
  succeeds wakes the rest (a frozen clock shows it is not their backoff running out). A rate
  limit's `Retry-After` is still honoured exactly.
- A channel lookup refused mid-listing resumes from the page it stopped at; a private broadcast
  channel is found.
- Invites: everyone who can be invited is; the declarer hears who could not be, and why.
- A form whose contents come from a slow (locked) database still opens inside Slack's 3 s.
- Times across a daylight-saving change land at the right instant and say EDT or EST.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine, create_engine, select, text
from tests.e2e.helpers import as_user, bot_messages, declare, general, settle, stored
from tests.fixtures.bot import (
    BROADCAST,
    RunningBot,
    SignedSlack,
    StartBot,
    bot_environ,
    signed_slack,
)

from watchkeeper.clock import FrozenClock
from watchkeeper.config import load_settings
from watchkeeper.diagnostics import diagnose
from watchkeeper.domain.milestones import Milestone
from watchkeeper.slack.channels import find_by_name
from watchkeeper.standin import FakeSlack
from watchkeeper.store.migrate import upgrade
from watchkeeper.store.tables import outbox


def saying(fake: FakeSlack, channel: str, words: str) -> list[Any]:
    return [m for m in bot_messages(fake, channel) if words in m.text]


def note_row(bot: RunningBot, words: str) -> Any:
    """The outbox row of the announcement of the note saying `words`."""
    with bot.bot.engine.connect() as connection:
        rows = connection.execute(
            select(outbox).where(outbox.c.kind == "announce_entry").order_by(outbox.c.id)
        ).all()
    return next(row for row in rows if words in row.payload["entry"]["text"])


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime.now(UTC))


@pytest.fixture
def frozen_bot(start_bot: StartBot, database_url: str, clock: FrozenClock) -> RunningBot:
    """A bot whose clock stands still: no retry falls due by the passing of time."""
    return start_bot(database_url, clock=clock)


@pytest.fixture
def frozen(frozen_bot: RunningBot, fake_slack: FakeSlack) -> SignedSlack:
    return signed_slack(frozen_bot.url, fake_slack.team_id)


# --- the end of an outage --------------------------------------------------------------------


@pytest.mark.slow
def test_the_first_delivery_after_an_outage_wakes_what_waited_it_out(
    frozen: SignedSlack, fake_slack: FakeSlack, frozen_bot: RunningBot
) -> None:
    first = declare(frozen, fake_slack)
    settle(frozen_bot, fake_slack)
    fake_slack.go_down()
    as_user(frozen, "note Said during the outage", channel=first.id)
    fake_slack.wait_for(lambda: note_row(frozen_bot, "during the outage").attempts >= 1)
    fake_slack.come_back()
    waiting = note_row(frozen_bot, "during the outage")

    declare(frozen, fake_slack, "declare Search is slow", channel_name="inc-2-search-is-slow")
    told = fake_slack.wait_for(lambda: saying(fake_slack, first.id, "Said during the outage"))

    assert waiting.waiting == "outage"
    assert waiting.next_attempt_at > frozen_bot.bot.ctx.now()  # its own retry never came
    assert len(told) == 1


@pytest.mark.slow
def test_a_rate_limited_effect_waits_its_full_retry_after_even_when_others_succeed(
    frozen: SignedSlack, fake_slack: FakeSlack, frozen_bot: RunningBot, clock: FrozenClock
) -> None:
    first = declare(frozen, fake_slack)
    settle(frozen_bot, fake_slack)
    fake_slack.fail("chat.postMessage", status=429, retry_after=30)
    as_user(frozen, "note Said while rate limited", channel=first.id)
    fake_slack.wait_for(lambda: note_row(frozen_bot, "while rate limited").attempts >= 1)

    second = declare(
        frozen, fake_slack, "declare Search is slow", channel_name="inc-2-search-is-slow"
    )
    fake_slack.wait_for(lambda: saying(fake_slack, second.id, "INC-2"))
    held = note_row(frozen_bot, "while rate limited")

    assert held.done_at is None
    assert held.waiting is None
    assert held.next_attempt_at == clock.now() + timedelta(seconds=30)
    assert not saying(fake_slack, first.id, "Said while rate limited")


# --- channel lookups ------------------------------------------------------------------------------


def test_a_lookup_refused_in_mid_listing_resumes_from_that_page(fake_slack: FakeSlack) -> None:
    for n in range(2100):  # three pages of 1,000
        fake_slack.create_channel(f"team-{n:04d}")
    wanted = fake_slack.create_channel("status-updates")
    fake_slack.fail("conversations.list", status=429, retry_after=2, after=1)
    waits: list[float] = []
    client = WebClient(token=fake_slack.token, base_url=fake_slack.url, retry_handlers=[])

    found = find_by_name(client, "#status-updates", sleep=waits.append)

    assert found is not None and found["id"] == wanted.id
    cursors = [call.get("cursor") for call in fake_slack.calls_to("conversations.list")]
    assert len(cursors) == 4  # page 1, refused page 2, page 2 again, page 3
    assert cursors[1] == cursors[2] and cursors[1]
    assert waits == [2.0]


@pytest.mark.slow
def test_a_private_broadcast_channel_is_found_so_a_lost_answer_posts_once(
    fake_slack: FakeSlack, sqlite_url: str
) -> None:
    private = fake_slack.create_channel("incident-leads", private=True, with_bot=True)
    environ = {
        **bot_environ(fake_slack, sqlite_url),
        "WATCHKEEPER_BROADCAST_CHANNEL": "#incident-leads",
    }
    # The card posts first; the announcement's answer is lost after Slack posted it.
    fake_slack.drop("chat.postMessage", after_processing=True, after=1)
    running = RunningBot(environ)
    try:
        slack = signed_slack(running.url, fake_slack.team_id)
        declare(slack, fake_slack)
        settle(running, fake_slack, timeout=10)
        announced = saying(fake_slack, private.id, "INC-1 declared")
    finally:
        running.stop()

    looked = [c for c in fake_slack.calls_to("conversations.history") if c["channel"] == private.id]
    assert looked, "the retry looked for its lost post in the private channel"
    assert len(announced) == 1


def test_check_finds_a_private_broadcast_channel_the_bot_is_in(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    fake_slack.create_channel("incident-leads", private=True, with_bot=True)
    database = f"sqlite:///{tmp_path / 'wk.db'}"
    upgrade(database)
    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": fake_slack.token,
            "SLACK_API_URL": fake_slack.url,
            "DATABASE_URL": database,
            "WATCHKEEPER_BROADCAST_CHANNEL": "#incident-leads",
        },
        env_file=None,
        toml=False,
    )

    findings = {finding.check: finding for finding in diagnose(settings)}

    assert findings["broadcast channel"].ok, findings["broadcast channel"].detail


# --- invites ---------------------------------------------------------------------------------------

RESPONDERS = """
[[severity]]
name = "SEV1"
responders = ["UBEN", "UGUEST", "UGONE", "S0ONCALL"]

[[severity]]
name = "SEV2"
"""


@pytest.mark.slow
def test_invites_bring_everyone_who_can_come_and_name_who_could_not(
    fake_slack: FakeSlack, sqlite_url: str, tmp_path: Path
) -> None:
    fake_slack.add_user("UGUEST", "gus", guest=True)
    fake_slack.add_user("UGONE", "gone", deactivated=True)
    fake_slack.create_channel(BROADCAST, with_bot=True)
    config = tmp_path / "watchkeeper.toml"
    config.write_text(RESPONDERS)
    running = RunningBot(bot_environ(fake_slack, sqlite_url, WATCHKEEPER_CONFIG=str(config)))
    try:
        slack = signed_slack(running.url, fake_slack.team_id)
        channel = declare(
            slack, fake_slack, "declare SEV1 Payments down", channel_name="inc-1-payments-down"
        )
        notice = fake_slack.wait_for(lambda: saying(fake_slack, channel.id, "could not invite"))
        settle(running, fake_slack)
        members = fake_slack.channel(channel.id).members
        notices = saying(fake_slack, channel.id, "could not invite")
    finally:
        running.stop()

    assert {"UANA", "UBEN"} <= members
    assert not {"UGUEST", "UGONE"} & members
    assert len(notices) == 1
    said = notice[0].text
    assert said.startswith(":warning: <@UANA>, I invited everyone else but could not invite ")
    assert "<@UGUEST> (a guest account, which only a person can invite)" in said
    assert "<@UGONE> (a deactivated account)" in said
    assert "S0ONCALL (not a person in this workspace (a user group? name its members))" in said


# --- forms open while the database is slow -------------------------------------------------------


@pytest.fixture
def postgres_bot(fake_slack: FakeSlack, postgres_admin: Engine) -> Iterator[tuple[RunningBot, str]]:
    from tests.fixtures.databases import throwaway_postgres

    with throwaway_postgres(postgres_admin) as url:
        fake_slack.create_channel(BROADCAST, with_bot=True)
        running = RunningBot(bot_environ(fake_slack, url))
        try:
            yield running, url
        finally:
            running.stop()


class TableLock:
    """Another session holding `LOCK TABLE … ACCESS EXCLUSIVE`: even reads of it wait."""

    def __init__(self, url: str, *tables: str) -> None:
        self._engine = create_engine(url)
        self._connection = self._engine.connect()
        self._transaction = self._connection.begin()
        for table in tables:
            self._connection.execute(text(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
        self.held = True

    def release(self) -> None:
        self.held = False
        self._transaction.rollback()
        self._connection.close()
        self._engine.dispose()


def click(channel_id: str, ts: str, action_id: str, number: int) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "team": {"id": "T0WATCH", "domain": "watch"},
        "user": {"id": "UBEN", "username": "ben", "name": "ben", "team_id": "T0WATCH"},
        "api_app_id": "A0WATCH",
        "trigger_id": f"trigger-{action_id}",
        "channel": {"id": channel_id, "name": "inc-1-checkout-errors"},
        "container": {"type": "message", "message_ts": ts, "channel_id": channel_id},
        "message": {"ts": ts, "text": "card"},
        "actions": [
            {"action_id": action_id, "block_id": "b", "value": str(number), "type": "button"}
        ],
    }


@pytest.mark.slow
@pytest.mark.postgres
def test_a_card_form_opens_while_the_database_is_locked_and_fills_in_after(
    fake_slack: FakeSlack, postgres_bot: tuple[RunningBot, str]
) -> None:
    running, url = postgres_bot
    slack = signed_slack(running.url, fake_slack.team_id)
    channel = declare(slack, fake_slack)
    settle(running, fake_slack)
    card = fake_slack.pins(channel.id)[0]
    lock = TableLock(url, "incidents")
    try:
        reply = slack.interaction(click(channel.id, card.ts, "open_status_modal", 1))
        opened = fake_slack.wait_for(lambda: fake_slack.views, timeout=5)[0]
        opened_while_locked = lock.held
    finally:
        lock.release()
    filled = fake_slack.wait_for(
        lambda: [v for v in fake_slack.views if v.payload.get("callback_id") == "change_status"]
    )[0]

    assert reply.status == 200
    assert opened_while_locked
    assert opened.trigger_id == "trigger-open_status_modal"
    assert filled.id == opened.id  # the same modal, filled in by views.update
    assert "INC-1" in filled.payload["title"]["text"]


@pytest.mark.slow
@pytest.mark.postgres
def test_the_declare_form_opens_while_the_database_is_locked(
    fake_slack: FakeSlack, postgres_bot: tuple[RunningBot, str]
) -> None:
    running, url = postgres_bot
    slack = signed_slack(running.url, fake_slack.team_id)
    lock = TableLock(url, "incidents", "handled_requests", "outbox")
    try:
        reply = slack.command("declare", channel=general(fake_slack))
        form = fake_slack.wait_for(lambda: fake_slack.views, timeout=5)[0]
        opened_while_locked = lock.held
    finally:
        lock.release()

    assert reply.status == 200
    assert opened_while_locked
    assert form.payload["callback_id"] == "declare_incident"


# --- daylight saving time --------------------------------------------------------------------------


@pytest.fixture
def new_york(fake_slack: FakeSlack, sqlite_url: str) -> Iterator[tuple[RunningBot, FrozenClock]]:
    # Sunday 8 March 2026: New York springs forward from 02:00 EST to 03:00 EDT.
    clock = FrozenClock(datetime(2026, 3, 8, 6, 30, tzinfo=UTC))  # 01:30 EST
    fake_slack.create_channel(BROADCAST, with_bot=True)
    environ = bot_environ(fake_slack, sqlite_url, WATCHKEEPER_TIMEZONE="America/New_York")
    running = RunningBot(environ, clock=clock)
    try:
        yield running, clock
    finally:
        running.stop()


@pytest.mark.slow
def test_a_reminder_across_the_spring_change_falls_due_an_hour_later_shown_in_edt(
    fake_slack: FakeSlack, new_york: tuple[RunningBot, FrozenClock]
) -> None:
    running, _ = new_york
    slack = signed_slack(running.url, fake_slack.team_id)
    channel = declare(slack, fake_slack)

    reply = as_user(slack, "remind 1h", channel=channel.id)

    # 01:30 EST + 1 hour is 03:30 EDT: the wall clock jumps, the hour does not.
    assert reply == "Next update reminder for INC-1: Mar 8, 03:30 EDT."
    incident = stored(running)
    assert running.bot.ctx.reminders.due_at(incident) == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("now", "typed_utc", "shown"),
    [
        # After spring forward: 08:38 is EDT, four hours behind UTC.
        (
            datetime(2026, 3, 8, 14, 0, tzinfo=UTC),
            datetime(2026, 3, 8, 12, 38, tzinfo=UTC),
            "Mar 8, 08:38 EDT",
        ),
        # After fall back: 08:38 is EST, five hours behind UTC.
        (
            datetime(2026, 11, 1, 15, 0, tzinfo=UTC),
            datetime(2026, 11, 1, 13, 38, tzinfo=UTC),
            "Nov 1, 08:38 EST",
        ),
    ],
)
def test_a_bare_time_on_a_change_day_is_read_in_that_days_offset(
    fake_slack: FakeSlack,
    new_york: tuple[RunningBot, FrozenClock],
    now: datetime,
    typed_utc: datetime,
    shown: str,
) -> None:
    running, clock = new_york
    clock.set(now - timedelta(hours=1))
    slack = signed_slack(running.url, fake_slack.team_id)
    channel = declare(slack, fake_slack)
    clock.set(now)

    reply = as_user(slack, "set identified 08:38", channel=channel.id)

    assert reply == f"INC-1: identified set to {shown}."
    assert stored(running).milestones[Milestone.IDENTIFIED] == typed_utc
