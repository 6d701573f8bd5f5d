"""How late update reminders go out when many incidents fall due at the same moment.

    python -m bench.reminders_lateness --incidents 1000 [--database-url URL] [--latency 0.05]

Seeds N open incidents straight into the store, each with its channel in a local FakeSlack
(every Web API call answered after `--latency` seconds, 50 ms by default, like a real round
trip) and each declared one reminder interval before the same moment T a few seconds ahead.
Then it starts the bot's real reminder scheduler and courier, exactly as `watchkeeper serve`
wires them, and waits until every reminder is in its channel. Lateness is the time Slack
recorded the message minus T; "claimed" is when the scheduler took the reminder in the
database (its outbox row), which splits the lateness into scheduling and delivery.

Without `--database-url` it uses a fresh SQLite file; a PostgreSQL URL must name an empty
database (it is migrated, then filled with the seeded incidents). Results are printed as a
table and written as JSON under `bench/results/`.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from watchkeeper.bootstrap import Watchkeeper, build
from watchkeeper.config import load_settings
from watchkeeper.domain.incident import Incident
from watchkeeper.services.delivery import queue_state
from watchkeeper.services.queries import open_incidents
from watchkeeper.services.reminders import upcoming_reminders
from watchkeeper.standin import FakeSlack
from watchkeeper.standin.state import Message
from watchkeeper.store.database import normalize_url
from watchkeeper.store.tables import outbox

TEMPORARY_SQLITE = "bench.db"
RESULTS = Path(__file__).resolve().parent / "results"
#: Incidents written per transaction while seeding.
SEED_BATCH = 200
#: Time the bot gets to start and plan every reminder before they fall due, plus per incident.
LEAD_BASE = timedelta(seconds=5)
LEAD_PER_INCIDENT = timedelta(milliseconds=5)
#: Courier worker threads, as `watchkeeper serve` starts them.
COURIER_WORKERS = 4


@dataclass(frozen=True)
class Figures:
    """One run's results, as written to the JSON file."""

    incidents: int
    database: str
    latency_s: float
    courier_workers: int
    posted: int
    missing: int
    doubled: int
    median_lateness_s: float
    p90_lateness_s: float
    worst_lateness_s: float
    median_claim_lateness_s: float
    worst_claim_lateness_s: float
    all_posted_after_s: float
    reminders_per_s: float
    seed_s: float
    due_at: str


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    with tempfile.TemporaryDirectory(prefix="watchkeeper-bench-") as scratch:
        url = args.database_url or f"sqlite:///{Path(scratch) / TEMPORARY_SQLITE}"
        with FakeSlack(latency=args.latency) as slack:
            figures = run(slack, url, args.incidents, args.latency, args.timeout)
    print(table(figures))
    written = write(figures)
    print(f"\nJSON: {written}")
    return 0 if figures.missing == 0 and figures.doubled == 0 else 1


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.reminders_lateness",
        description="Measure how late reminders go out when many incidents are due at once.",
    )
    parser.add_argument("--incidents", type=int, default=1000, help="open incidents to seed")
    parser.add_argument(
        "--database-url",
        help="an empty database to use (default: a fresh SQLite file in a temporary folder)",
    )
    parser.add_argument(
        "--latency", type=float, default=0.05, help="seconds FakeSlack takes per call"
    )
    parser.add_argument(
        "--timeout", type=float, default=600, help="seconds to wait for every reminder"
    )
    args = parser.parse_args(argv)
    if args.incidents < 1:
        parser.error("--incidents must be at least 1")
    return args


def run(slack: FakeSlack, url: str, count: int, latency: float, timeout: float) -> Figures:
    settings = load_settings(
        {"SLACK_BOT_TOKEN": slack.token, "SLACK_API_URL": slack.url, "DATABASE_URL": url},
        env_file=None,
    )
    bot = build(settings, courier_workers=COURIER_WORKERS)  # applies the migrations
    try:
        if open_incidents(bot.ctx):
            raise SystemExit(f"{describe(url)} already holds open incidents; give an empty one")
        due = datetime.now(UTC) + LEAD_BASE + LEAD_PER_INCIDENT * count
        seed_started = time.monotonic()
        channels = seed(bot, slack, count, due)
        seed_s = time.monotonic() - seed_started
        if datetime.now(UTC) > due - timedelta(seconds=1):
            print(
                "warning: seeding ran past the due time; lateness includes start-up",
                file=sys.stderr,
            )
        bot.start()
        wait_until_sent(bot, due, timeout)
        claims = claim_times(bot)
    finally:
        bot.stop()

    posted = {number: reminders_in(slack, channel) for number, channel in channels.items()}
    firsts = [messages[0] for messages in posted.values() if messages]
    lateness = sorted(float(m.ts) - due.timestamp() for m in firsts)
    claim_lateness = sorted((claimed - due).total_seconds() for claimed in claims)
    last_posted = max(float(m.ts) for m in firsts) if firsts else float("nan")
    return Figures(
        incidents=count,
        database=describe(url),
        latency_s=latency,
        courier_workers=COURIER_WORKERS,
        posted=len(firsts),
        missing=sum(1 for messages in posted.values() if not messages),
        doubled=sum(1 for messages in posted.values() if len(messages) > 1),
        median_lateness_s=statistics.median(lateness),
        p90_lateness_s=quantile(lateness, 0.9),
        worst_lateness_s=lateness[-1],
        median_claim_lateness_s=statistics.median(claim_lateness),
        worst_claim_lateness_s=claim_lateness[-1],
        all_posted_after_s=last_posted - due.timestamp(),
        reminders_per_s=len(firsts) / (last_posted - due.timestamp()),
        seed_s=seed_s,
        due_at=due.isoformat(),
    )


