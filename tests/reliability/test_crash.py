"""SIGKILL in the middle of a burst: no acked command is lost, and what it owes Slack happens once.

The real `watchkeeper serve` runs as a subprocess against the Slack stand-in (in this process),
with Slack answering slowly so that deliveries are under way when the process is killed. A
fresh `serve` on the same database must then finish every pending side effect: the ones nobody
had claimed at once, the dead process's claims when their leases run out, and none twice even
where Slack had already done the work but the dead process never recorded it.
"""

from __future__ import annotations

import http.client
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.fixtures.bot import BROADCAST, bot_environ, signed_slack
from tests.fixtures.served import Served

from watchkeeper.bootstrap import offline_context
from watchkeeper.config import load_settings
from watchkeeper.domain.timeline import EntryKind
from watchkeeper.services.context import Context
from watchkeeper.services.outbox import queue_state
from watchkeeper.services.queries import all_incidents
from watchkeeper.slack.receipts import EVENT_TYPE
from watchkeeper.standin import FakeSlack
from watchkeeper.store.database import make_engine
from watchkeeper.store.tables import outbox

INCIDENTS = 6
#: More notes than can be acked before the kill even on a busy machine: the kill lands mid-burst.
NOTES_PER_INCIDENT = 40
KILL_AFTER_ACKS = 24
#: How long each chat.postMessage takes while the first process runs: deliveries are in flight.
SLOW_POST = 1.0


@pytest.fixture
def environment(fake_slack: FakeSlack, database_url: str) -> dict[str, str]:
    """`serve`'s environment: the stand-in for Slack, the test database, a broadcast channel."""
    fake_slack.create_channel(BROADCAST, with_bot=True)
    return {**os.environ, **bot_environ(fake_slack, database_url)}


@pytest.fixture
def serve(environment: dict[str, str], tmp_path: Path) -> Iterator[Callable[[str], Served]]:
    """Starts `serve` processes on the test database; none outlives the test."""
    started: list[Served] = []

    def start(name: str) -> Served:
        started.append(Served(environment, tmp_path, tmp_path / f"{name}.log"))
        return started[-1]

    yield start
    for served in started:
        served.stop()


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def incident_channels_ready(fake: FakeSlack) -> bool:
    """Every incident channel is open with its card pinned."""
    opened = [c for c in fake.channels if c.name.startswith("inc-")]
    return len(opened) == INCIDENTS and all(fake.pins(c.id) for c in opened)


def burst(
    url: str, team_id: str, channels: list[str], acked: list[str], stop: threading.Event
) -> None:
    """Notes into every incident channel at once, one thread each, until the server dies."""
    slack = signed_slack(url, team_id)
    slack.timeout = 5

    def notes_into(incident: int, channel_id: str) -> None:
        for k in range(1, NOTES_PER_INCIDENT + 1):
            text = f"burst note {incident}.{k:02d}"  # fixed width: no note's text holds another's
            try:
                reply = slack.command(f"note {text}", channel=channel_id)
            except (OSError, http.client.HTTPException):
                # The server was killed under this request (perhaps mid-answer): no ack, no promise.
                return
            if reply.status == 200 and "Note added" in reply.text:
                acked.append(text)
            if stop.is_set():
                return

    threads = [
        threading.Thread(target=notes_into, args=(n, channel_id))
        for n, channel_id in enumerate(channels, start=1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)


def notes_in(ctx: Context) -> dict[str, str]:
    """Every note stored, by text, with the channel of its incident."""
    return {
        entry.text: str(incident.channel_id)
        for incident in all_incidents(ctx)
        for entry in incident.timeline
        if entry.kind is EntryKind.NOTE
    }


def pending_effects(database_url: str) -> set[int]:
    """The outbox rows not delivered yet, read straight from the table."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            query = select(outbox.c.id).where(outbox.c.done_at.is_(None))
            return set(connection.scalars(query))
    finally:
        engine.dispose()


def markers(fake: FakeSlack) -> Counter[int]:
    """How many messages carry each effect's marker, across every channel."""
    found: Counter[int] = Counter()
    for channel in fake.channels:
        for message in channel.messages:
            metadata = message.metadata or {}
            if metadata.get("event_type") == EVENT_TYPE:
                found[int(metadata["event_payload"]["effect"])] += 1
    return found


@pytest.mark.slow
def test_sigkill_mid_burst_loses_no_acked_command_and_delivers_each_effect_once(
    fake_slack: FakeSlack, environment: dict[str, str], serve: Callable[[str], Served]
) -> None:
    ctx = offline_context(load_settings(environment, env_file=None))
    first = serve("first")
    slack = signed_slack(first.url, fake_slack.team_id)
    for n in range(1, INCIDENTS + 1):
        reply = slack.command(f"declare sev2 Burst incident {n}", channel="C0GENERAL")
        assert reply.status == 200 and f"INC-{n}" in reply.text, reply.body
    wait_for(lambda: incident_channels_ready(fake_slack), 20, "the incident channels")
    channels = [str(i.channel_id) for i in all_incidents(ctx)]
    fake_slack.slow("chat.postMessage", SLOW_POST, times=1000)

    acked: list[str] = []
    stop = threading.Event()
    sender = threading.Thread(
        target=burst, args=(first.url, fake_slack.team_id, channels, acked, stop)
    )
    sender.start()
    posts_before = len(fake_slack.calls_to("chat.postMessage"))

    def mid_burst_with_posts_in_flight() -> bool:
        posting = len(fake_slack.calls_to("chat.postMessage")) - posts_before
        return len(acked) >= KILL_AFTER_ACKS and posting >= 2

    wait_for(mid_burst_with_posts_in_flight, 20, "acks and deliveries before the kill")
    first.kill()
    stop.set()
    sender.join(30)
    time.sleep(SLOW_POST + 0.2)  # calls the dead process made still land in Slack

    stored = notes_in(ctx)
    assert len(acked) < INCIDENTS * NOTES_PER_INCIDENT, "the kill came after the burst"
    assert set(acked) <= set(stored), "an acknowledged command was lost"
    delivered_but_unrecorded = set(markers(fake_slack)) & pending_effects(
        environment["DATABASE_URL"]
    )
    assert delivered_but_unrecorded, "the kill should catch deliveries under way"

    fake_slack.clear_faults()
    serve("second")
    wait_for(lambda: queue_state(ctx)[0] == 0, 40, "the restarted bot to finish delivering")

    assert all(count == 1 for count in markers(fake_slack).values()), markers(fake_slack)
    for text, channel_id in stored.items():
        told = [m for m in fake_slack.messages(channel_id) if text in m.text]
        assert len(told) == 1, f"{text!r} was told {len(told)} times"
    for n, channel_id in enumerate(channels, start=1):
        told = [m.text for m in fake_slack.messages(channel_id) if "burst note" in m.text]
        numbers = [int(re.findall(rf"burst note {n}\.(\d+)", t)[0]) for t in told]
        assert numbers == sorted(numbers), f"INC-{n} heard its notes out of order"
