"""Outage: how soon an incident channel catches up once Slack answers again.

    python -m bench.outage [--database sqlite|postgresql] [--incidents 50] [--outage 120]

`--incidents` incidents are open, with their channels, when Slack goes down (every Web API call
answers 503). During the outage a responder posts a note in each incident; the bot stores each
at once and keeps trying to tell its channel, backing off. Then Slack comes back; the figure is
the time from that moment until the last of those messages is in Slack, together with how many
calls the bot made while Slack was down (what it costs a struggling Slack).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import seed
from bench.harness import (
    SIGNING_SECRET,
    OutboxWatch,
    fresh_database,
    postgres_reachable,
    watchkeeper_server,
)
from bench.load import Command, send_commands
from bench.slack_host import SlackProxy, slack_host

MARKER = r"outage\d{4}"


def run(
    database: str, incidents: int, outage_s: float, slack: SlackProxy, scratch: Path
) -> dict[str, Any]:
    """One outage against `watchkeeper serve` on a fresh `database`."""
    with fresh_database(database, scratch) as db:
        address = slack.address()
        ctx = seed.context_for(db.url)
        names = [f"inc-outage-{n}-{time.time_ns()}" for n in range(incidents)]
        channels = slack.create_channels(names)
        seed.open_incidents(ctx, db.url, list(zip(channels, names, strict=True)), datetime.now(UTC))
        watch = OutboxWatch(db.url)
        try:
            with watchkeeper_server(
                db.url, address["url"], address["token"], scratch, label=f"{db.kind}-outage"
            ) as server:
                server.wait_healthy()
                slack.outage(True)
                calls_before = slack.web_api_calls()
                notes = [
                    Command(f"note Said during the outage outage{n:04d}", channel)
                    for n, channel in enumerate(channels)
                ]
                acked = send_commands(
                    server.url, notes, clients=10, secret=SIGNING_SECRET, team_id=address["team_id"]
                )
                time.sleep(outage_s)
                calls_while_down = slack.web_api_calls() - calls_before
                back = time.time()
                slack.outage(False)
                drained = watch.wait_empty(120, every=0.05)
        finally:
            watch.close()
    told = slack.marker_times(MARKER)
    last = max((max(times) for times in told.values()), default=float("nan"))
    return {
        "database": database,
        "incidents": incidents,
        "outage_s": outage_s,
        "notes_acked": sum(1 for outcome in acked if outcome.status == 200),
        "notes_in_slack": len(told),
        "drained": drained,
        "calls_while_down": calls_while_down,
        "calls_per_s_while_down": round(calls_while_down / outage_s, 2),
        "last_in_slack_after_back_s": round(last - back, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.outage", description=__doc__)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--incidents", type=int, default=50)
    parser.add_argument("--outage", type=float, default=120.0, help="seconds Slack is down")
    args = parser.parse_args(argv)
    databases = args.database or ["sqlite", "postgresql"]
    results = []
    with tempfile.TemporaryDirectory() as scratch, slack_host(latency=0.05) as slack:
        for database in databases:
            if database == "postgresql" and (why := postgres_reachable()):
                print(f"skipping postgresql: {why}", file=sys.stderr)
                continue
            results.append(run(database, args.incidents, args.outage, slack, Path(scratch)))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
