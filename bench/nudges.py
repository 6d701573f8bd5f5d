"""Nudges at scale: many open follow-ups, a share of which fall due at one moment T.

Open incidents are seeded straight into the store, each with follow-ups agreed through the
domain (an owner and a due day), owned by a few hundred people of the Slack stand-in. Exactly
`nudges_due` of them fall due at T, a few seconds ahead: their due day is T's date (UTC), and
the server's TOML file (`WATCHKEEPER_CONFIG`) sets `[follow_ups] nudge_hour` to T's time of
day. Owners' clocks agree at T: a quarter of them have no known zone (the workspace's, UTC,
applies), the others' zones are ones at UTC+0 all year. The other follow-ups fall due weeks
later. Each incident's nudge is stored in `due_work` as `NudgeRule` computes it; its update
reminder falls due one interval after T, past the wait limit. Then `watchkeeper serve` starts
as a user starts it; its scheduler claims the nudges and the courier opens each owner's
direct-message channel and posts there.

A message is matched to its follow-up through the effect it is marked with (the metadata's
effect ID, whose outbox row names the incident and the follow-up), so posted, missing and
doubled count follow-ups, not messages. Lateness is Slack's time of a follow-up's first nudge
minus T; "claimed" is when the scheduler took it in the database (its outbox row) minus T.

The floor is the bare poster (`bench.floors poster`, as for reminders) posting as many
messages as nudges, one per fresh channel: it opens no direct-message channels.
"""

from __future__ import annotations

import math
import random
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select

from bench import seed
from bench.harness import Database, OutboxWatch, percentile, watchkeeper_server
from bench.reminders import claim_times, poster_floor, posting, sleep_until
from bench.sizes import Sizes
from bench.slack_host import SlackProxy
from watchkeeper.domain.incident import Incident
from watchkeeper.store.database import normalize_url
from watchkeeper.store.tables import outbox

#: The outbox kind of a nudge (a direct message).
KIND = "direct_message"
#: Extra time, per follow-up, to seed them and plan every nudge before they fall due.
LEAD_PER_FOLLOW_UP = timedelta(milliseconds=0.4)
#: Owners' zones, in turn: unknown (the workspace's, UTC), or known and at UTC+0 all year.
ZONES = (None, "Africa/Abidjan", "Atlantic/Reykjavik", "UTC")
#: The longest wait, once every nudge arrived, for any second one still queued.
SETTLE_S = 3.0


