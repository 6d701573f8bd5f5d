"""HTTP mode: Slack's requests on `POST /slack/events`, plus `/healthz`, `/metrics` and any
routes mounted beside them (the status page's, `watchkeeper.status.status_routes`)."""

from __future__ import annotations

import hmac
import socket
import threading
import time
from collections.abc import Callable, Sequence

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST
from slack_bolt import App, BoltRequest
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from watchkeeper.metrics import Metrics
from watchkeeper.slack.app import verifies_signatures

#: Connections the kernel queues while every worker is busy: bursts must not be dropped.
LISTEN_BACKLOG = 4096
#: What Bolt answers a request whose signature does not check out.
UNSIGNED = {"error": "invalid request"}

#: Largest body read before its signature is checked: Slack's payloads are far smaller.
MAX_BODY = 1024 * 1024

HealthCheck = Callable[[], dict[str, str]]


def web_app(
    bolt: App | None,
    metrics: Metrics,
    health: HealthCheck,
    refresh_gauges: Callable[[], None] = lambda: None,
    *,
    serve_metrics: bool = True,
    metrics_token: str | None = None,
    extra_routes: Sequence[BaseRoute] = (),
) -> Starlette:
    """The ASGI app; Bolt's synchronous dispatch runs in a worker thread, off the event loop.

    Without a Bolt app (Socket Mode) only `/healthz`, `/metrics` and `extra_routes` are
    served: nothing unsigned may reach the listeners over HTTP, and a Bolt app that does not
    check signatures is refused outright. `serve_metrics=False` leaves `/metrics` to a server
    of its own on a private interface (`metrics_app`); `metrics_token` makes it ask for that
    bearer token.
    """
    if bolt is not None and not verifies_signatures(bolt):
        raise ValueError(
            "refusing to serve Slack over HTTP with an app that checks no signatures: "
            "set SLACK_SIGNING_SECRET"
        )

    async def slack_events(request: Request) -> Response:
        assert bolt is not None
        started = time.perf_counter()
        body = await read_capped(request, MAX_BODY)
        if body is None:
            return PlainTextResponse("request body too large", status_code=413)
        if not _is_integer(request.headers.get("x-slack-request-timestamp", "0")):
            return JSONResponse(UNSIGNED, status_code=401)  # Bolt's check would raise on it
        bolt_response = await run_in_threadpool(bolt.dispatch, _bolt_request(request, body))
        metrics.ack_seconds.observe(time.perf_counter() - started)
        return to_starlette_response(bolt_response)

    async def healthz(request: Request) -> Response:
        checks = await run_in_threadpool(health)
        healthy = all(value == "ok" for value in checks.values())
        return JSONResponse(
            {"status": "ok" if healthy else "unhealthy", **checks},
            status_code=200 if healthy else 503,
        )

    async def metrics_text(request: Request) -> Response:
        if metrics_token is not None and not _bears(request, metrics_token):
            return PlainTextResponse(
                "a bearer token is required", 401, {"WWW-Authenticate": "Bearer"}
            )
        await run_in_threadpool(refresh_gauges)
        text = await run_in_threadpool(metrics.exposition)
        return PlainTextResponse(text, headers={"Content-Type": CONTENT_TYPE_LATEST})

    routes: list[BaseRoute] = [Route("/healthz", healthz, methods=["GET"]), *extra_routes]
    if serve_metrics:
        routes.append(Route("/metrics", metrics_text, methods=["GET"]))
    if bolt is not None:
        routes.append(Route("/slack/events", slack_events, methods=["POST"]))
    return Starlette(routes=routes)


def metrics_app(
    metrics: Metrics,
    health: HealthCheck,
    refresh_gauges: Callable[[], None],
    *,
    metrics_token: str | None = None,
) -> Starlette:
    """`/metrics` and `/healthz` alone, for a listener on a private interface of their own."""
    return web_app(None, metrics, health, refresh_gauges, metrics_token=metrics_token)


def _bears(request: Request, token: str) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    # Compared in constant time: how long a refusal takes must not tell how much was right.
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token)


def _bolt_request(request: Request, body: bytes) -> BoltRequest:
    """The request for Bolt; a body Bolt cannot read still meets its signature check.

    Bolt parses the body before it checks the signature, so junk would fail (a 500) before
    anyone asked who sent it. Such a body goes on with nothing parsed: unsigned, it gets 401
    like any forgery (and Slack signs nothing it cannot read).
    """
    try:
        return to_bolt_request(request, body)
    except (ValueError, AttributeError, TypeError):  # not UTF-8, not JSON, not an object
        unread = BoltRequest(body="", headers=dict(request.headers))
        unread.raw_body = body.decode("utf-8", "replace")
        return unread


def _is_integer(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


def listening_socket(host: str, port: int) -> socket.socket:
    """A bound socket (port 0 picks a free one) with a backlog that absorbs bursts."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(LISTEN_BACKLOG)
    sock.set_inheritable(True)
    return sock


def http_server(app: Starlette, *, log_level: str = "warning") -> uvicorn.Server:
    """A uvicorn server for the app; SIGTERM lets in-flight requests finish before it stops."""
    config = uvicorn.Config(
        app,
        log_level=log_level,
        # The C parser (a dependency): h11, the pure-Python default, costs a command ~10 % more.
        http="httptools",
        backlog=LISTEN_BACKLOG,
        access_log=False,
        timeout_graceful_shutdown=20,
        lifespan="off",
    )
    return uvicorn.Server(config)


class BackgroundServer:
    """Serves an app on loopback in a thread (the demo, the tests and the benchmarks use it)."""

    def __init__(
        self,
        app: Starlette,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        listening: socket.socket | None = None,
    ) -> None:
        # `listening`: a socket bound and listening already (one a parent process handed down).
        self._server = http_server(app)
        self._socket = listening or listening_socket(host, port)
        self.url = f"http://{host}:{self._socket.getsockname()[1]}"
        self._thread = threading.Thread(
            target=self._server.run, name="http", kwargs={"sockets": [self._socket]}, daemon=True
        )

    def start(self, timeout: float = 10.0) -> None:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the HTTP server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        """Stop accepting, let in-flight requests finish, then return."""
        self._server.should_exit = True
        self._thread.join(30)
        self._socket.close()


async def read_capped(request: Request, limit: int) -> bytes | None:
    """The request body, or None once it passes `limit` bytes (never held whole in memory)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
