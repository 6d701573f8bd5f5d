"""The Slack stand-in in a process of its own, so neither the server nor the client pays for it.

`slack_host(latency)` starts `python -m bench.slack_host`, a process that runs a `FakeSlack` answering every Web API
call after `latency` seconds; the proxy it yields asks that process the few questions the
benchmarks need, with answers computed there (a count, a list of times) instead of copying
thousands of channels across processes.

Like Slack, it serves HTTPS (unless `tls=False`): a certificate authority made at start signs
the host's certificate, and `SSL_CERT_FILE` names that authority to every process started
meanwhile (servers under test, floors), so they trust it exactly as a user's bot trusts Slack.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.managers import BaseManager
from pathlib import Path
from typing import Any, Protocol, cast

import trustme

from bench.harness import clean_environment, free_port
from watchkeeper.standin import FakeSlack
from watchkeeper.standin.state import Message

#: What a reminder message carries: the button that snoozes reminders.
REMINDER_MARK = "snooze_reminders"
#: The variable that hands the manager's key to the host process (not its command line).
AUTHKEY_VARIABLE = "BENCH_SLACK_HOST_KEY"
#: Whether stand-ins serve HTTPS, as Slack does (`python -m bench --slack-http`: plain HTTP).
TLS = True
#: The folder that holds the `bench` package, for the host process's import path.
ROOT = Path(__file__).resolve().parent.parent


class SlackHost:
    """Lives in the manager process: a running FakeSlack and queries over its state."""

    def __init__(self, latency: float, tls: ssl.SSLContext | None = None) -> None:
        self._fake = FakeSlack(latency=latency)
        self._fake.start(tls=tls)

    def address(self) -> dict[str, str]:
        """The Web API URL, the bot token and the workspace ID."""
        return {"url": self._fake.url, "token": self._fake.token, "team_id": self._fake.team_id}

    def create_channels(self, names: list[str]) -> list[str]:
        """Channels the bot is in, as if it had created them; their IDs in order."""
        return [self._fake.create_channel(name, with_bot=True).id for name in names]

    def add_users(self, users: list[tuple[str, str, str]]) -> None:
        """Workspace members, each (user ID, name, time zone), whom the bot may write to."""
        for user_id, name, zone in users:
            self._fake.add_user(user_id, name, tz=zone)

    def web_api_calls(self) -> int:
        """How many Web API calls the stand-in has received."""
        fake = cast(Any, self._fake)
        with fake._lock:  # see messages_in: the public list is a deep copy
            return len(fake._ws.calls)

    def connections(self) -> int:
        """Connections the Web API accepted so far: over HTTPS, each a TLS handshake."""
        return self._fake.connections

    def messages_in(self, channel_ids: list[str]) -> int:
        """Messages posted so far in these channels, without copying them (cheap to poll)."""
        # The stand-in's public inspection copies every message under its lock; with ten
        # thousand channels that stalls the server it is measuring, so count in place.
        fake = cast(Any, self._fake)
        with fake._lock:
            channels = fake._ws.channels
            return sum(len(channels[c].messages) for c in channel_ids if c in channels)

    def calls_to(self, method: str) -> int:
        """How many calls of one Web API method the stand-in has received."""
        fake = cast(Any, self._fake)
        with fake._lock:  # see messages_in
            return sum(1 for call in fake._ws.calls if call.method == method)

    def direct_messages_to(self, user_ids: list[str]) -> int:
        """Messages the bot sent these people in private so far, counted in place."""
        wanted = set(user_ids)
        fake = cast(Any, self._fake)
        with fake._lock:  # see messages_in
            return sum(
                len(channel.messages)
                for channel in fake._ws.channels.values()
                if channel.is_im and channel.user in wanted
            )

    def direct_message_marks(self, user_ids: list[str]) -> list[tuple[str, int | None, float]]:
        """Each private message to these people: (recipient, effect ID in its metadata, time).

        Only these three fields cross the process boundary, not the messages.
        """
        wanted = set(user_ids)
        fake = cast(Any, self._fake)
        found: list[tuple[str, int | None, float]] = []
        with fake._lock:  # see messages_in
            for channel in fake._ws.channels.values():
                if channel.is_im and channel.user in wanted:
                    found += [(channel.user, _effect_of(m), float(m.ts)) for m in channel.messages]
        return found

    def reminder_times(self, channel_ids: list[str]) -> list[list[float]]:
        """Per channel, the Slack timestamps of the reminders posted in it, oldest first."""
        return [
            [float(m.ts) for m in self._fake.messages(c) if _is_reminder(m)] for c in channel_ids
        ]

    def message_times(self, channel_ids: list[str]) -> list[list[float]]:
        """Per channel, the Slack timestamps of every message posted in it, oldest first."""
        return [[float(m.ts) for m in self._fake.messages(c)] for c in channel_ids]

    def marker_times(self, pattern: str) -> dict[str, list[float]]:
        """Each match of `pattern` in any message's text, with the times it was posted."""
        found: dict[str, list[float]] = {}
        compiled = re.compile(pattern)
        for channel in self._fake.channels:
            for message in channel.messages:
                for marker in set(compiled.findall(message.text or "")):
                    found.setdefault(marker, []).append(float(message.ts))
        return found

    def outage(self, down: bool) -> None:
        """Slack goes down (every call answers 503) or comes back."""
        if down:
            self._fake.go_down()
        else:
            self._fake.come_back()

    def stop(self) -> None:
        self._fake.stop()


