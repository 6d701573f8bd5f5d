"""The database fails under the running bot: it says "try again", then recovers by itself.

PostgreSQL: the machine's server is shared, so it is never restarted. A restart is what the bot
sees when its connections are cut (`pg_terminate_backend`); an outage window is the bot's own
database refusing connections (`ALLOW_CONNECTIONS false`) with every connection cut, until it
allows them again. SQLite: another process holds the write lock, or the file stops taking writes.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url
from tests.e2e.helpers import bot_messages, declare, settle, stored
from tests.fixtures.bot import (
    BROADCAST,
    RunningBot,
    SignedSlack,
    StartBot,
    bot_environ,
    signed_slack,
)
from tests.fixtures.databases import POSTGRES_ADMIN_URL

from watchkeeper.domain.timeline import EntryKind
from watchkeeper.standin import FakeSlack
from watchkeeper.standin.requests import Answer
from watchkeeper.store import database

TRY_AGAIN = "again in a moment"
#: Slack shows the user an error when the ack takes longer than this.
ACK_DEADLINE = 3.0


def notes(bot: RunningBot) -> list[str]:
    return [e.text for e in stored(bot).timeline if e.kind is EntryKind.NOTE]


def reminders_posted(fake: FakeSlack, channel: str) -> int:
    return sum("for an update on" in m.text for m in bot_messages(fake, channel))


def timed_command(slack: SignedSlack, text: str, channel: str) -> tuple[Answer, float]:
    started = time.monotonic()
    reply = slack.command(text, channel=channel)
    return reply, time.monotonic() - started


def assert_try_again(reply: Answer, took: float) -> None:
    assert reply.status == 200, reply.body
    assert reply.json()["response_type"] == "ephemeral"
    assert TRY_AGAIN in reply.text
    assert "nothing was changed" in reply.text
    assert took < ACK_DEADLINE


# --- PostgreSQL -------------------------------------------------------------------------------


class OwnDatabase:
    """A database of the bot's own on the shared server, and the admin's levers over it."""

    def __init__(self, admin: Engine) -> None:
        self.admin = admin
        self.name = f"watchkeeper_fault_{uuid.uuid4().hex[:12]}"
        self.url = make_url(POSTGRES_ADMIN_URL).set(database=self.name).render_as_string(False)

    def _run(self, sql: str, **params: Any) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(sql), params)

    def create(self) -> None:
        self._run(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        self.allow_connections()
        self._run(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def cut_connections(self) -> None:
        """What a server restart does to the bot: every connection it holds is gone."""
        self._run(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = :name AND pid <> pg_backend_pid()",
            name=self.name,
        )

    def refuse_connections(self) -> None:
        self._run(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false')
        self.cut_connections()

    def allow_connections(self) -> None:
        self._run(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true')


@pytest.fixture
def own_database(postgres_admin: Engine) -> Iterator[OwnDatabase]:
    db = OwnDatabase(postgres_admin)
    db.create()
    try:
        yield db
    finally:
        db.drop()


@pytest.fixture
def pg_bot(start_bot: StartBot, own_database: OwnDatabase) -> RunningBot:
    return start_bot(own_database.url)


@pytest.fixture
def pg_slack(pg_bot: RunningBot, fake_slack: FakeSlack) -> SignedSlack:
    return signed_slack(pg_bot.url, fake_slack.team_id)


@pytest.mark.slow
@pytest.mark.postgres
def test_after_its_connections_are_cut_the_next_command_just_works(
    pg_slack: SignedSlack, fake_slack: FakeSlack, pg_bot: RunningBot, own_database: OwnDatabase
) -> None:
    channel = declare(pg_slack, fake_slack)
    settle(pg_bot, fake_slack)  # the courier idles: the command is the first to need the database

    own_database.cut_connections()
    reply = pg_slack.command("note After the restart", channel=channel.id)

    assert "Note added" in reply.text
    assert notes(pg_bot) == ["After the restart"]
    assert pg_slack.get("/healthz").status == 200


@pytest.mark.slow
@pytest.mark.postgres
def test_after_its_connections_are_cut_healthz_still_says_healthy(
    pg_slack: SignedSlack, fake_slack: FakeSlack, pg_bot: RunningBot, own_database: OwnDatabase
) -> None:
    declare(pg_slack, fake_slack)
    settle(pg_bot, fake_slack)

    own_database.cut_connections()

    # The first to need the database after the cut is the probe: no false alarm for it.
    assert pg_slack.get("/healthz").status == 200


@pytest.mark.slow
@pytest.mark.postgres
def test_during_an_outage_a_command_is_told_to_try_again(
    pg_slack: SignedSlack, fake_slack: FakeSlack, pg_bot: RunningBot, own_database: OwnDatabase
) -> None:
    channel = declare(pg_slack, fake_slack)

    own_database.refuse_connections()
    try:
        reply, took = timed_command(pg_slack, "note During the outage", channel.id)
        declared, _ = timed_command(pg_slack, "declare Second outage", channel.id)
    finally:
        own_database.allow_connections()

    assert_try_again(reply, took)
    assert TRY_AGAIN in declared.text
    assert notes(pg_bot) == [], "nothing half-done survives the outage"


@pytest.mark.slow
@pytest.mark.postgres
def test_during_an_outage_a_modal_shows_try_again_under_its_field(
    pg_slack: SignedSlack, fake_slack: FakeSlack, pg_bot: RunningBot, own_database: OwnDatabase
) -> None:
    channel = declare(pg_slack, fake_slack)
    submission = {
        "type": "view_submission",
        "team": {"id": fake_slack.team_id},
        "user": {"id": "UBEN", "username": "ben", "name": "ben"},
        "trigger_id": "trigger-outage",
        "view": {
            "id": "VOUTAGE1",
            "type": "modal",
            "callback_id": "post_update",
            "private_metadata": channel.id,
            "state": {
                "values": {"message": {"message": {"type": "plain_text_input", "value": "Hi"}}}
            },
        },
    }

    own_database.refuse_connections()
    try:
        reply = pg_slack.interaction(submission)
    finally:
        own_database.allow_connections()

    assert reply.status == 200, reply.body
    assert reply.json()["response_action"] == "errors"
    assert TRY_AGAIN in reply.json()["errors"]["message"]


@pytest.mark.slow
@pytest.mark.postgres
def test_during_an_outage_healthz_says_503(
    pg_slack: SignedSlack, pg_bot: RunningBot, own_database: OwnDatabase
) -> None:
    own_database.refuse_connections()
    try:
        health = pg_slack.get("/healthz")
    finally:
        own_database.allow_connections()

    assert health.status == 503
    assert health.json()["database"].startswith("unreachable")


@pytest.mark.slow
@pytest.mark.postgres
def test_after_an_outage_the_bot_recovers_without_a_restart(
    fake_slack: FakeSlack, own_database: OwnDatabase
) -> None:
    fake_slack.create_channel(BROADCAST, with_bot=True)
    environ = bot_environ(fake_slack, own_database.url, WATCHKEEPER_REMINDER_INTERVAL="3s")
    running = RunningBot(environ)
    try:
        slack = signed_slack(running.url, fake_slack.team_id)
        channel = declare(slack, fake_slack)
        settle(running, fake_slack)  # nothing in flight when the database goes
        own_database.refuse_connections()
        during = slack.command("note During the outage", channel=channel.id)
        time.sleep(3)  # the first reminder falls due; the courier and the scheduler fail
        reminded_before = reminders_posted(fake_slack, channel.id)
        own_database.allow_connections()

        reply = slack.command("note After the outage", channel=channel.id)
        health = slack.get("/healthz")
        delivered = fake_slack.wait_for(
            lambda: [
                m for m in bot_messages(fake_slack, channel.id) if "After the outage" in m.text
            ],
            timeout=15,
        )
        reminded = fake_slack.wait_for(
            lambda: reminders_posted(fake_slack, channel.id) > reminded_before, timeout=15
        )
    finally:
        running.stop()

    assert TRY_AGAIN in during.text
    assert "Note added" in reply.text, "the next command works"
    assert health.status == 200, health.body
    parts = ("status", "database", "courier", "scheduler")
    assert {part: health.json()[part] for part in parts} == dict.fromkeys(parts, "ok")
    assert delivered, "the courier delivers again"
    assert reminded, "the reminder that fell due during the outage is sent"


# --- SQLite -----------------------------------------------------------------------------------


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Path:
    return tmp_path / "watchkeeper.db"


@pytest.fixture
def lite_bot(start_bot: StartBot, sqlite_file: Path) -> RunningBot:
    return start_bot(f"sqlite:///{sqlite_file}")


@pytest.fixture
def lite_slack(lite_bot: RunningBot, fake_slack: FakeSlack) -> SignedSlack:
    return signed_slack(lite_bot.url, fake_slack.team_id)


class WriteLock:
    """Another process's writer holding the SQLite file's write lock."""

    def __init__(self, path: Path) -> None:
        self._connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)

    def __enter__(self) -> WriteLock:
        self._connection.execute("BEGIN IMMEDIATE")
        return self

    def __exit__(self, *exc: object) -> None:
        self._connection.execute("ROLLBACK")
        self._connection.close()


@pytest.mark.slow
def test_a_sqlite_lock_longer_than_the_busy_timeout_gets_try_again(
    fake_slack: FakeSlack, sqlite_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 2.5 s in production; shortened here so the lock outlasts it quickly.
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_MS", 300)
    fake_slack.create_channel(BROADCAST, with_bot=True)
    running = RunningBot(bot_environ(fake_slack, f"sqlite:///{sqlite_file}"))
    try:
        slack = signed_slack(running.url, fake_slack.team_id)
        channel = declare(slack, fake_slack)
        settle(running, fake_slack)

        with WriteLock(sqlite_file):
            reply, took = timed_command(slack, "note While locked", channel.id)
        after = slack.command("note After the lock", channel=channel.id)

        assert_try_again(reply, took)
        assert "Note added" in after.text
        assert notes(running) == ["After the lock"]
    finally:
        running.stop()


@pytest.mark.slow
def test_a_sqlite_lock_held_for_a_moment_only_delays_the_command(
    lite_slack: SignedSlack, fake_slack: FakeSlack, lite_bot: RunningBot, sqlite_file: Path
) -> None:
    channel = declare(lite_slack, fake_slack)
    settle(lite_bot, fake_slack)
    lock = WriteLock(sqlite_file).__enter__()
    threading.Timer(0.5, lock.__exit__).start()

    reply, took = timed_command(lite_slack, "note Once the lock is gone", channel.id)

    assert "Note added" in reply.text
    assert 0.3 < took < ACK_DEADLINE
    assert notes(lite_bot) == ["Once the lock is gone"]


@pytest.mark.slow
def test_a_sqlite_file_that_takes_no_writes_gets_try_again(
    lite_slack: SignedSlack, fake_slack: FakeSlack, lite_bot: RunningBot
) -> None:
    # As root (the test machine), chmod does not stop writes; `query_only` makes SQLite refuse
    # them exactly as for a read-only file: SQLITE_READONLY, "attempt to write a readonly
    # database", on every connection the bot checks out.
    channel = declare(lite_slack, fake_slack)
    settle(lite_bot, fake_slack)
    read_only = threading.Event()

    def on_checkout(dbapi_connection: sqlite3.Connection, *_: object) -> None:
        dbapi_connection.execute(f"PRAGMA query_only={int(read_only.is_set())}")

    event.listen(lite_bot.bot.engine, "checkout", on_checkout)
    try:
        read_only.set()
        reply, took = timed_command(lite_slack, "note On a read-only disk", channel.id)
        read_only.clear()
        after = lite_slack.command("note Writable again", channel=channel.id)
    finally:
        event.remove(lite_bot.bot.engine, "checkout", on_checkout)

    assert_try_again(reply, took)
    assert "Note added" in after.text
    assert notes(lite_bot) == ["Writable again"]
