"""Burst: thousands of commands across many incidents as fast as the server takes them.

The incidents are open, with their channels, before the burst. Every command carries a unique
marker (`mk000123`) in its text, so afterwards the benchmark can count, per command, the
timeline entries in the database (lost: none; doubled: more than one) and the messages that
reached the Slack stand-in. Memory is read from `/proc/<pid>/status` of the server: `VmHWM`
is the peak resident size of the process's whole life, `VmRSS` the size now.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select

from bench import seed
from bench.harness import (
    SIGNING_SECRET,
    Database,
    OutboxWatch,
    memory_of,
    other_layout_for,
    summarize,
    watchkeeper_server,
)
from bench.load import SLACK_ACK_DEADLINE_S, Command, send_commands
from bench.sizes import Sizes
from bench.slack_host import Calls, SlackProxy
from watchkeeper.store.database import normalize_url
from watchkeeper.store.tables import timeline_entries

#: Subcommands of the burst, each leaving one timeline entry with its text and one message.
MIX = (
    "note Checked the gateway logs {m}",
    "update Error rate is falling {m}",
    "note Rolled the pods again {m}",
    "impact Some EU card payments fail {m}",
    "note Paged the payments team {m}",
    "cause Expired certificate {m}",
    "action Alert on certificate expiry {m}",
    "update Fix deployed, monitoring {m}",
)
USERS = (("UANA", "ana"), ("UBEN", "ben"), ("UCARA", "cara"), ("UDEV", "dev"))
MARKER = re.compile(r"mk\d{6}")
REFUSAL = ":warning:"


def marker(i: int) -> str:
    return f"mk{i:06d}"


def run(
    sizes: Sizes, db: Database, slack: SlackProxy, scratch: Path, *, other_layout: bool = False
) -> dict[str, Any]:
    """The burst against `watchkeeper serve` (`other_layout`: see `bench.harness.other_layout_for`)."""
    address = slack.address()
    ctx = seed.context_for(db.url)
    names = [f"inc-burst-{n}-{time.time_ns()}" for n in range(sizes.burst_incidents)]
    channels = slack.create_channels(names)
    seed.open_incidents(ctx, db.url, list(zip(channels, names, strict=True)), datetime.now(UTC))
    burst = [
        Command(
            MIX[i % len(MIX)].format(m=marker(i)),
            channels[i % len(channels)],
            *USERS[(i // len(channels)) % len(USERS)],
        )
        for i in range(sizes.burst_commands)
    ]
    watch = OutboxWatch(db.url)
    try:
        with watchkeeper_server(
            db.url,
            address["url"],
            address["token"],
            scratch,
            label=f"{db.kind}-burst",
            settings=other_layout_for(db) if other_layout else None,
        ) as server:
            server.wait_healthy()
            time.sleep(1.0)  # let the start-up work (auth.test, the first sync) finish
            before = server.memory()
            cpu_before = server.cpu_seconds()
            calls = Calls(slack)
            sampler = _PeakSampler(server.pids)
            sampler.start()
            started = time.perf_counter()
            started_wall = time.time()
            outcomes = send_commands(
                server.url,
                burst,
                clients=sizes.burst_clients,
                secret=SIGNING_SECRET,
                team_id=address["team_id"],
            )
            acked_s = time.perf_counter() - started
            drained = watch.wait_empty(sizes.burst_drain_timeout_s)
            drained_s = time.perf_counter() - started
            sampler.stop()
            after = server.memory()
            cpu_s = server.cpu_seconds() - cpu_before
            handshakes = calls.handshakes_per_1000_calls()
    finally:
        watch.close()

    in_slack = slack.marker_times(MARKER.pattern)
    stored = _stored_markers(db.url)
    accepted = {
        MARKER.search(o.command.text).group()  # type: ignore[union-attr]  # every text has one
        for o in outcomes
        if o.status == 200 and REFUSAL not in o.body
    }
    refusals = Counter(
        f"{o.status} {o.error or o.body[:160]}"
        for o in outcomes
        if o.status != 200 or REFUSAL in o.body
    )
    expected = [marker(i) for i in range(sizes.burst_commands)]
    last_in_slack = max((max(times) for times in in_slack.values()), default=started_wall)
    answered = [o.latency_s for o in outcomes if o.status == 200]
    return {
        "commands": len(burst),
        "incidents": len(channels),
        "clients": sizes.burst_clients,
        "acked_ok": len(accepted),
        "failed_or_refused": len(burst) - len(accepted),
        "refusals": dict(refusals.most_common(5)),
        "lost": sum(1 for m in expected if stored[m] == 0),
        "duplicate_entries": sum(1 for m in expected if stored[m] > 1),
        "acks_s": acked_s,
        "acks_per_s": len(burst) / acked_s if acked_s > 0 else 0.0,
        "ack": summarize(answered),
        "acks_over_slack_deadline": sum(1 for a in answered if a > SLACK_ACK_DEADLINE_S),
        "side_effects_drained": drained,
        # Not every effect delivered within the wait: the true figure is above the limit.
        "all_in_slack_after_s": last_in_slack - started_wall if drained else None,
        "wait_limit_s": acked_s + sizes.burst_drain_timeout_s,
        "outbox_empty_after_s": drained_s if drained else None,
        "server_cpu_ms_per_command": cpu_s * 1000 / len(burst),
        "handshakes_per_1000_slack_calls": handshakes,
        "messages_missing_in_slack": sum(1 for m in expected if not in_slack.get(m)),
        "messages_doubled_in_slack": sum(1 for m in expected if len(in_slack.get(m, [])) > 1),
        "rss_start_mb": before["rss_mb"],
        "rss_end_mb": after["rss_mb"],
        "rss_growth_mb": after["rss_mb"] - before["rss_mb"],
        "peak_rss_mb": max(after["peak_rss_mb"], sampler.peak_mb),
    }


def _stored_markers(database_url: str) -> Counter[str]:
    """How many timeline entries carry each marker."""
    engine = create_engine(normalize_url(database_url))
    try:
        with engine.connect() as connection:
            texts = connection.execute(select(timeline_entries.c.text)).scalars()
            return Counter(m for text in texts for m in MARKER.findall(text or ""))
    finally:
        engine.dispose()


class _PeakSampler:
    """Samples the processes' resident memory, summed, in the background; `VmHWM` backs it up."""

    def __init__(self, pids: tuple[int, ...], every: float = 0.25) -> None:
        self._pids = pids
        self._every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.peak_mb = 0.0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            try:
                resident = sum(memory_of(pid)["rss_mb"] for pid in self._pids)
                self.peak_mb = max(self.peak_mb, resident)
            except FileNotFoundError:
                return
