"""The two floors Watchkeeper's acks are measured against, each served in its own process.

    python -m bench.floors raw --port 4001
    python -m bench.floors bolt --port 4002 --slack-url URL --token TOKEN

Both run on Watchkeeper's own HTTP stack (uvicorn + Starlette, `watchkeeper.web`: the same
listen backlog, the same server settings), so the differences measured are what each app does
per request, not the HTTP server:

- `raw`: verifies the Slack signature and answers 200 with an empty body: the limit.
- `bolt`: a bare Bolt app in its default configuration (no `process_before_response`, default
  listener thread pool, `auth.test` at start) whose `/incident` listener acks, then posts one
  message through the stand-in: what most Bolt bots are.
"""

from __future__ import annotations

import argparse
import sys
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


def bare_bolt(secret: str, slack_url: str, token: str) -> App:
    """A default Bolt app: `/incident` acks, then posts one message via the Web API."""
    app = App(signing_secret=secret, client=WebClient(token=token, base_url=slack_url))

    @app.command("/incident")
    def incident(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        ack(text=f"Got it: {command.get('text', '')}")
        client.chat_postMessage(
            channel=command["channel_id"], text=f"{command.get('user_name')}: {command.get('text')}"
        )

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.floors", description=__doc__)
    parser.add_argument("kind", choices=["raw", "bolt"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--slack-url", help="the stand-in's Web API URL (bolt)")
    parser.add_argument("--token", help="the stand-in's bot token (bolt)")
    args = parser.parse_args(argv)
    if args.kind == "raw":
        app = raw_app(SIGNING_SECRET)
    else:
        if not args.slack_url or not args.token:
            parser.error("bolt needs --slack-url and --token")
        bolt = bare_bolt(SIGNING_SECRET, args.slack_url, args.token)
        app = web_app(bolt, Metrics(), lambda: {"bolt": "ok"})
    server = http_server(app)  # uvicorn stops gracefully on SIGTERM
    server.run(sockets=[listening_socket("127.0.0.1", args.port)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
