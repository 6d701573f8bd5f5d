"""Start-up: from `watchkeeper serve` to a healthy `/healthz`, and the memory of an idle bot.

Two starts on one database: the first on an empty database (it applies the migrations), the
second on the migrated one (a restart). Idle memory is the resident size a couple of seconds
after the second start, with no incident open and nothing to deliver.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench.harness import Database, watchkeeper_server
from bench.slack_host import SlackProxy

#: How long the bot idles before its memory is read.
IDLE_S = 2.0


def run(db: Database, slack: SlackProxy, scratch: Path) -> dict[str, Any]:
    address = slack.address()
    with watchkeeper_server(
        db.url, address["url"], address["token"], scratch, label=f"{db.kind}-startup"
    ) as server:
        first_s = server.wait_healthy()
    with watchkeeper_server(
        db.url, address["url"], address["token"], scratch, label=f"{db.kind}-startup"
    ) as server:
        restart_s = server.wait_healthy()
        time.sleep(IDLE_S)
        memory = server.memory()
    return {
        "first_start_s": first_s,
        "restart_s": restart_s,
        "idle_rss_mb": memory["rss_mb"],
        "peak_rss_mb": memory["peak_rss_mb"],
    }
