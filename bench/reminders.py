"""Reminders at scale: many open incidents whose update reminders all fall due at one moment T.

The incidents are seeded straight into the store, each with its channel in the Slack stand-in
and declared one reminder interval before T, a few seconds ahead. Then `watchkeeper serve`
starts as a user starts it; its reminder scheduler plans every reminder from the database
and the courier posts them. Lateness is when Slack recorded the reminder minus T; "claimed"
is when the scheduler took the reminder in the database (its outbox row), which splits the
lateness into scheduling and delivery.

Scheduler memory per open incident is the server's resident memory once every reminder is
planned (just before T) minus the same server's idle memory on an empty database, divided by
the number of open incidents.

The floor is a bare poster in a process of its own (`bench.floors poster`) with a fresh
stand-in: as many `chat.postMessage` calls, one per channel, handed to a pool of threads at
its own moment T, timed the same way. The stand-in's pacing bounds how fast anything posts.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select

from bench import seed
from bench.harness import Database, clean_environment, percentile, watchkeeper_server
from bench.sizes import Sizes
from bench.slack_host import Calls, SlackProxy
from watchkeeper.store.database import normalize_url
from watchkeeper.store.tables import outbox

#: Extra time, per incident, for the server to plan every reminder before they fall due.
LEAD_PER_INCIDENT = timedelta(milliseconds=0.6)
#: Time the bare poster gets to start (an interpreter, slack_sdk) before its moment T.
POSTER_LEAD_S = 3.0


def run(sizes: Sizes, db: Database, slack: SlackProxy, scratch: Path) -> dict[str, Any]:
    address = slack.address()
    ctx = seed.context_for(db.url)
    with watchkeeper_server(
        db.url, address["url"], address["token"], scratch, label=f"{db.kind}-reminders"
    ) as server:
        server.wait_healthy()
        time.sleep(1.0)
        idle_mb = server.memory()["rss_mb"]

    count = sizes.reminders
    seed_started = time.perf_counter()
    names = [f"inc-remind-{n}-{time.time_ns()}" for n in range(count)]
    channels = slack.create_channels(names)
    due = datetime.now(UTC) + timedelta(seconds=sizes.reminders_lead_s) + LEAD_PER_INCIDENT * count
    interval = seed.reminder_interval(ctx)
    seed.open_incidents(ctx, db.url, list(zip(channels, names, strict=True)), due - interval)
    seed_s = time.perf_counter() - seed_started

    with watchkeeper_server(
        db.url, address["url"], address["token"], scratch, label=f"{db.kind}-reminders"
    ) as server:
        server.wait_healthy()
        sleep_until(due - timedelta(seconds=0.5))
        planned_mb = server.memory()["rss_mb"]
        cpu_before = server.cpu_seconds()
        calls = Calls(slack)
        started_late = datetime.now(UTC) > due
        deadline = due + timedelta(seconds=sizes.reminders_timeout_s)
        while datetime.now(UTC) < deadline and slack.messages_in(channels) < count:
            time.sleep(0.5)
        end_memory = server.memory()
        cpu_s = server.cpu_seconds() - cpu_before
        handshakes = calls.handshakes_per_1000_calls()

    claims = [(c - due).total_seconds() for c in claim_times(db.url, "remind")]
    figures = posting(slack.reminder_times(channels), due.timestamp(), sizes.reminders_timeout_s)
    posted = figures["posted"]
    return {
        "incidents": count,
        **figures,
        "claim_lateness_p50_s": percentile(claims, 0.5) if claims else None,
        "claim_lateness_p99_s": percentile(claims, 0.99) if claims else None,
        "server_started_late": started_late,
        "idle_rss_mb": idle_mb,
        "planned_rss_mb": planned_mb,
        "scheduler_kb_per_open_incident": (planned_mb - idle_mb) * 1024 / count,
        "server_cpu_ms_per_reminder": cpu_s * 1000 / posted if posted else None,
        "handshakes_per_1000_slack_calls": handshakes,
        "peak_rss_mb": end_memory["peak_rss_mb"],
        "seed_s": seed_s,
    }


def floor(sizes: Sizes, slack: SlackProxy, scratch: Path) -> dict[str, Any]:
    """The bare poster (`bench.floors poster`): as many messages as reminders, all due at T."""
    return poster_floor(
        slack,
        scratch,
        count=sizes.reminders,
        threads=sizes.reminders_floor_threads,
        wait_limit_s=sizes.reminders_timeout_s,
    )


def poster_floor(
    slack: SlackProxy,
    scratch: Path,
    *,
    count: int,
    threads: int,
    wait_limit_s: float,
    rate: str = "reminders_per_s",
) -> dict[str, Any]:
    """The bare poster: `count` messages, one per fresh channel, handed to `threads` threads at
    its moment T; timed as `posting` times them (`rate` names the messages-per-second figure)."""
    address = slack.address()
    channels = slack.create_channels([f"floor-poster-{n}-{time.time_ns()}" for n in range(count)])
    due = time.time() + POSTER_LEAD_S
    command = [
        sys.executable,
        "-m",
        "bench.floors",
        "poster",
        "--slack-url",
        address["url"],
        "--token",
        address["token"],
        "--threads",
        str(threads),
        "--at",
        repr(due),
    ]
    env = clean_environment({"PYTHONPATH": str(Path(__file__).resolve().parent.parent)})
    poster: dict[str, Any] = {"started_late": None, "failed": None, "first_failure": ""}
    calls = Calls(slack)
    try:
        done = subprocess.run(  # noqa: S603 - this interpreter running the bench package
            command,
            input="\n".join(channels),
            capture_output=True,
            text=True,
            env=env,
            cwd=scratch,
            # Killed at the wait limit, as the benchmark it is the floor of stops waiting there.
            timeout=due + wait_limit_s - time.time(),
            check=False,
        )
    except subprocess.TimeoutExpired:
        pass
    else:
        if done.returncode != 0:
            raise RuntimeError(f"the bare poster exited with {done.returncode}:\n{done.stderr}")
        poster = json.loads(done.stdout)
    figures = posting(slack.message_times(channels), due, wait_limit_s, rate=rate)
    return {
        "messages": count,
        "threads": threads,
        **figures,
        "poster_started_late": poster["started_late"],
        "failed": poster["failed"],
        "first_failure": poster["first_failure"],
        "handshakes_per_1000_slack_calls": calls.handshakes_per_1000_calls(),
        "poster_cpu_ms_per_post": (
            poster["cpu_s"] * 1000 / figures["posted"]
            if "cpu_s" in poster and figures["posted"]
            else None
        ),
    }


def posting(
    posted: list[list[float]], due_s: float, wait_limit_s: float, *, rate: str = "reminders_per_s"
) -> dict[str, Any]:
    """From the times of each expected message (per channel, say): what arrived, how often, and
    how late after `due_s` (epoch s); `rate` names the messages-per-second figure."""
    count = len(posted)
    firsts = [times[0] for times in posted if times]
    lateness = [t - due_s for t in firsts]
    missing = count - len(firsts)
    complete = missing == 0
    return {
        "posted": len(firsts),
        "missing": missing,
        "doubled": sum(1 for times in posted if len(times) > 1),
        "timed_out": not complete,
        "wait_limit_s": wait_limit_s,
        "all_posted_after_s": max(lateness) if complete and lateness else None,
        "lateness_p50_s": percentile(lateness, 0.5) if lateness else None,
        # With messages missing the true p99 is at least the wait limit: no figure is given.
        "lateness_p99_s": percentile(lateness, 0.99) if missing <= count * 0.01 else None,
        rate: len(firsts) / max(lateness) if lateness and max(lateness) > 0 else 0.0,
    }


def sleep_until(moment: datetime) -> None:
    """Sleep until `moment` (at once if it passed)."""
    remaining = (moment - datetime.now(UTC)).total_seconds()
    if remaining > 0:
        time.sleep(remaining)


def claim_times(database_url: str, kind: str) -> list[datetime]:
    """When the scheduler claimed each piece of due work: its outbox rows' (of `kind`) creation."""
    engine = create_engine(normalize_url(database_url))
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(outbox.c.created_at).where(outbox.c.kind == kind))
            return [row.created_at for row in rows]
    finally:
        engine.dispose()
