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
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select

from bench import seed
from bench.harness import Database, percentile, watchkeeper_server
from bench.sizes import Sizes
from bench.slack_host import SlackProxy
from watchkeeper.store.database import normalize_url
from watchkeeper.store.tables import outbox

#: Extra time, per incident, for the server to plan every reminder before they fall due.
LEAD_PER_INCIDENT = timedelta(milliseconds=0.6)


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
        _sleep_until(due - timedelta(seconds=0.5))
        planned_mb = server.memory()["rss_mb"]
        cpu_before = server.cpu_seconds()
        started_late = datetime.now(UTC) > due
        deadline = due + timedelta(seconds=sizes.reminders_timeout_s)
        while datetime.now(UTC) < deadline and slack.messages_in(channels) < count:
            time.sleep(0.5)
        end_memory = server.memory()
        cpu_s = server.cpu_seconds() - cpu_before

    posted = slack.reminder_times(channels)
    firsts = [times[0] for times in posted if times]
    lateness = [t - due.timestamp() for t in firsts]
    claims = [(c - due).total_seconds() for c in _claim_times(db.url)]
    missing = sum(1 for times in posted if not times)
    complete = missing == 0
    return {
        "incidents": count,
        "posted": len(firsts),
        "missing": missing,
        "doubled": sum(1 for times in posted if len(times) > 1),
        "timed_out": not complete,
        "wait_limit_s": sizes.reminders_timeout_s,
        "all_posted_after_s": max(lateness) if complete and lateness else None,
        "lateness_p50_s": percentile(lateness, 0.5) if lateness else None,
        # With reminders missing the true p99 is at least the wait limit: no figure is given.
        "lateness_p99_s": percentile(lateness, 0.99) if missing <= count * 0.01 else None,
        "claim_lateness_p50_s": percentile(claims, 0.5) if claims else None,
        "claim_lateness_p99_s": percentile(claims, 0.99) if claims else None,
        "reminders_per_s": len(firsts) / max(lateness) if lateness and max(lateness) > 0 else 0.0,
        "server_started_late": started_late,
        "idle_rss_mb": idle_mb,
        "planned_rss_mb": planned_mb,
        "scheduler_kb_per_open_incident": (planned_mb - idle_mb) * 1024 / count,
        "server_cpu_ms_per_reminder": cpu_s * 1000 / len(firsts) if firsts else None,
        "peak_rss_mb": end_memory["peak_rss_mb"],
        "seed_s": seed_s,
    }


def _sleep_until(moment: datetime) -> None:
    remaining = (moment - datetime.now(UTC)).total_seconds()
    if remaining > 0:
        time.sleep(remaining)


def _claim_times(database_url: str) -> list[datetime]:
    """When the scheduler claimed each reminder: its outbox row's creation time."""
    engine = create_engine(normalize_url(database_url))
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(outbox.c.created_at).where(outbox.c.kind == "remind"))
            return [row.created_at for row in rows]
    finally:
        engine.dispose()