def _is_reminder(message: Message) -> bool:
    return REMINDER_MARK in str(message.blocks or "")


def _effect_of(message: Message) -> int | None:
    """The ID of the side effect a message was posted for (its metadata's mark), if any."""
    payload = (message.metadata or {}).get("event_payload") or {}
    effect = payload.get("effect")
    return int(effect) if isinstance(effect, (int, str)) and str(effect).isdigit() else None


class SlackProxy(Protocol):
    """The proxy's methods, as the benchmarks call them."""

    def address(self) -> dict[str, str]: ...
    def create_channels(self, names: list[str]) -> list[str]: ...
    def add_users(self, users: list[tuple[str, str, str]]) -> None: ...
    def web_api_calls(self) -> int: ...
    def connections(self) -> int: ...
    def calls_to(self, method: str) -> int: ...
    def direct_messages_to(self, user_ids: list[str]) -> int: ...
    def direct_message_marks(self, user_ids: list[str]) -> list[tuple[str, int | None, float]]: ...
    def messages_in(self, channel_ids: list[str]) -> int: ...
    def reminder_times(self, channel_ids: list[str]) -> list[list[float]]: ...
    def message_times(self, channel_ids: list[str]) -> list[list[float]]: ...
    def marker_times(self, pattern: str) -> dict[str, list[float]]: ...
    def outage(self, down: bool) -> None: ...
    def stop(self) -> None: ...


class _Manager(BaseManager):
    pass


def serve(latency: float, port: int, authkey: bytes, tls: ssl.SSLContext | None = None) -> None:
    """Run the host until killed: a FakeSlack, and a manager on `port` that answers for it."""
    host = SlackHost(latency, tls)
    _Manager.register("host", callable=lambda: host)
    manager = _Manager(address=("127.0.0.1", port), authkey=authkey)
    manager.get_server().serve_forever()


class Calls:
    """Web API calls and connections counted from a starting point: handshakes per call."""

    def __init__(self, slack: SlackProxy) -> None:
        self._slack = slack
        self._calls = slack.web_api_calls()
        self._connections = slack.connections()

    def handshakes_per_1000_calls(self) -> float | None:
        """Connections opened per 1,000 calls since the start (None: no call made)."""
        calls = self._slack.web_api_calls() - self._calls
        opened = self._slack.connections() - self._connections
        return opened * 1000 / calls if calls else None


@contextmanager
def slack_host(latency: float, *, tls: bool | None = None) -> Iterator[SlackProxy]:
    """A FakeSlack with `latency` seconds per call, served from its own process (over HTTPS
    with `tls`, default `TLS`: `SSL_CERT_FILE` trusts its certificate in every process started
    meanwhile)."""
    tls = TLS if tls is None else tls
    port = free_port()
    authkey = secrets.token_hex(16)
    folder = tempfile.TemporaryDirectory()
    command = [sys.executable, "-m", "bench.slack_host", "--latency", str(latency)]
    command += ["--port", str(port)]
    trust = {}
    if tls:
        authority = trustme.CA()
        issued = authority.issue_cert("127.0.0.1", "localhost")
        chain, authority_file = Path(folder.name, "slack.pem"), Path(folder.name, "ca.pem")
        issued.private_key_and_cert_chain_pem.write_to_path(str(chain))
        authority.cert_pem.write_to_path(str(authority_file))
        command += ["--certificate", str(chain)]
        trust = {"SSL_CERT_FILE": str(authority_file)}
    # The stand-in's own complaints (a client that hung up mid-answer when a server under test
    # was stopped) are noise in the table's output; they are shown only if it fails to start.
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed below, after the process
    process = subprocess.Popen(  # noqa: S603 - this interpreter running this module
        command,
        env=clean_environment({AUTHKEY_VARIABLE: authkey, "PYTHONPATH": str(ROOT)}),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    previous = {name: os.environ.get(name) for name in trust}
    os.environ.update(trust)
    try:
        _Manager.register("host")
        manager = _Manager(address=("127.0.0.1", port), authkey=authkey.encode())
        deadline = time.monotonic() + 30
        while True:
            try:
                manager.connect()
                break
            except ConnectionRefusedError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    said = log.read().decode("utf-8", "replace")[-2000:]
                    raise RuntimeError(f"the Slack stand-in did not start:\n{said}") from None
                time.sleep(0.05)
        yield cast(SlackProxy, manager.host())  # type: ignore[attr-defined]  # registered above
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        folder.cleanup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.slack_host")
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--certificate", help="PEM key and certificate chain: serve HTTPS")
    args = parser.parse_args(argv)
    tls = None
    if args.certificate:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.certificate)
    serve(args.latency, args.port, os.environ[AUTHKEY_VARIABLE].encode(), tls)
    return 0


if __name__ == "__main__":
    sys.exit(main())
