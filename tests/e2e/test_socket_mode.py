"""Socket Mode that survives the network: the link comes back, and `/healthz` tells the truth.

The everyday scenarios (commands, buttons, forms, pins, App Home, the shortcut) run over Socket
Mode in the modules marked `BOTH_TRANSPORTS` and in the lifecycle walk. Here: what goes wrong
between the bot and Slack, on SQLite and PostgreSQL. Slack's side is the stand-in's Socket
Mode server (`FakeSlack.socket_mode`), told to cut the link, refuse it, stall it, refresh it
or turn Socket Mode off.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from tests.e2e.helpers import as_user, declare, general, settle, stored
from tests.fixtures.bot import BROADCAST, RunningBot, StartBot, bot_environ, signed_slack

from watchkeeper.config import load_settings
from watchkeeper.diagnostics import diagnose
from watchkeeper.standin import FakeSlack
from watchkeeper.standin.requests import SocketModeRequests
from watchkeeper.store.migrate import upgrade

#: The promise: connected again within this long of Slack being reachable.
BACK_WITHIN = 30.0

pytestmark = pytest.mark.slow


@pytest.fixture
def socket_bot(start_bot: StartBot, database_url: str) -> RunningBot:
    return start_bot(database_url, transport="socket", WATCHKEEPER_SOCKET_STALE_AFTER="2s")


@pytest.fixture
def over_socket(socket_bot: RunningBot, fake_slack: FakeSlack) -> SocketModeRequests:
    return fake_slack.socket_mode_requests()


def health(bot: RunningBot, fake: FakeSlack) -> tuple[int, dict[str, str]]:
    answer = signed_slack(bot.url, fake.team_id).get("/healthz")
    return answer.status, answer.json()


def metric(bot: RunningBot, fake: FakeSlack, name: str) -> float:
    for line in signed_slack(bot.url, fake.team_id).get("/metrics").body.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} is not on /metrics")


def back_and_working(
    fake: FakeSlack, slack: SocketModeRequests, *, after: int, channel: str
) -> float:
    """Seconds until a new link is up and a command on it is answered (Slack sends it once a
    link is open; a link replaced just then leaves none open for a moment, and Slack waits)."""
    started = time.monotonic()
    fake.wait_for(lambda: fake.socket_mode.connects > after, timeout=BACK_WITHIN + 5)
    while True:
        fake.wait_for(lambda: fake.socket_mode.connections > 0, timeout=BACK_WITHIN + 5)
        reply = slack.command("note The link is back", channel=channel)
        if reply.status == 200 or time.monotonic() - started > BACK_WITHIN + 5:
            break
    assert reply.status == 200, reply.body
    return time.monotonic() - started


def test_a_slash_command_is_answered_in_the_ack(
    over_socket: SocketModeRequests, fake_slack: FakeSlack, socket_bot: RunningBot
) -> None:
    reply = over_socket.command("declare sev2 Checkout errors", channel=general(fake_slack))

    assert reply.status == 200  # acked inside Slack's 3 s
    assert reply.json()["response_type"] == "ephemeral"
    assert "*INC-1* declared" in reply.text


def test_after_the_connection_is_cut_without_a_close_frame_the_bot_reconnects(
    over_socket: SocketModeRequests, fake_slack: FakeSlack, socket_bot: RunningBot
) -> None:
    channel = declare(over_socket, fake_slack)
    before = fake_slack.socket_mode.connects

    fake_slack.socket_mode.drop()
    took = back_and_working(fake_slack, over_socket, after=before, channel=channel.id)

    assert took < BACK_WITHIN
    assert stored(socket_bot).timeline[-1].text == "The link is back"
    fake_slack.wait_for(lambda: metric(socket_bot, fake_slack, "watchkeeper_socket_connected") == 1)
    assert metric(socket_bot, fake_slack, "watchkeeper_socket_reconnects_total") >= 1


def test_reconnects_refused_for_a_while_end_in_a_link_once_slack_answers(
    over_socket: SocketModeRequests, fake_slack: FakeSlack, socket_bot: RunningBot
) -> None:
    channel = declare(over_socket, fake_slack)
    before = fake_slack.socket_mode.connects
    fake_slack.socket_mode.refuse(True)
    fake_slack.socket_mode.drop()
    time.sleep(6)  # several refused tries

    fake_slack.socket_mode.refuse(False)
    took = back_and_working(fake_slack, over_socket, after=before, channel=channel.id)

    assert took < BACK_WITHIN


def test_a_link_that_stops_answering_pings_is_replaced(
    over_socket: SocketModeRequests, fake_slack: FakeSlack, socket_bot: RunningBot
) -> None:
    channel = declare(over_socket, fake_slack)
    before = fake_slack.socket_mode.connects

    fake_slack.socket_mode.stall()
    took = back_and_working(fake_slack, over_socket, after=before, channel=channel.id)

    assert took < BACK_WITHIN


def test_slacks_refresh_request_is_a_reconnect_not_an_outage(
    over_socket: SocketModeRequests, fake_slack: FakeSlack, socket_bot: RunningBot
) -> None:
    channel = declare(over_socket, fake_slack)
    before = fake_slack.socket_mode.connects

    fake_slack.socket_mode.disconnect("refresh_requested")
    took = back_and_working(fake_slack, over_socket, after=before, channel=channel.id)

    assert took < BACK_WITHIN
    assert health(socket_bot, fake_slack)[0] == 200


def test_healthz_says_how_long_the_link_has_been_down_and_recovers(
    over_socket: SocketModeRequests, fake_slack: FakeSlack, socket_bot: RunningBot
) -> None:
    fake_slack.socket_mode.refuse(True)
    fake_slack.socket_mode.drop()

    down = fake_slack.wait_for(
        lambda: (h := health(socket_bot, fake_slack))[0] == 503 and h, timeout=15
    )
    fake_slack.socket_mode.refuse(False)
    fake_slack.wait_for(lambda: health(socket_bot, fake_slack)[0] == 200, timeout=BACK_WITHIN)

    assert down[1]["socket"].startswith("disconnected for ")
    assert down[1]["socket"].endswith(" s")
    assert down[1]["database"] == "ok"


def test_socket_mode_turned_off_in_slack_stops_the_retrying_and_says_why(
    over_socket: SocketModeRequests,
    fake_slack: FakeSlack,
    socket_bot: RunningBot,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake_slack.socket_mode.link_disabled = True
    _, checks = fake_slack.wait_for(
        lambda: (h := health(socket_bot, fake_slack))[0] == 503 and h, timeout=10
    )
    tries = fake_slack.socket_mode.attempts
    time.sleep(5)

    assert "link_disabled" in checks["socket"] and "--mode http" in checks["socket"]
    assert fake_slack.socket_mode.attempts - tries <= 1  # not hammering Slack
    assert any("link_disabled" in record.getMessage() for record in caplog.records)


def test_an_event_delivered_again_changes_nothing_a_second_time(
    over_socket: SocketModeRequests, fake_slack: FakeSlack, socket_bot: RunningBot
) -> None:
    channel = declare(over_socket, fake_slack)
    settle(socket_bot, fake_slack)
    pinned = {
        "type": "pin_added",
        "user": "UBEN",
        "channel_id": channel.id,
        "item": {
            "type": "message",
            "channel": channel.id,
            "message": {"ts": "1700000000.000100", "text": "Error rate 12%", "user": "UBEN"},
        },
    }

    first = over_socket.event(pinned, event_id="Ev0PIN1")
    again = over_socket.event(pinned, event_id="Ev0PIN1", retry_attempt=1, retry_reason="timeout")
    later = over_socket.event(pinned, event_id="Ev0PIN1", retry_attempt=2, retry_reason="timeout")

    assert (first.status, again.status, later.status) == (200, 200, 200)
    pins = [e for e in stored(socket_bot).timeline if e.text == "Error rate 12%"]
    assert len(pins) == 1


def test_a_command_delivered_again_after_a_restart_changes_nothing(
    fake_slack: FakeSlack, sqlite_url: str
) -> None:
    fake_slack.create_channel(BROADCAST, with_bot=True)
    environ = bot_environ(fake_slack, sqlite_url, transport="socket")
    first = RunningBot(environ, transport="socket")
    slack = fake_slack.socket_mode_requests()
    channel = declare(slack, fake_slack)
    as_user(slack, "note Before the restart", channel=channel.id, user="UBEN")
    note = slack.command("note Said once", channel=channel.id, trigger_id="trigger-said-once")
    first.stop()

    second = RunningBot(environ, transport="socket")
    try:
        again = slack.command("note Said once", channel=channel.id, trigger_id="trigger-said-once")
        notes = [e for e in stored(second).timeline if e.text == "Said once"]
    finally:
        second.stop()

    assert note.status == again.status == 200
    assert len(notes) == 1
    assert "Already done" in again.text


# --- the command an operator runs ---------------------------------------------------------------


def test_serve_in_socket_mode_answers_commands_and_stops_on_sigterm(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WATCHKEEPER_"))}
    env = {
        **clean,
        "SLACK_BOT_TOKEN": fake_slack.token,
        "SLACK_APP_TOKEN": fake_slack.app_token,
        "SLACK_API_URL": fake_slack.url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'wk.db'}",
    }
    server = subprocess.Popen(  # noqa: S603 - our own entry point
        [
            sys.executable,
            "-m",
            "watchkeeper.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        fake_slack.socket_mode.wait_connected(timeout=30)
        reply = fake_slack.socket_mode_requests().command("help")
        status, checks = wait_healthy(port)
    finally:
        server.send_signal(signal.SIGTERM)
        _, said = server.communicate(timeout=30)

    assert reply.status == 200 and "declare" in reply.text
    assert (status, checks["socket"]) == (200, "ok")
    assert server.returncode == 0, said


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_healthy(port: int) -> tuple[int, dict[str, str]]:
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
                return answer.status, json.loads(answer.read())
        except (urllib.error.URLError, ConnectionError):
            assert time.monotonic() < deadline, "healthz never answered"
            time.sleep(0.1)


def test_the_demo_plays_over_socket_mode(tmp_path: Path) -> None:
    result = subprocess.run(  # noqa: S603 - our own entry point
        [
            sys.executable,
            "-m",
            "watchkeeper.cli",
            "demo",
            "--mode",
            "socket",
            "--dir",
            str(tmp_path / "demo"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )

    assert result.returncode == 0, result.stderr
    assert "over Socket Mode" in result.stdout
    assert (tmp_path / "demo" / "INC-1-postmortem.md").is_file()


def test_check_tries_the_app_level_token(fake_slack: FakeSlack, tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'wk.db'}"
    upgrade(database)
    good = {
        "SLACK_BOT_TOKEN": fake_slack.token,
        "SLACK_API_URL": fake_slack.url,
        "DATABASE_URL": database,
    }

    works = diagnose(
        load_settings({**good, "SLACK_APP_TOKEN": fake_slack.app_token}, env_file=None, toml=False)
    )
    wrong = diagnose(
        load_settings({**good, "SLACK_APP_TOKEN": "xapp-1-wrong"}, env_file=None, toml=False)
    )

    assert next(f for f in works if f.check == "socket mode").ok
    refused = next(f for f in wrong if f.check == "socket mode")
    assert not refused.ok
    assert "connections:write" in refused.fix
