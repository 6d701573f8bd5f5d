"""`watchkeeper demo`: a scripted incident through the real app, against a local stand-in for Slack."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from pathlib import Path

from watchkeeper.bootstrap import Watchkeeper, build
from watchkeeper.config import Mode, load_settings
from watchkeeper.services.outbox import queue_state
from watchkeeper.standin import FakeSlack
from watchkeeper.standin.requests import SignedRequests, SocketModeRequests
from watchkeeper.web import BackgroundServer, web_app

Say = Callable[[str], None]

#: The scripted incident: who types what, and where.
SCRIPT: list[tuple[str, str]] = [
    ("ana", "declare sev2 Checkout errors for EU customers"),
    ("ana", "commander <@UBEN|ben>"),
    ("ben", "role communications <@UCARA|cara>"),
    ("ben", "impact About 30% of EU checkouts fail with a 502 at the payment step"),
    ("ben", "components checkout, payments-gateway"),
    ("ben", "set started 20m ago"),
    ("cara", "update We are investigating elevated checkout errors for EU customers."),
    ("ben", "note Error rate started right after the 08:05 payments-gateway deploy"),
    ("REMINDER", ""),
    ("ben", "status identified The 08:05 payments-gateway deploy broke TLS to the EU acquirer."),
    ("ben", "cause A certificate bundle was left out of the payments-gateway image"),
    ("ben", "status monitoring The deploy is rolled back; error rates are back to normal."),
    ("ben", "action Add a TLS smoke test to the payments-gateway pipeline <@UDEV|dev>"),
    ("ben", "resolve Checkout is fully operational again for EU customers."),
]
USERS = {"ana": "UANA", "ben": "UBEN", "cara": "UCARA", "dev": "UDEV"}
REMINDER_INTERVAL = "3s"
#: The file that marks a directory as the demo's own, so a rerun may clear its old database.
MARKER = ".watchkeeper-demo"


class DemoDirectoryInUse(Exception):
    """The directory holds a database the demo did not make; the demo will not delete it."""


def _prepare(directory: Path) -> Path:
    """The demo's database path in `directory`, cleared of an earlier demo's, never of others'."""
    directory.mkdir(parents=True, exist_ok=True)
    database = directory / "demo.db"
    marker = directory / MARKER
    stale = sorted(directory.glob("demo.db*"))
    if stale and not marker.is_file():
        raise DemoDirectoryInUse(
            f"{directory} already holds {stale[0].name}, which an earlier demo did not make; "
            "choose another directory with --dir"
        )
    for path in stale:
        path.unlink()
    marker.write_text("Made by `watchkeeper demo`; its files here are replaced on every run.\n")
    return database


def run_demo(directory: Path, say: Say = print, *, mode: Mode = "http") -> Path:
    """Play the script over HTTP or Socket Mode; returns the path of the postmortem draft."""
    database = _prepare(directory)
    with FakeSlack() as slack:
        slack.create_channel("incidents", with_bot=True)
        secret = secrets.token_hex(16)
        environ = {
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_API_URL": slack.url,
            "DATABASE_URL": f"sqlite:///{database}",
            "WATCHKEEPER_BROADCAST_CHANNEL": "#incidents",
            "WATCHKEEPER_REMINDER_INTERVAL": REMINDER_INTERVAL,
        }
        if mode == "socket":
            environ["SLACK_APP_TOKEN"] = slack.app_token
        else:
            environ["SLACK_SIGNING_SECRET"] = secret
        bot = build(load_settings(environ, env_file=None, toml=False), mode=mode)
        bot.start()
        server = BackgroundServer(
            web_app(bot.bolt if mode == "http" else None, bot.metrics, bot.health)
        )
        server.start()
        requests: Requests
        if mode == "socket":
            assert bot.socket is not None
            if not bot.socket.wait_connected(15):
                raise RuntimeError("the Socket Mode link to the stand-in did not come up")
            requests = slack.socket_mode_requests()
            where = f"Watchkeeper over Socket Mode (health on {server.url})"
        else:
            requests = SignedRequests(server.url, secret, slack.team_id)
            where = f"Watchkeeper on {server.url}"
        say(f"Slack stand-in on {slack.url}, {where}, database {database}\n")
        try:
            _play(bot, slack, requests, say)
        finally:
            server.stop()
            bot.stop()
        return _save_documents(slack, directory, say)


#: What sends the demo's commands: signed HTTP requests, or envelopes over Socket Mode.
Requests = SignedRequests | SocketModeRequests


def _play(bot: Watchkeeper, slack: FakeSlack, requests: Requests, say: Say) -> None:
    seen: dict[str, int] = {}
    channel = "C0GENERAL"
    for who, text in SCRIPT:
        if who == "REMINDER":
            say(f"… nobody posts an update for {REMINDER_INTERVAL} (the demo's reminder interval)")
            slack.wait_for(
                lambda: any(
                    ":bell:" in m.text for c in slack.channels for m in slack.messages(c.id)
                ),
                timeout=30,
            )
            _show_new_messages(bot, slack, seen, say)
            continue
        say(f"{who}: /incident {_readable(text)}")
        answer = requests.command(text, user=USERS[who], user_name=who, channel=channel)
        if answer.status != 200:
            raise RuntimeError(f"the bot answered {answer.status}: {answer.body}")
        if answer.text:
            say(f"   only {who} sees: {_readable(answer.text, slack)}")
        _show_new_messages(bot, slack, seen, say)
        incident_channel = next((c for c in slack.channels if c.name.startswith("inc-")), None)
        if incident_channel is not None:
            channel = incident_channel.id


def _show_new_messages(bot: Watchkeeper, slack: FakeSlack, seen: dict[str, int], say: Say) -> None:
    """Wait until the bot has delivered everything, then print what Slack received."""
    deadline = time.monotonic() + 30
    while queue_state(bot.ctx)[0] and time.monotonic() < deadline:
        time.sleep(0.05)
    for channel in slack.channels:
        messages = slack.messages(channel.id)
        for message in messages[seen.get(channel.id, 0) :]:
            first_line = (
                _readable(message.text, slack).splitlines()[0] if message.text else "(blocks)"
            )
            files = f" [+ {len(message.files)} files]" if message.files else ""
            say(f"   #{channel.name}: {first_line}{files}")
        seen[channel.id] = len(messages)


def _save_documents(slack: FakeSlack, directory: Path, say: Say) -> Path:
    postmortem = directory / "postmortem.md"
    for stored in slack.files.values():
        target = directory / stored.filename
        target.write_bytes(stored.content or b"")
        if stored.filename.endswith("postmortem.md"):
            postmortem = target
        say(f"\nWrote {target}")
    say(f"\nThe postmortem draft is at {postmortem.resolve()}")
    return postmortem


def _readable(text: str, slack: FakeSlack | None = None) -> str:
    """Slack markup shown as a person would read it in the client."""
    names = {c.id: c.name for c in slack.channels} if slack else {}
    text = re.sub(r"<@([A-Z0-9]+)\|([^>]+)>", r"@\2", text)
    text = re.sub(r"<@([A-Z0-9]+)>", lambda m: "@" + _name(m.group(1)), text)
    text = re.sub(
        r"<#([A-Z0-9]+)(?:\|([^>]*))?>",
        lambda m: "#" + (m.group(2) or names.get(m.group(1), m.group(1))),
        text,
    )
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _name(user_id: str) -> str:
    return next((name for name, uid in USERS.items() if uid == user_id), user_id)
