"""Alert storm: how many incidents a burst of alerts declares, and how fast it is taken in.

    python -m bench.alert_storm [--database sqlite|postgresql] [--alerts 1000] [--groups 100]
                                [--senders 8] [--max-per-hour N]

A running bot (in this process, over HTTP on loopback, talking to the Slack stand-in) receives
`--alerts` alerts in `--groups` Alertmanager groups, from `--senders` threads at once, as an
Alertmanager whose whole fleet fires at one moment would send them. Then every group is sent
again, as Alertmanager repeats it. The figures: the outcomes of each round, how many incidents
and channels exist, and how long the storm took to be taken in and to reach Slack. With the
default quiet rule (`max_incidents_per_hour = 10`) a storm of any size declares at most 10.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench.harness import fresh_database, postgres_reachable
from watchkeeper.bootstrap import build
from watchkeeper.config import load_settings
from watchkeeper.services.outbox import queue_state
from watchkeeper.services.queries import all_incidents
from watchkeeper.standin import FakeSlack
from watchkeeper.web import BackgroundServer, web_app

TOKEN = "storm-token-0123456789"  # noqa: S105 - a made-up token for a loopback bot


def notification(group: int, alerts: int) -> bytes:
    """One Alertmanager notification: group `group` with `alerts` firing alerts."""
    service = f"service-{group:03d}"
    firing = [
        {
            "status": "firing",
            "labels": {
                "alertname": "InstanceDown",
                "service": service,
                "instance": f"{service}-{n}:9100",
                "severity": "critical",
            },
            "annotations": {"summary": f"{service} instance down"},
            "startsAt": "2026-01-01T00:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph?g0.expr=up+%3D%3D+0",
            "fingerprint": f"{group:04x}{n:06x}",
        }
        for n in range(alerts)
    ]
    body = {
        "version": "4",
        "groupKey": f'{{}}:{{alertname="InstanceDown", service="{service}"}}',
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "watchkeeper",
        "groupLabels": {"alertname": "InstanceDown", "service": service},
        "commonLabels": {"alertname": "InstanceDown", "service": service, "severity": "critical"},
        "commonAnnotations": {"summary": f"{service} instance down"},
        "externalURL": "http://alertmanager:9093",
        "alerts": firing,
    }
    return json.dumps(body).encode()


def send(url: str, body: bytes) -> str:
    request = urllib.request.Request(  # noqa: S310 - the loopback bot under test
        f"{url}/hooks/alertmanager",
        data=body,
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310 - loopback
            return str(json.loads(answer.read())["outcome"])
    except urllib.error.HTTPError as error:
        return f"http_{error.code}"


def storm(url: str, bodies: list[bytes], senders: int) -> tuple[Counter[str], float]:
    started = time.perf_counter()
    with ThreadPoolExecutor(senders) as pool:
        outcomes = Counter(pool.map(lambda body: send(url, body), bodies))
    return outcomes, time.perf_counter() - started


def run(
    kind: str, alerts: int, groups: int, senders: int, max_per_hour: int | None
) -> dict[str, Any]:
    """One storm on a fresh database of `kind`."""
    per_group = [alerts // groups + (1 if n < alerts % groups else 0) for n in range(groups)]
    bodies = [notification(group, count) for group, count in enumerate(per_group)]
    with tempfile.TemporaryDirectory() as scratch, fresh_database(kind, Path(scratch)) as db:
        toml = Path(scratch) / "watchkeeper.toml"
        rules = f"max_incidents_per_hour = {max_per_hour}\n" if max_per_hour else ""
        toml.write_text(f'[alerts.alertmanager]\nseverity_map = {{ critical = "SEV1" }}\n{rules}')
        with FakeSlack() as slack:
            settings = load_settings(
                {
                    "SLACK_BOT_TOKEN": slack.token,
                    "SLACK_SIGNING_SECRET": "storm-signing-secret",
                    "SLACK_API_URL": slack.url,
                    "DATABASE_URL": db.url,
                    "WATCHKEEPER_HOOK_TOKENS": f"alertmanager={TOKEN}",
                    "WATCHKEEPER_CONFIG": str(toml),
                },
                env_file=None,
            )
            bot = build(settings)
            bot.start()
            server = BackgroundServer(
                web_app(bot.bolt, bot.metrics, bot.health, extra_routes=bot.hook_routes)
            )
            server.start()
            try:
                first, took = storm(server.url, bodies, senders)
                started = time.perf_counter()
                while queue_state(bot.ctx)[0]:
                    time.sleep(0.05)
                caught_up = time.perf_counter() - started
                again, took_again = storm(server.url, bodies, senders)
                incidents = all_incidents(bot.ctx, history=False)
            finally:
                server.stop()
                bot.stop()
            channels = [c for c in slack.channels if c.name.startswith("inc-")]
    return {
        "database": kind,
        "alerts": alerts,
        "groups": groups,
        "senders": senders,
        "max_incidents_per_hour": max_per_hour
        or settings.alert_policy("alertmanager").max_incidents_per_hour,
        "storm": dict(first),
        "incidents_declared": len(incidents),
        "incident_channels": len(channels),
        "storm_taken_in_s": round(took, 2),
        "slack_caught_up_after_s": round(caught_up, 2),
        "repeat": dict(again),
        "repeat_taken_in_s": round(took_again, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.alert_storm", description=__doc__)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--alerts", type=int, default=1000)
    parser.add_argument("--groups", type=int, default=100)
    parser.add_argument("--senders", type=int, default=8, help="notifications sent at once")
    parser.add_argument("--max-per-hour", type=int, help="the quiet rule (default: the default)")
    args = parser.parse_args(argv)
    results = []
    for kind in args.database or ["sqlite", "postgresql"]:
        if kind == "postgresql" and (why := postgres_reachable()):
            print(f"skipping postgresql: {why}", file=sys.stderr)
            continue
        results.append(run(kind, args.alerts, args.groups, args.senders, args.max_per_hour))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
