"""The load generator: signed `/incident` commands over HTTP, a new connection per request.

Slack opens a fresh HTTPS connection for every slash command, so each request here connects,
sends one signed form body with `Connection: close`, reads the answer to the end and closes.
An asyncio client keeps the generator's own cost per request small and constant; `clients`
coroutines send back to back, each waiting for its answer before the next request.
"""

from __future__ import annotations

import asyncio
import time
import urllib.parse
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from slack_sdk.signature import SignatureVerifier

#: What Slack allows for an ack before it shows the user an error.
SLACK_ACK_DEADLINE_S = 3.0


@dataclass(frozen=True)
class Command:
    """`/incident <text>` typed by `user` in `channel`; `trigger_id` makes it unique."""

    text: str
    channel: str
    user: str = "UANA"
    user_name: str = "ana"
    trigger_id: str = field(default_factory=lambda: f"trigger-{uuid.uuid4().hex}")


@dataclass(frozen=True)
class Outcome:
    """What became of one request: its status (0: no answer), body and round trip."""

    command: Command
    status: int
    body: str
    latency_s: float
    sent_at: float
    error: str = ""


def form(command: Command, team_id: str) -> bytes:
    """The form body Slack posts for a slash command."""
    return urllib.parse.urlencode(
        {
            "token": "unused-verification-token",
            "team_id": team_id,
            "team_domain": "watch",
            "channel_id": command.channel,
            "channel_name": "incident",
            "user_id": command.user,
            "user_name": command.user_name,
            "command": "/incident",
            "text": command.text,
            "api_app_id": "A0WATCH",
            "response_url": "http://127.0.0.1:9/response-url-unused",
            "trigger_id": command.trigger_id,
        }
    ).encode()


def signed_request(host: str, port: int, body: bytes, secret: str) -> bytes:
    """A complete HTTP/1.1 request for `/slack/events` with Slack's signature headers."""
    stamp = str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body.decode())
    head = (
        "POST /slack/events HTTP/1.1\r\n"
        f"Host: {host}:{port}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"X-Slack-Request-Timestamp: {stamp}\r\n"
        f"X-Slack-Signature: {signature}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode() + body


async def _send(host: str, port: int, request: bytes, timeout: float) -> tuple[int, str]:
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    try:
        writer.write(request)
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), timeout)  # to EOF: the server closes
    finally:
        writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].split()
    status = int(status_line[1]) if len(status_line) > 1 else 0
    return status, body.decode("utf-8", "replace")


async def _drive(
    url: str,
    commands: Sequence[Command],
    *,
    clients: int,
    secret: str,
    team_id: str,
    timeout: float,
) -> list[Outcome]:
    target = urlsplit(url)
    host, port = target.hostname or "127.0.0.1", target.port or 80
    queue: asyncio.Queue[Command] = asyncio.Queue()
    for command in commands:
        queue.put_nowait(command)
    outcomes: list[Outcome] = []

    async def client() -> None:
        while True:
            try:
                command = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            request = signed_request(host, port, form(command, team_id), secret)
            sent_at = time.time()
            started = time.perf_counter()
            try:
                status, body = await _send(host, port, request, timeout)
                error = ""
            except (OSError, TimeoutError) as failure:
                status, body, error = 0, "", f"{type(failure).__name__}: {failure}"
            elapsed = time.perf_counter() - started
            outcomes.append(Outcome(command, status, body, elapsed, sent_at, error))

    await asyncio.gather(*(client() for _ in range(max(1, clients))))
    return outcomes


def send_commands(
    url: str,
    commands: Sequence[Command],
    *,
    clients: int,
    secret: str,
    team_id: str,
    timeout: float = 30.0,
) -> list[Outcome]:
    """Send every command with `clients` concurrent senders; outcomes in completion order."""
    return asyncio.run(
        _drive(url, commands, clients=clients, secret=secret, team_id=team_id, timeout=timeout)
    )


def fetch_many(
    url: str, path: str, *, clients: int, total: int, timeout: float = 30.0
) -> list[Outcome]:
    """GET `path` `total` times with `clients` concurrent readers, a new connection each."""
    target = urlsplit(url)
    host, port = target.hostname or "127.0.0.1", target.port or 80
    request = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n").encode()
    command = Command(f"GET {path}", "")

    async def drive() -> list[Outcome]:
        left = [total]
        outcomes: list[Outcome] = []

        async def reader() -> None:
            while left[0] > 0:
                left[0] -= 1
                sent_at = time.time()
                started = time.perf_counter()
                try:
                    status, body = await _send(host, port, request, timeout)
                    error = ""
                except (OSError, TimeoutError) as failure:
                    status, body, error = 0, "", f"{type(failure).__name__}: {failure}"
                elapsed = time.perf_counter() - started
                outcomes.append(Outcome(command, status, body, elapsed, sent_at, error))

        await asyncio.gather(*(reader() for _ in range(max(1, clients))))
        return outcomes

    return asyncio.run(drive())