def run(sizes: Sizes, db: Database, slack: SlackProxy, scratch: Path) -> dict[str, Any]:
    """Seed the follow-ups, start the server, wait for every nudge due at T; the figures."""
    address = slack.address()
    count, per = sizes.nudges_follow_ups, sizes.nudges_per_incident
    if not 0 < sizes.nudges_due <= count:
        raise ValueError("nudges_due must be between 1 and nudges_follow_ups")
    owners = [
        (f"UOWN{n:04d}", f"owner{n}", ZONES[n % len(ZONES)]) for n in range(sizes.nudges_owners)
    ]
    slack.add_users([(user, name, zone or "UTC") for user, name, zone in owners])
    owner_ids = [user for user, _, _ in owners]

    seed_started = time.perf_counter()
    incidents = math.ceil(count / per)
    names = [f"inc-nudge-{n}-{time.time_ns()}" for n in range(incidents)]
    channels = slack.create_channels(names)
    # Whole seconds: `nudge_hour` is a time of day to the second.
    due = (
        datetime.now(UTC) + timedelta(seconds=sizes.nudges_lead_s + 1) + LEAD_PER_FOLLOW_UP * count
    ).replace(microsecond=0)
    config = scratch / f"nudges-{time.time_ns()}.toml"
    config.write_text(f'[follow_ups]\nnudge_hour = "{due:%H:%M:%S}"\n')
    settings = {"WATCHKEEPER_CONFIG": str(config)}
    ctx = seed.context_for(db.url, settings)
    interval = seed.reminder_interval(ctx)
    if interval <= timedelta(seconds=sizes.nudges_timeout_s):
        raise ValueError(f"update reminders ({interval}) would fall due while nudges are timed")

    falling_due = _falling_due(count, sizes.nudges_due)
    # Owners drawn at random (the same each run): spread by index, the due ones would fall to
    # a fraction of them.
    draw = random.Random(16)  # noqa: S311 - spreads owners, guards nothing
    owner_of = [owners[draw.randrange(len(owners))] for _ in range(count)]
    # (incident number, follow-up number) of each follow-up due at T, and its owner.
    expected: dict[tuple[int, int], str] = {}

    def agree(position: int, incident: Incident) -> None:
        for j in range(position * per, min(count, (position + 1) * per)):
            user, _, zone = owner_of[j]
            day = due.date() if j in falling_due else _weeks_later(due.date(), j)
            action = incident.add_action(
                f"Follow-up {j}: alert on 502s from the PSP.",
                owner_id=user,
                by="UANA",
                at=due,
                due=day,
            )
            action.owner_zone = zone  # as learned from Slack (`users.info`), where known
            if j in falling_due:
                expected[(incident.number, action.number)] = user
                if ctx.nudges.next_nudge(action) != due:
                    raise AssertionError(f"{action} is not nudged at {due}")

    # Declared at T: the update reminders fall due one interval later.
    seed.open_incidents(ctx, db.url, list(zip(channels, names, strict=True)), due, furnish=agree)
    seed_s = time.perf_counter() - seed_started

    with watchkeeper_server(
        db.url,
        address["url"],
        address["token"],
        scratch,
        label=f"{db.kind}-nudges",
        settings=settings,
    ) as server:
        server.wait_healthy()
        sleep_until(due - timedelta(seconds=0.5))
        planned_mb = server.memory()["rss_mb"]
        cpu_before = server.cpu_seconds()
        started_late = datetime.now(UTC) > due
        deadline = due + timedelta(seconds=sizes.nudges_timeout_s)
        while datetime.now(UTC) < deadline and slack.direct_messages_to(owner_ids) < len(expected):
            time.sleep(0.5)
        # A follow-up nudged twice may still be queued: let the outbox empty before counting.
        watch = OutboxWatch(db.url)
        try:
            watch.wait_empty(
                min(SETTLE_S, max(0.0, (deadline - datetime.now(UTC)).total_seconds()))
            )
        finally:
            watch.close()
        end_memory = server.memory()
        cpu_s = server.cpu_seconds() - cpu_before

    follow_up_of = _nudged_follow_ups(db.url)
    times: defaultdict[tuple[int, int], list[float]] = defaultdict(list)
    unexpected = misdirected = 0
    for recipient, effect, at in slack.direct_message_marks(owner_ids):
        key = follow_up_of.get(effect) if effect is not None else None
        if key is None or key not in expected:
            unexpected += 1  # a nudge for a follow-up not due, or a message that is no nudge
            continue
        misdirected += recipient != expected[key]
        times[key].append(at)
    claims = [(c - due).total_seconds() for c in claim_times(db.url, KIND)]
    figures = posting(
        [sorted(times[key]) for key in expected],
        due.timestamp(),
        sizes.nudges_timeout_s,
        rate="nudges_per_s",
    )
    posted = figures["posted"]
    return {
        "follow_ups": count,
        "incidents": incidents,
        "due": len(expected),
        "owners_due": len(set(expected.values())),
        **figures,
        "unexpected": unexpected,
        "misdirected": misdirected,
        "claim_lateness_p50_s": percentile(claims, 0.5) if claims else None,
        "claim_lateness_p99_s": percentile(claims, 0.99) if claims else None,
        "conversations_opened": slack.calls_to("conversations.open"),
        "server_started_late": started_late,
        "planned_rss_mb": planned_mb,
        "server_cpu_ms_per_nudge": cpu_s * 1000 / posted if posted else None,
        "peak_rss_mb": end_memory["peak_rss_mb"],
        "seed_s": seed_s,
    }


def floor(sizes: Sizes, slack: SlackProxy, scratch: Path) -> dict[str, Any]:
    """The bare poster (`bench.floors poster`): as many messages as nudges, all due at T."""
    return poster_floor(
        slack,
        scratch,
        count=sizes.nudges_due,
        threads=sizes.reminders_floor_threads,
        wait_limit_s=sizes.nudges_timeout_s,
        rate="nudges_per_s",
    )


def _falling_due(count: int, due: int) -> set[int]:
    """Which of `count` follow-ups (by index) fall due at T: `due` of them, spread evenly.

    One in each stretch of `count // due`, at a position that turns, so the due ones are not
    all an incident's first (and some incidents have two when the stretch is shorter).
    """
    stride = count // due
    return {k * stride + k % stride for k in range(due)}


def _weeks_later(day: date, index: int) -> date:
    """A due day two to six weeks after `day`, varying with the follow-up."""
    return day + timedelta(days=14 + index % 28)


def _nudged_follow_ups(database_url: str) -> dict[int, tuple[int, int]]:
    """Each nudge's effect ID, with the (incident number, follow-up number) its outbox row names."""
    engine = create_engine(normalize_url(database_url))
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(outbox.c.id, outbox.c.incident_number, outbox.c.payload).where(
                    outbox.c.kind == KIND
                )
            )
            return {
                row.id: (row.incident_number, int(row.payload["action"]))
                for row in rows
                if row.incident_number is not None
            }
    finally:
        engine.dispose()
