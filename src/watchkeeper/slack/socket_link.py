"""Socket Mode: one link to Slack that outlives the network, and the truth about it for `/healthz`.

The link is slack_sdk's aiohttp Socket Mode client, chosen by measurement (`bench/
socket_reconnect.py`): of the four clients slack_sdk ships it alone came back after every
fault tried, a TCP connection cut without a close frame, reconnects refused for a while, and a
half-open link whose pings go unanswered, within two ping intervals, without spinning a core.
It runs on an event loop of its own; each envelope is handed to the (synchronous) Bolt app on a
thread pool, so a slow listener never holds up the pings, and its answer goes back as the ack.

What no client does is left to this module: Slack's `disconnect` with `link_disabled` (Socket
Mode turned off in the app's settings) makes every client call `apps.connections.open` again
and again; here it closes the link, says so in the log and on `/healthz`, and asks Slack only
once a minute whether Socket Mode is back. `health()` reports the link down once it has been
down longer than `stale_after`, so an orchestrator can restart a bot that lost Slack for good.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from aiohttp import WSMessage, WSMsgType
from slack_bolt import App
from slack_bolt.adapter.socket_mode.async_internals import send_async_response
from slack_bolt.adapter.socket_mode.internals import run_bolt_app
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.web.async_client import AsyncWebClient

from watchkeeper.loop_thread import LoopThread
from watchkeeper.metrics import Metrics

log = logging.getLogger(__name__)

#: Seconds between the client's pings; a link silent for a few of them is replaced.
PING_INTERVAL = 5.0
#: How often the link's state is looked at (for health and metrics).
WATCH_EVERY = 1.0
#: After `link_disabled`, how long until Slack is asked again whether Socket Mode is back on.
DISABLED_RETRY = 60.0
#: Envelopes handled at once (each a Bolt dispatch on its own thread).
WORKERS = 10

#: What `/healthz` says once Slack has turned Socket Mode off for this app.
DISABLED = (
    "disabled: Slack says Socket Mode is off for this app (link_disabled); turn it on in the "
    "app's settings (Socket Mode), or serve over HTTP (--mode http)"
)


class SocketLink:
    """Keeps one Socket Mode link to Slack for a Bolt app, and knows how long it has been down."""

    def __init__(
        self,
        bolt: App,
        app_token: str,
        *,
        api_url: str,
        metrics: Metrics,
        stale_after: timedelta,
        ping_interval: float = PING_INTERVAL,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._bolt = bolt
        self._token = app_token
        self._api_url = api_url
        self._metrics = metrics
        self._stale_after = stale_after.total_seconds()
        self._ping_interval = ping_interval
        self._monotonic = monotonic
        self._pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="socket-mode")
        self._loop: LoopThread | None = None
        self._client: SocketModeClient | None = None
        self._watcher: asyncio.Future[None] | None = None
        self._connecting: asyncio.Future[None] | None = None
        self._disabling: asyncio.Future[None] | None = None
        self._connects = 0
        self._connected = False
        self._down_since: float | None = None
        self._disabled = False

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Open the link and keep it open; it connects in the background (`wait_connected`)."""
        self._down_since = self._monotonic()
        self._loop = LoopThread("socket-mode")
        self._loop.call(self._open(), 10)

    def wait_connected(self, timeout: float) -> bool:
        """Whether Slack said hello on a link within `timeout` seconds."""
        deadline = self._monotonic() + timeout
        while not self._connected and self._monotonic() < deadline:
            time.sleep(0.02)
        return self._connected

    def stop(self) -> None:
        """Close the link; envelopes being handled finish first."""
        if self._loop is None:
            return
        try:
            self._loop.call(self._close(), 10)
        finally:
            self._loop.close()
            self._loop = None
            self._pool.shutdown(wait=True)

    # --- what the rest of the bot asks --------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._connected

    def health(self) -> str:
        """`ok`, or why not: disabled by Slack, or down for longer than `stale_after`."""
        if self._disabled:
            return DISABLED
        if self._connected or self._down_since is None:
            return "ok"
        down = self._monotonic() - self._down_since
        if down <= self._stale_after:
            return "ok"
        return f"disconnected for {down:.0f} s"

    # --- on the link's own loop -----------------------------------------------------------------

    async def _open(self) -> None:
        self._client = self._new_client()
        self._watcher = asyncio.ensure_future(self._watch())
        # The client retries until Slack answers; nobody waits for that here.
        self._connecting = asyncio.ensure_future(self._client.connect())

    def _new_client(self) -> SocketModeClient:
        client = SocketModeClient(
            app_token=self._token,
            web_client=AsyncWebClient(base_url=self._api_url),
            ping_interval=self._ping_interval,
            logger=logging.getLogger("watchkeeper.slack.socket_mode_client"),
            on_message_listeners=[self._heard],
        )
        client.socket_mode_request_listeners.append(self._handle)
        return client

    async def _close(self) -> None:
        for task in (self._watcher, self._connecting):
            if task is not None:
                task.cancel()
        if self._client is not None:
            await self._client.close()
        self._set_connected(False)

    async def _handle(self, client: AsyncBaseSocketModeClient, request: SocketModeRequest) -> None:
        """One envelope: Bolt answers on a worker thread; its answer is the ack."""
        started = time.time()
        loop = asyncio.get_running_loop()
        answer = await loop.run_in_executor(self._pool, run_bolt_app, self._bolt, request)
        # A non-200 answer (starting up, refused) is not acked: Slack delivers it again.
        await send_async_response(client, request, answer, started)
        self._metrics.ack_seconds.observe(time.time() - started)

    async def _heard(self, message: WSMessage) -> None:
        """Every frame Slack sends: `hello` opens a link; `link_disabled` ends the retrying."""
        if message.type is not WSMsgType.TEXT:
            return
        try:
            said: dict[str, Any] = json.loads(message.data)
        except ValueError:
            return
        if said.get("type") == "hello":
            self._connects += 1
            if self._connects > 1:
                self._metrics.socket_reconnects.inc()
                log.info("Socket Mode link to Slack is up again (reconnect %s)", self._connects - 1)
            if self._disabled:
                log.info("Socket Mode is on again for this app")
                self._disabled = False
            self._set_connected(True)
        elif said.get("type") == "disconnect" and said.get("reason") == "link_disabled":
            # Not awaited here: closing the link from inside its own receiver would wait on itself.
            self._disabling = asyncio.ensure_future(self._disable())

    async def _disable(self) -> None:
        """Socket Mode is off in the app's settings: stop, and ask again once a minute."""
        if not self._disabled:
            log.error("Slack disabled the Socket Mode link (link_disabled). %s", DISABLED)
        self._disabled = True
        if self._client is not None:
            await self._client.close()
        self._set_connected(False)

    async def _watch(self) -> None:
        """Keep `connected` true to the client; after `link_disabled`, try again now and then."""
        retry_at = 0.0
        while True:
            await asyncio.sleep(WATCH_EVERY)
            if self._disabled:
                if self._monotonic() >= retry_at:
                    retry_at = self._monotonic() + DISABLED_RETRY
                    await self._try_after_disabled()
                continue
            link = self._client
            if link is not None and self._connected and not await link.is_connected():
                self._set_connected(False)
                log.warning("Socket Mode link to Slack is down; the client is reconnecting")

    async def _try_after_disabled(self) -> None:
        """One new link: Slack's `hello` on it ends the disabled state, `link_disabled` not."""
        self._client = self._new_client()
        self._connecting = asyncio.ensure_future(self._client.connect())
        await asyncio.sleep(self._ping_interval * 2)
        if self._disabled:  # no hello: stop this try until the next one
            self._connecting.cancel()
            await self._client.close()

    def _set_connected(self, connected: bool) -> None:
        if connected:
            self._down_since = None
        elif self._connected or self._down_since is None:
            self._down_since = self._monotonic()
        self._connected = connected
        self._metrics.socket_connected.set(1 if connected else 0)
