"""The ack path alone: processor time per `/incident` command, without HTTP or deliveries.

    python -m bench.ack_path [--database sqlite|postgresql] [--commands 600]

Signed slash commands (the latency benchmark's mix, over 20 incidents) are dispatched straight
into Watchkeeper's Bolt app in this process, one after another, with the courier stopped: what
is timed is the signature check, parsing, the use case and its commit, nothing else. Set beside
the main suite's `server CPU ms/request`, which also holds the HTTP server and the deliveries of
each command's side effects by the same process, it tells how the two share a command's cost.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from slack_bolt import BoltRequest
from slack_sdk.signature import SignatureVerifier

from bench.harness import SIGNING_SECRET, fresh_database
from bench.latency import commands
from bench.load import Command, form
from watchkeeper.bootstrap import Watchkeeper, build
from watchkeeper.config import load_settings
from watchkeeper.services.outbox import queue_state
from watchkeeper.standin import FakeSlack

INCIDENTS = 20
WARM_UP = 50


def measure(database_url: str, count: int) -> dict[str, Any]:
    """CPU and wall milliseconds per command, over `count` commands after a warm-up."""
    with FakeSlack() as slack:
        general = slack.channel_by_name("general")
        assert general is not None
        settings = load_settings(
            {
                "SLACK_BOT_TOKEN": slack.token,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": slack.url,
                "DATABASE_URL": database_url,
            },
            env_file=None,
        )
        bot = build(settings)
        try:
            channels = _open_incidents(bot, slack, general.id)
            mix = commands(WARM_UP + count, channels, general.id)
            for command in mix[:WARM_UP]:
                _dispatch(bot, slack.team_id, command)
            cpu, wall = time.process_time(), time.perf_counter()
            for command in mix[WARM_UP:]:
                _dispatch(bot, slack.team_id, command)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        finally:
            bot.stop()
    return {
        "commands": count,
        "cpu_ms_per_command": round(1000 * cpu / count, 2),
        "wall_ms_per_command": round(1000 * wall / count, 2),
    }


def _open_incidents(bot: Watchkeeper, slack: FakeSlack, general: str) -> list[str]:
    """Declare the incidents and let the courier open their channels; then stop it."""
    bot.identity.learn(bot.client)  # requests are refused until the bot knows its workspace
    bot.courier.start()
    for n in range(INCIDENTS):
        _dispatch(bot, slack.team_id, Command(f"declare sev2 Ack path {n}", general))
    slack.wait_for(lambda: queue_state(bot.ctx)[0] == 0, timeout=60)
    bot.courier.stop()
    return [channel.id for channel in slack.channels if channel.name.startswith("inc-")]


def _dispatch(bot: Watchkeeper, team_id: str, command: Command) -> None:
    body = form(command, team_id).decode()
    stamp = str(int(time.time()))
    signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=stamp, body=body)
    headers: dict[str, str | Sequence[str]] = {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": stamp,
        "x-slack-signature": signature or "",
    }
    answer = bot.bolt.dispatch(BoltRequest(body=body, headers=headers))
    if answer.status != 200:
        raise RuntimeError(f"{command.text!r} was answered {answer.status}: {answer.body}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ack_path", description=__doc__)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--commands", type=int, default=600)
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory() as scratch,
        fresh_database(args.database, Path(scratch)) as db,
    ):
        print(json.dumps({"database": args.database, **measure(db.url, args.commands)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