def seed(bot: Watchkeeper, slack: FakeSlack, count: int, due: datetime) -> dict[int, str]:
    """N open incidents whose first reminder falls due at `due`; their channel IDs by number."""
    ctx = bot.ctx
    channels: dict[int, str] = {}
    interval = ctx.reminders.interval_for(probe(ctx.scale.default))
    for start in range(0, count, SEED_BATCH):
        with ctx.uow() as uow:
            for _ in range(min(SEED_BATCH, count - start)):
                number = uow.incidents.next_number()
                incident = Incident.declare(
                    number=number,
                    title=f"Bench incident {number}",
                    severity=ctx.scale.default,
                    declared_by="UANA",
                    at=due - interval,
                )
                name = f"inc-{number}-bench-incident-{number}"
                incident.channel_id = slack.create_channel(name, with_bot=True).id
                incident.channel_name = name
                uow.incidents.add(incident)
                # Stores the next reminder as the policy computes it: `due`.
                ctx.save(uow, incident)
                channels[number] = incident.channel_id
            uow.commit()
    return channels


def probe(severity: str) -> Incident:
    """An incident of `severity`, for asking the policy its interval."""
    return Incident.declare(
        number=0, title="probe", severity=severity, declared_by="UANA", at=datetime.now(UTC)
    )


def wait_until_sent(bot: Watchkeeper, due: datetime, timeout: float) -> None:
    """Until every reminder due at `due` is claimed and the outbox is empty."""
    deadline = time.monotonic() + (due - datetime.now(UTC)).total_seconds() + timeout
    while time.monotonic() < deadline:
        if datetime.now(UTC) >= due and not upcoming_reminders(bot.ctx, due):
            pending, _ = queue_state(bot.ctx)
            if pending == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"not every reminder went out within {timeout:.0f} s of the due time")


def claim_times(bot: Watchkeeper) -> list[datetime]:
    """When the scheduler claimed each reminder: its outbox row's creation time."""
    with bot.engine.connect() as connection:
        rows = connection.execute(select(outbox.c.created_at).where(outbox.c.kind == "remind"))
        return [row.created_at for row in rows]


def reminders_in(slack: FakeSlack, channel_id: str) -> list[Message]:
    """The reminders in a channel: the bot's messages with the snooze button."""
    return [m for m in slack.messages(channel_id) if "snooze_reminders" in str(m.blocks or "")]


def quantile(ordered: list[float], fraction: float) -> float:
    """The value below which `fraction` of the ordered values fall (nearest rank)."""
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered)) - 1))
    return ordered[rank]


def describe(url: str) -> str:
    """The database kind and name, without credentials."""
    parsed = normalize_url(url)
    if (
        parsed.get_backend_name() == "sqlite"
        and Path(parsed.database or "").name == TEMPORARY_SQLITE
    ):
        return "sqlite (a temporary file)"
    return f"{parsed.get_backend_name()} {parsed.database or ''}".strip()


def table(figures: Figures) -> str:
    rows = [
        ("incidents due at once", f"{figures.incidents}"),
        ("database", figures.database),
        ("FakeSlack latency per call", f"{figures.latency_s * 1000:.0f} ms"),
        ("courier workers", f"{figures.courier_workers}"),
        (
            "reminders posted",
            f"{figures.posted} ({figures.missing} missing, {figures.doubled} doubled)",
        ),
        ("lateness, median", f"{figures.median_lateness_s:.2f} s"),
        ("lateness, 90th percentile", f"{figures.p90_lateness_s:.2f} s"),
        ("lateness, worst", f"{figures.worst_lateness_s:.2f} s"),
        ("claimed after due, median", f"{figures.median_claim_lateness_s:.2f} s"),
        ("claimed after due, worst", f"{figures.worst_claim_lateness_s:.2f} s"),
        ("all posted, from the due time", f"{figures.all_posted_after_s:.2f} s"),
        ("throughput", f"{figures.reminders_per_s:.0f} reminders/s"),
        ("seeding took", f"{figures.seed_s:.2f} s"),
    ]
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label:<{width}}  {value}" for label, value in rows)


def write(figures: Figures) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    kind = figures.database.split()[0]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"reminders_lateness-{kind}-{figures.incidents}-{stamp}.json"
    path.write_text(json.dumps(asdict(figures), indent=2) + "\n")
    return path


if __name__ == "__main__":
    sys.exit(main())
