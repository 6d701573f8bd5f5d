"""The floors Watchkeeper is measured against, each run in a process of its own.

    python -m bench.floors raw --port 4001
    python -m bench.floors bolt --port 4002 --slack-url URL --token TOKEN
    python -m bench.floors bolt-ack --port 4003 --slack-url URL --token TOKEN
    python -m bench.floors poster --slack-url URL --token TOKEN --threads 64 --at T < channels
    python -m bench.floors static --port 4004 --body FILE

The three servers run on Watchkeeper's own HTTP stack (uvicorn + Starlette, `watchkeeper.web`:
the same listen backlog, the same server settings), so the differences measured are what each
app does per request, not the HTTP server:

- `raw`: verifies the Slack signature and answers 200 with an empty body: the limit.
- `bolt`: a bare Bolt app in its default configuration (no `process_before_response`, default
  listener thread pool, `auth.test` at start) whose `/incident` listener acks, then posts one
  message through the stand-in: what most Bolt bots are.
- `bolt-ack`: the same Bolt app whose listener only acks: no post, no database, no work at all.
  What Bolt and the HTTP stack cost by themselves, so no Bolt bot can ack faster.

- `static`: answers every GET with the bytes of one file, as HTML: the status page's floor,
  a page of the same size served with no work at all.

The fifth is the reminders' floor, not a server:

- `poster`: at the moment T (seconds since the epoch) posts one message with
  `chat.postMessage` to each channel ID read from stdin, from a pool of threads, then prints
  what failed and its CPU time as JSON: how fast a bot can post that many messages through the
  stand-in.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bench.harness import SIGNING_SECRET
from watchkeeper.metrics import Metrics
from watchkeeper.web import http_server, listening_socket, web_app


def raw_app(secret: str) -> Starlette:
    """Verify the signature, answer 200: nothing else."""
    verifier = SignatureVerifier(secret)

    async def events(request: Request) -> Response:
        body = await request.body()
        if not verifier.is_valid_request(body, dict(request.headers)):
            return Response(status_code=401)
        return Response(status_code=200)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/slack/events", events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


def static_app(body: bytes) -> Starlette:
    """Answer every GET with `body`: what serving a page costs with nothing to compute."""

    async def page(request: Request) -> Response:
        return Response(body, media_type="text/html; charset=utf-8")

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[Route("/healthz", healthz, methods=["GET"]), Route("/{path:path}", page)]
    )


def bare_bolt(secret: str, slack_url: str, token: str, *, post: bool = True) -> App:
    """A default Bolt app: `/incident` acks, then (with `post`) posts one message."""
    app = App(signing_secret=secret, client=WebClient(token=token, base_url=slack_url))

    @app.command("/incident")
    def incident(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        ack(text=f"Got it: {command.get('text', '')}")
        if post:
            client.chat_postMessage(
                channel=command["channel_id"],
                text=f"{command.get('user_name')}: {command.get('text')}",
            )

    return app


def bare_poster(
    slack_url: str, token: str, channels: list[str], *, threads: int, at: float
) -> dict[str, Any]:
    """One `chat.postMessage` per channel, all handed to `threads` threads at the moment `at`."""
    client = WebClient(token=token, base_url=slack_url)

    def post(channel: str) -> None:
        client.chat_postMessage(channel=channel, text="Reminder: time for an update")

    with ThreadPoolExecutor(max_workers=threads) as pool:
        started_late = time.time() > at
        time.sleep(max(0.0, at - time.time()))
        cpu_before = time.process_time()
        posts = [pool.submit(post, channel) for channel in channels]
        failures = [repr(error) for error in (p.exception() for p in posts) if error is not None]
    return {
        "started_late": started_late,
        "failed": len(failures),
        "first_failure": failures[0] if failures else "",
        "cpu_s": time.process_time() - cpu_before,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.floors", description=__doc__)
    parser.add_argument("kind", choices=["raw", "bolt", "bolt-ack", "poster", "static"])
    parser.add_argument("--body", help="the file every GET is answered with (static)")
    parser.add_argument("--port", type=int, help="where to listen (raw, bolt)")
    parser.add_argument("--slack-url", help="the stand-in's Web API URL (bolt, poster)")
    parser.add_argument("--token", help="the stand-in's bot token (bolt, poster)")
    parser.add_argument("--threads", type=int, default=64, help="posting threads (poster)")
    parser.add_argument("--at", type=float, help="when to post, seconds since the epoch (poster)")
    args = parser.parse_args(argv)
    if args.kind == "poster":
        if not args.slack_url or not args.token or args.at is None:
            parser.error("poster needs --slack-url, --token and --at")
        channels = sys.stdin.read().split()
        done = bare_poster(args.slack_url, args.token, channels, threads=args.threads, at=args.at)
        print(json.dumps(done))
        return 0
    if args.port is None:
        parser.error(f"{args.kind} needs --port")
    if args.kind == "raw":
        app = raw_app(SIGNING_SECRET)
    elif args.kind == "static":
        if not args.body:
            parser.error("static needs --body")
        app = static_app(Path(args.body).read_bytes())
    else:
        if not args.slack_url or not args.token:
            parser.error(f"{args.kind} needs --slack-url and --token")
        bolt = bare_bolt(SIGNING_SECRET, args.slack_url, args.token, post=args.kind == "bolt")
        app = web_app(bolt, Metrics(), lambda: {"bolt": "ok"})
    server = http_server(app)  # uvicorn stops gracefully on SIGTERM
    server.run(sockets=[listening_socket("127.0.0.1", args.port)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
