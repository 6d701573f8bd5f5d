"""Ack latency of `/incident` over HTTP: Watchkeeper beside a raw server and a bare Bolt app.

Every request is a signed slash command on a new connection; the round trip is timed in the
load generator from connecting to reading the whole answer. The two floors get the very same
requests in the same run (see `bench.floors`). Before each level of concurrency the server's
outbox is left to empty, so the side effects of one level do not slow the next.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import seed
from bench.harness import (
    SIGNING_SECRET,
    Database,
    OutboxWatch,
    ServerProcess,
    clean_environment,
    free_port,
    other_layout_for,
    summarize,
    watchkeeper_server,
)
from bench.load import SLACK_ACK_DEADLINE_S, Command, Outcome, send_commands
from bench.sizes import Sizes
from bench.slack_host import Calls, SlackProxy

#: What responders type, in turn; `{i}` makes each text unique. Declarations open channels too.
MIX = (
    "note Checked the dashboards, nothing new {i}",
    "update Error rate is falling, next update in 30 minutes {i}",
    "timeline",
    "impact Some EU customers see failed payments {i}",
    "summary",
    "cause Expired certificate on the PSP gateway {i}",
    "components checkout, payments",
    "help",
    "action Alert on certificate expiry {i}",
    "list",
    "declare sev3 Bench latency incident {i}",
    "note Rolled the gateway pods {i}",
)
USERS = (("UANA", "ana"), ("UBEN", "ben"), ("UCARA", "cara"), ("UDEV", "dev"))


def commands(count: int, channels: list[str], general: str, start: int = 0) -> list[Command]:
    """`count` commands of the mix, spread over the incident channels."""
    made = []
    for i in range(start, start + count):
        text = MIX[i % len(MIX)].format(i=i)
        channel = (
            general if text.startswith(("declare", "list", "help")) else channels[i % len(channels)]
        )
        user, name = USERS[i % len(USERS)]
        made.append(Command(text, channel, user, name))
    return made


def levels(
    server: ServerProcess,
    sizes: Sizes,
    channels: list[str],
    general: str,
    team_id: str,
    settle: OutboxWatch | None = None,
    slack: SlackProxy | None = None,
) -> dict[str, Any]:
    """Warm up, then each level of concurrency in turn; figures by level.

    The server's CPU time per request covers the request and, where there is an outbox to
    wait for, the side effects it queued.
    """
    url = server.url
    send_commands(
        url,
        commands(sizes.latency_warmup, channels, general),
        clients=1,
        secret=SIGNING_SECRET,
        team_id=team_id,
    )
    results: dict[str, Any] = {}
    sent = sizes.latency_warmup
    for clients, count in zip(sizes.latency_clients, sizes.latency_requests, strict=True):
        if settle is not None:
            settle.wait_empty(120)
        batch = commands(count, channels, general, start=sent)
        sent += count
        cpu_before = server.cpu_seconds()
        calls = Calls(slack) if slack is not None else None
        started = time.perf_counter()
        outcomes = send_commands(
            url, batch, clients=clients, secret=SIGNING_SECRET, team_id=team_id
        )
        wall_s = time.perf_counter() - started
        if settle is not None:
            settle.wait_empty(120)
        results[str(clients)] = {
            **figures(outcomes, wall_s),
            "server_cpu_ms_per_request": (server.cpu_seconds() - cpu_before) * 1000 / count,
            # Over HTTPS each new connection to Slack is a TLS handshake.
            "handshakes_per_1000_slack_calls": calls.handshakes_per_1000_calls() if calls else None,
        }
    return results


def figures(outcomes: list[Outcome], wall_s: float) -> dict[str, Any]:
    """Latency percentiles of the answered requests, and what went wrong with the others."""
    answered = [o.latency_s for o in outcomes if o.status == 200]
    return {
        **summarize(answered),
        "requests": len(outcomes),
        "failed": sum(1 for o in outcomes if o.status != 200),
        "over_slack_deadline": sum(1 for o in answered if o > SLACK_ACK_DEADLINE_S),
        "requests_per_s": len(outcomes) / wall_s if wall_s > 0 else 0.0,
        "first_failure": next(
            (f"{o.status} {o.error or o.body[:200]}" for o in outcomes if o.status != 200), ""
        ),
    }


def floor(kind: str, sizes: Sizes, slack: SlackProxy, scratch: Path) -> dict[str, Any]:
    """Latency of one floor server (`raw`, `bolt` or `bolt-ack`), served from a subprocess."""
    address = slack.address()
    names = [f"floor-{kind}-{n}-{time.time_ns()}" for n in range(sizes.latency_incidents)]
    channels = slack.create_channels(names)
    port = free_port()
    command = [sys.executable, "-m", "bench.floors", kind, "--port", str(port)]
    if kind != "raw":
        command += ["--slack-url", address["url"], "--token", address["token"]]
    env = clean_environment({"PYTHONPATH": str(Path(__file__).resolve().parent.parent)})
    with ServerProcess(command, port=port, env=env, cwd=scratch) as server:
        started_s = server.wait_healthy()
        results = levels(server, sizes, channels, channels[0], address["team_id"], slack=slack)
        results["memory"] = server.memory()
    results["ready_after_s"] = started_s
    return results


def watchkeeper(
    sizes: Sizes, db: Database, slack: SlackProxy, scratch: Path, *, other_layout: bool = False
) -> dict[str, Any]:
    """Latency of `watchkeeper serve` on `db`, with open incidents to command.

    `other_layout`: with the process layout `serve` does not choose by default for `db`
    (`bench.harness.other_layout_for`).
    """
    address = slack.address()
    ctx = seed.context_for(db.url)
    names = [f"inc-lat-{n}-{time.time_ns()}" for n in range(sizes.latency_incidents)]
    channels = slack.create_channels(names)
    seed.open_incidents(ctx, db.url, list(zip(channels, names, strict=True)), datetime.now(UTC))
    general = slack.create_channels([f"general-{time.time_ns()}"])[0]
    watch = OutboxWatch(db.url)
    try:
        with watchkeeper_server(
            db.url,
            address["url"],
            address["token"],
            scratch,
            label=f"{db.kind}-latency",
            settings=other_layout_for(db) if other_layout else None,
        ) as server:
            server.wait_healthy()
            results = levels(
                server, sizes, channels, general, address["team_id"], watch, slack=slack
            )
            results["memory"] = server.memory()
            results["effects_drained"] = watch.wait_empty(120)
    finally:
        watch.close()
    return results
