"""Slack's Socket Mode side: WebSocket links, envelopes and acks, and the faults of a network.

`apps.connections.open` (with the app-level token) hands out a single-use URL; a client that
connects with it gets `hello`, then envelopes, one per event, to one link at a time (round
robin when there are several, as Slack does), and answers each with an ack. The server is the
`websockets` library's asyncio server on an event loop of its own, in a daemon thread; every
public method may be called from any other thread.

The controls mirror what goes wrong between an app and Slack: `drop()` cuts the TCP connections
without a close frame, `disconnect()` is Slack's own `disconnect` message, `refuse()` makes
Slack unreachable, `stall()` leaves a half-open link, and `link_disabled` is Socket Mode turned
off in the app's settings. Like Slack's servers, the stand-in sends no keepalive of its own that
a client could rely on: only a client's own pings can tell a stalled link from a quiet one.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import copy
import json
import socket
import struct
import threading
import time
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from watchkeeper.loop_thread import LoopThread
from watchkeeper.standin import socket_messages as messages
from watchkeeper.standin.errors import SlackError
from watchkeeper.standin.requests import APP_ID, Answer
from watchkeeper.standin.socket_messages import Ack, DisconnectReason, EnvelopeType
from watchkeeper.standin.state import JsonObject, Workspace

T = TypeVar("T")

#: Slack's limit for an ack; past it the user sees the command fail.
ACK_TIMEOUT_S = 3.0
LINK_PATH = "/link/"
#: How long a link stays open after Slack's `disconnect` message. Slack documents about ten
#: seconds for `warning`; after the others the stand-in closes the link at once.
CLOSE_AFTER_S: dict[DisconnectReason, float] = {
    "warning": 10.0,
    "refresh_requested": 0.0,
    "link_disabled": 0.0,
}
_CALL_TIMEOUT_S = 5.0
_REBIND_TRIES = 40


@dataclass(slots=True)
class _Link:
    """One open WebSocket, in the order the links were made."""

    connection: ServerConnection
    stalled: bool = False
    leaving: bool = False  # told to disconnect, or cut: no more envelopes

    @property
    def deliverable(self) -> bool:
        return not (self.stalled or self.leaving)


def open_link(ws: Workspace, args: dict[str, Any]) -> JsonObject:
    """`apps.connections.open`: a new single-use WebSocket URL (app-level token checked before)."""
    if ws.socket_links is None:
        raise SlackError("internal_error")
    return {"ok": True, "url": ws.socket_links.issue_url()}


class SocketModeServer:
    """Slack's Socket Mode endpoint on loopback, with envelopes to send and faults to inject.

    `connections` counts the links that receive envelopes: open, neither stalled nor told to
    disconnect. `connects` counts every successful handshake (reconnects included); `attempts`
    every handshake tried, refused ones included.
    """

    def __init__(self, *, app_id: str = APP_ID, ack_timeout: float = ACK_TIMEOUT_S) -> None:
        self.app_id = app_id
        self.ack_timeout = ack_timeout
        self._lock = threading.Lock()
        self._loop: LoopThread | None = None
        self._host = "127.0.0.1"
        self._port = 0
        self._servers: list[Server] = []  # the listening one last; earlier ones were refused
        self._links: list[_Link] = []
        self._tickets: set[str] = set()
        self._waiting: dict[str, concurrent.futures.Future[Ack]] = {}
        self._acks: list[Ack] = []
        self._envelopes: list[JsonObject] = []
        self._closers: set[asyncio.Task[None]] = set()
        self._turn = 0
        self._connects = 0
        self._attempts = 0
        self._refusing = False
        self._link_disabled = False

    # -- lifecycle -------------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1") -> None:
        """Listen on `host` (any free port) from an event loop in a daemon thread."""
        if self._loop is not None:
            raise RuntimeError("the Socket Mode stand-in is already running")
        self._loop = LoopThread("fake-slack-socket-mode")
        self._host, self._port = host, 0
        with self._lock:
            self._refusing = False
        self._call(self._listen())

    def stop(self) -> None:
        """Cut every link, stop listening and end the loop's thread; pending acks fail."""
        loop = self._loop
        if loop is None:
            return
        try:
            self._call(self._shut_down(), timeout=10.0)
        finally:
            loop.close()
            self._loop = None
            with self._lock:
                for waiter in self._waiting.values():
                    waiter.cancel()
                self._links.clear()
                self._tickets.clear()

    @property
    def running(self) -> bool:
        return self._loop is not None

    def issue_url(self) -> str:
        """A new single-use `ws://…/link/?ticket=…&app_id=…` URL, as `apps.connections.open` gives."""
        if self._loop is None:
            raise RuntimeError("the Socket Mode stand-in is not running")
        ticket = str(uuid.uuid4())
        with self._lock:
            self._tickets.add(ticket)
        return f"ws://{self._host}:{self._port}{LINK_PATH}?ticket={ticket}&app_id={self.app_id}"

    # -- envelopes -------------------------------------------------------------------------

    def deliver(
        self,
        type: EnvelopeType,
        payload: JsonObject,
        *,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
        accepts_response_payload: bool | None = None,
        envelope_id: str | None = None,
        timeout: float | None = None,
    ) -> Answer:
        """Send one envelope to one link and wait for its ack.

        200 with the ack's payload as JSON (`""` for an ack without one); 503 `dispatch_failed`
        when no link is open; 504 `operation_timeout` when no ack came within `timeout` (default
        `ack_timeout`, Slack's 3 seconds). Events carry `retry_attempt`/`retry_reason` (0 and
        `""` unless given); pass an earlier `envelope_id` to deliver the same envelope again.
        """
        envelope = messages.envelope(
            type,
            payload,
            retry_attempt=retry_attempt,
            retry_reason=retry_reason,
            accepts_response_payload=accepts_response_payload,
            envelope_id=envelope_id,
        )
        key = str(envelope["envelope_id"])
        waiter: concurrent.futures.Future[Ack] = concurrent.futures.Future()
        with self._lock:
            self._envelopes.append(copy.deepcopy(envelope))
            self._waiting[key] = waiter
        try:
            if not self._call(self._send_envelope(json.dumps(envelope))):
                return Answer(503, "dispatch_failed")
            ack = waiter.result(timeout=self.ack_timeout if timeout is None else timeout)
        except concurrent.futures.TimeoutError:
            return Answer(504, "operation_timeout")
        except concurrent.futures.CancelledError:
            return Answer(503, "dispatch_failed")
        finally:
            with self._lock:
                if self._waiting.get(key) is waiter:
                    del self._waiting[key]
        return Answer(200, "" if ack.payload is None else json.dumps(ack.payload))

    # -- faults ------------------------------------------------------------------------------

    def drop(self, *, reset: bool = True) -> int:
        """Cut every open link without a close frame; how many were cut.

        With `reset` (the default) the connection is reset (RST), as when a proxy or NAT on the
        way forgets it; without, it is closed (FIN) as when Slack's process dies: either way the
        client sees a connection error, never a WebSocket close.
        """
        return self._call(self._drop(reset))

    def disconnect(
        self, reason: DisconnectReason = "refresh_requested", *, close_after: float | None = None
    ) -> int:
        """Send Slack's `disconnect` message on every live link, then close it; how many were told.

        The close frame follows after `close_after` seconds (default `CLOSE_AFTER_S[reason]`);
        the links receive no envelope meanwhile.
        """
        delay = CLOSE_AFTER_S[reason] if close_after is None else close_after
        return self._call(self._disconnect(reason, delay))

    def refuse(self, refusing: bool = True) -> None:
        """Make Slack unreachable for new links until `refuse(False)`; open links stay.

        While refusing, nothing listens on the Socket Mode port (a connect is refused, as when
        Slack cannot be reached) and `apps.connections.open` is hung up on unanswered (the Web API
        stand-in asks `refusing`), so clients see connection errors, never an answer from Slack.
        """
        with self._lock:
            if refusing == self._refusing:
                return
            self._refusing = refusing
        self._call(self._stop_listening() if refusing else self._listen())

    @property
    def refusing(self) -> bool:
        with self._lock:
            return self._refusing

    def stall(self) -> int:
        """Leave every open link half-open: nothing read, nothing sent, nothing closed.

        Pings go unanswered and acks unread, and no envelope goes out on it again; the client
        alone can notice, by its own staleness check. How many links stalled.
        """
        return self._call(self._stall())

    @property
    def link_disabled(self) -> bool:
        """Socket Mode turned off in the app's settings.

        Setting it tells every live link `disconnect` (`link_disabled`) and closes it; from then on
        every new link gets the same message instead of `hello` and is closed, until it is
        cleared. `apps.connections.open` keeps answering, since the app-level token stays valid
        and Slack's reference names no error for this; the links it hands out never work.
        """
        with self._lock:
            return self._link_disabled

    @link_disabled.setter
    def link_disabled(self, disabled: bool) -> None:
        with self._lock:
            self._link_disabled = disabled
        if disabled:
            self.disconnect("link_disabled")

    # -- inspection ------------------------------------------------------------------------

    @property
    def connections(self) -> int:
        """Links that receive envelopes: open, not stalled, not told to disconnect."""
        with self._lock:
            return sum(link.deliverable for link in self._links)

    @property
    def stalled(self) -> int:
        """Links left half-open by `stall()` that the stand-in still holds."""
        with self._lock:
            return sum(link.stalled for link in self._links)

    @property
    def connects(self) -> int:
        """Successful handshakes so far (each reconnect counts)."""
        with self._lock:
            return self._connects

    @property
    def attempts(self) -> int:
        """Handshakes tried so far, refused ones (spent or unknown tickets) included."""
        with self._lock:
            return self._attempts

    @property
    def acks(self) -> list[Ack]:
        """Every ack received, oldest first, duplicates and unknown envelopes included."""
        with self._lock:
            return list(self._acks)

    @property
    def envelopes(self) -> list[JsonObject]:
        """Every envelope `deliver` sent or tried to send, oldest first."""
        with self._lock:
            return copy.deepcopy(self._envelopes)

    def wait_connected(self, timeout: float = 5.0, *, count: int = 1) -> None:
        """Wait until at least `count` links receive envelopes, or raise TimeoutError."""
        deadline = time.monotonic() + timeout
        while self.connections < count:
            if time.monotonic() >= deadline:
                raise TimeoutError(
                    f"{self.connections} Socket Mode link(s) open after {timeout}s, wanted {count}"
                )
            time.sleep(0.01)

    # -- the event loop's side -----------------------------------------------------------------

    def _call(self, work: Coroutine[Any, Any, T], timeout: float = _CALL_TIMEOUT_S) -> T:
        loop = self._loop
        if loop is None:
            work.close()
            raise RuntimeError("the Socket Mode stand-in is not running: start() it first")
        return loop.call(work, timeout)

    async def _listen(self) -> None:
        for attempt in range(_REBIND_TRIES):
            try:
                server = await serve(
                    self._serve_link,
                    self._host,
                    self._port,
                    process_request=self._check_ticket,
                    compression=None,
                    ping_interval=None,  # see the module docstring: no keepalive from Slack's side
                    close_timeout=2,
                )
                break
            except OSError:
                # Listening again after refuse(): for a moment the kernel may still hold the
                # port (an outgoing connection can borrow it while it is free); wait for it.
                if self._port == 0 or attempt == _REBIND_TRIES - 1:
                    raise
                await asyncio.sleep(0.05)
        self._port = server.sockets[0].getsockname()[1]
        self._servers.append(server)

    async def _stop_listening(self) -> None:
        for server in self._servers:
            server.close(close_connections=False)

    async def _shut_down(self) -> None:
        for closer in list(self._closers):
            closer.cancel()
        await self._drop(reset=True)
        for server in self._servers:
            # Links turned away (link_disabled) were never ours to track; websockets knows them.
            for connection in list(server.all_connections):
                connection.transport.abort()
            server.close(close_connections=False)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5):
                for server in self._servers:
                    await server.wait_closed()
        self._servers.clear()

    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        ticket = parse_qs(urlsplit(request.path).query).get("ticket", [""])[0]
        with self._lock:
            self._attempts += 1
            valid = ticket in self._tickets
            self._tickets.discard(ticket)
        if urlsplit(request.path).path != LINK_PATH or not valid:
            return connection.respond(HTTPStatus.UNAUTHORIZED, "invalid or spent ticket\n")
        return None

    async def _serve_link(self, connection: ServerConnection) -> None:
        if self.link_disabled:
            await connection.send(json.dumps(messages.disconnect("link_disabled")))
            return  # websockets closes the link when its handler returns
        with self._lock:
            self._connects += 1
            count = sum(link.deliverable for link in self._links) + 1
        link = _Link(connection)
        with contextlib.suppress(ConnectionClosed):
            await connection.send(json.dumps(messages.hello(self.app_id, count)))
            with self._lock:
                self._links.append(link)
            async for message in connection:
                self._receive(message)
        with self._lock:
            if link in self._links:
                self._links.remove(link)

    def _receive(self, message: str | bytes) -> None:
        received = messages.read_ack(message)
        if received is None:
            return
        with self._lock:
            self._acks.append(received)
            waiter = self._waiting.get(received.envelope_id)
        # Acks are matched by envelope ID on whichever link they arrive, as a client that has
        # just reconnected answers on its new link.
        if waiter is not None and not waiter.done():
            waiter.set_result(received)

    async def _send_envelope(self, text: str) -> bool:
        while True:
            with self._lock:
                ready = [link for link in self._links if link.deliverable]
                if not ready:
                    # A half-open link still looks open from Slack's side: the envelope goes
                    # there and is lost, and the caller waits for an ack that never comes.
                    return any(link.stalled for link in self._links)
                link = ready[self._turn % len(ready)]
                self._turn += 1
            try:
                await link.connection.send(text)
                return True
            except ConnectionClosed:
                with self._lock:
                    link.leaving = True  # gone meanwhile: try the next one

    async def _drop(self, reset: bool) -> int:
        with self._lock:
            links, self._links = self._links, []
        for link in links:
            link.leaving = True
            transport = link.connection.transport
            sock = transport.get_extra_info("socket")
            if reset and sock is not None and not transport.is_closing():
                # SO_LINGER with a zero timeout makes close() send RST instead of FIN. A link
                # the client is closing at this very moment may have lost its socket already.
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()
        return len(links)

    async def _disconnect(self, reason: DisconnectReason, delay: float) -> int:
        with self._lock:
            links = [link for link in self._links if link.deliverable]
            for link in links:
                link.leaving = True
        text = json.dumps(messages.disconnect(reason))
        for link in links:
            with contextlib.suppress(ConnectionClosed):
                await link.connection.send(text)
            closer = asyncio.create_task(_close_later(link.connection, delay))
            self._closers.add(closer)
            closer.add_done_callback(self._closers.discard)
        return len(links)

    async def _stall(self) -> int:
        with self._lock:
            links = [link for link in self._links if not link.stalled]
            for link in links:
                link.stalled = True
        for link in links:
            link.connection.transport.pause_reading()
        return len(links)


async def _close_later(connection: ServerConnection, delay: float) -> None:
    if delay > 0:
        await asyncio.sleep(delay)
    await connection.close()
