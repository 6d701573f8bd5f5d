"""The four Socket Mode clients slack_sdk ships, each started against the stand-in and acking.

Each adapter builds the client the way its module documents, points its Web API client at the
stand-in (`apps.connections.open` goes there with the app-level token), acks every envelope
with an empty ack, and closes it again. The async clients (aiohttp, websockets) run on an event
loop of their own in a thread, so the benchmark drives every client from plain blocking code.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Coroutine
from typing import Any, Protocol, TypeVar

from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web import WebClient
from slack_sdk.web.async_client import AsyncWebClient

T = TypeVar("T")

#: Module of each client, as the table names it.
CLIENTS = {
    "builtin": "slack_sdk.socket_mode.builtin",
    "websocket-client": "slack_sdk.socket_mode.websocket_client",
    "aiohttp": "slack_sdk.socket_mode.aiohttp",
    "websockets": "slack_sdk.socket_mode.websockets",
}
#: Each client's own default ping interval (seconds), from its constructor.
DEFAULT_PING_INTERVAL = {
    "builtin": 5.0,
    "websocket-client": 10.0,
    "aiohttp": 5.0,
    "websockets": 10.0,
}
_CLOSE_TIMEOUT_S = 10.0


class Running(Protocol):
    """A started client; `close()` stops it (bounded: a wedged client is abandoned)."""

    def close(self) -> None: ...


def start(kind: str, api_url: str, app_token: str, ping_interval: float | None) -> Running:
    """Client `kind` connected to the stand-in at `api_url`; None keeps its own ping interval."""
    options: dict[str, Any] = {} if ping_interval is None else {"ping_interval": ping_interval}
    if kind in ("builtin", "websocket-client"):
        return _SyncClient(kind, api_url, app_token, options)
    if kind in ("aiohttp", "websockets"):
        return _AsyncClient(kind, api_url, app_token, options)
    raise ValueError(f"unknown client {kind!r}; choose from {', '.join(CLIENTS)}")


def _ack(client: BaseSocketModeClient, request: SocketModeRequest) -> None:
    client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))


async def _ack_async(client: AsyncBaseSocketModeClient, request: SocketModeRequest) -> None:
    await client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))


class _SyncClient:
    def __init__(self, kind: str, api_url: str, app_token: str, options: dict[str, Any]) -> None:
        web_client = WebClient(base_url=api_url)
        client: BaseSocketModeClient
        if kind == "builtin":
            from slack_sdk.socket_mode.builtin import SocketModeClient as Builtin

            client = Builtin(app_token=app_token, web_client=web_client, **options)
        else:
            from slack_sdk.socket_mode.websocket_client import SocketModeClient as WsClient

            client = WsClient(app_token=app_token, web_client=web_client, **options)
        client.socket_mode_request_listeners.append(_ack)
        client.connect()
        self._client = client

    def close(self) -> None:
        _bounded(self._client.close)


class _AsyncClient:
    def __init__(self, kind: str, api_url: str, app_token: str, options: dict[str, Any]) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._client = self._run(self._connect(kind, api_url, app_token, options))

    async def _connect(
        self, kind: str, api_url: str, app_token: str, options: dict[str, Any]
    ) -> AsyncBaseSocketModeClient:
        # Both clients start tasks in their constructors: they must be built on the loop.
        web_client = AsyncWebClient(base_url=api_url)
        client: AsyncBaseSocketModeClient
        if kind == "aiohttp":
            from slack_sdk.socket_mode.aiohttp import SocketModeClient as Aiohttp

            client = Aiohttp(app_token=app_token, web_client=web_client, **options)
        else:
            from slack_sdk.socket_mode.websockets import SocketModeClient as Websockets

            client = Websockets(app_token=app_token, web_client=web_client, **options)
        client.socket_mode_request_listeners.append(_ack_async)
        await client.connect()
        return client

    def _run(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(_CLOSE_TIMEOUT_S)

    def close(self) -> None:
        _bounded(lambda: self._run(self._client.close()))
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(_CLOSE_TIMEOUT_S)


def _bounded(close: Callable[[], object]) -> None:
    """Run `close`, but give up after a while: the process ends right after anyway."""

    def run() -> None:
        # A client wedged by the fault may fail to close; the run's figures are already taken.
        with contextlib.suppress(Exception):
            close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(_CLOSE_TIMEOUT_S)
