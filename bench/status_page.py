"""Status page: how many readers a second `/status` and an incident page serve, beside a floor.

`status_incidents` incidents are published over the page's 90 days of history (most resolved,
a few open), each with a handful of posts. `watchkeeper serve` then answers `status_requests`
GETs of `/status`, and as many of one incident's page, from `status_clients` readers at once,
a new connection each (as a CDN's misses or many browsers would). The floor is the same HTTP
stack answering the same bytes with no work at all (`python -m bench.floors static`): the
figure to read is the ratio, the share of a page's cost that is the bot's.
"""

from __future__ import annotations

import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import seed
from bench.harness import (
    Database,
    ServerProcess,
    clean_environment,
    free_port,
    summarize,
    watchkeeper_server,
)
from bench.load import fetch_many
from bench.sizes import Sizes
from bench.slack_host import SlackProxy
from watchkeeper.domain.incident import Incident
from watchkeeper.domain.status import Status
from watchkeeper.services.publishing import new_public_id
from watchkeeper.store.repository import SqlIncidentRepository

PAGE_NAME = "Bench Status"


def run(sizes: Sizes, db: Database, slack: SlackProxy, scratch: Path) -> dict[str, Any]:
    """Requests a second for the page and an incident page, and the floor's for the same bytes."""
    address = slack.address()
    ctx = seed.context_for(db.url)
    public_id = _publish(ctx.scale.default, db.url, sizes.status_incidents)
    server = watchkeeper_server(
        db.url,
        address["url"],
        address["token"],
        scratch,
        label=f"{db.kind}-status",
        settings={"WATCHKEEPER_STATUS_PAGE_NAME": PAGE_NAME},
    )
    with server:
        server.wait_healthy()
        paths = {"page": "/status", "incident": f"/status/incidents/{public_id}"}
        bodies = {name: _get(server.url + path) for name, path in paths.items()}
        figures: dict[str, Any] = {
            "incidents": sizes.status_incidents,
            "clients": sizes.status_clients,
        }
        for name, path in paths.items():
            figures[name] = _readers(server.url, path, sizes)
            figures[name]["bytes"] = len(bodies[name])
    for name, body in bodies.items():
        floor = _floor(body, scratch / f"{name}.html", sizes)
        figures[name]["floor"] = floor
        served, limit = figures[name]["requests_per_s"], floor["requests_per_s"]
        figures[name]["floor_over_watchkeeper"] = limit / served if served else None
    return figures


def _publish(severity: str, database_url: str, count: int) -> str:
    """`count` published incidents over the last 90 days; the public id of one of them."""
    now = datetime.now(UTC)
    with seed.transaction(database_url) as session:
        repository = SqlIncidentRepository(session)
        public_id = ""
        for n in range(count):
            declared = now - timedelta(days=89) + timedelta(days=89) * n / max(1, count)
            incident = Incident.declare(
                number=repository.next_number(),
                title=f"Delayed deliveries in region {n % 7}",
                severity=severity,
                declared_by="UANA",
                at=declared,
            )
            public_id = new_public_id()
            incident.publish(public_id, incident.title, by="UANA", at=declared)
            step = timedelta(minutes=10)
            incident.set_components((f"Region {n % 7}", "Deliveries"), by="UANA", at=declared)
            incident.change_status(
                Status.IDENTIFIED, by="UANA", at=declared + step, message="A full queue."
            )
            incident.post_update("Draining the queue.", by="UANA", at=declared + 2 * step)
            if n < count - 3:  # the newest three are still open
                incident.resolve(by="UANA", at=declared + 3 * step, message="All clear.")
            repository.add(incident)
    return public_id


def _readers(url: str, path: str, sizes: Sizes) -> dict[str, Any]:
    fetch_many(url, path, clients=sizes.status_clients, total=sizes.status_clients)  # warm up
    started = time.perf_counter()
    outcomes = fetch_many(url, path, clients=sizes.status_clients, total=sizes.status_requests)
    took = time.perf_counter() - started
    ok = [o.latency_s for o in outcomes if o.status == 200]
    return {
        "requests_per_s": len(ok) / took if took else 0.0,
        "failed": len(outcomes) - len(ok),
        **summarize(ok),
    }


def _floor(body: bytes, file: Path, sizes: Sizes) -> dict[str, Any]:
    file.write_bytes(body)
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "bench.floors",
        "static",
        "--port",
        str(port),
        "--body",
        str(file),
    ]
    root = Path(__file__).resolve().parent.parent
    with ServerProcess(
        command, port=port, env=clean_environment({"PYTHONPATH": str(root)})
    ) as floor:
        floor.wait_healthy()
        return _readers(floor.url, "/status", sizes)


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as answer:  # noqa: S310 - loopback
        body: bytes = answer.read()
        return body
