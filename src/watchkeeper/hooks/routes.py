"""The hooks' routes, `POST /hooks/<source>`, to mount beside Slack's in the bot's app.

Each request is checked in the order that costs least to refuse: the source is on (404), the
token is right (401), the body is at most 1 MB (413) and reads as the source's payload (400);
then one use case takes the report in (`services.alerts.receive_alerts`) and the answer says
what it did. A database that does not answer is 503, which Alertmanager and Grafana retry.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from watchkeeper.domain.alert_policy import AlertPolicy
from watchkeeper.hooks.auth import bears
from watchkeeper.hooks.reading import MalformedReport
from watchkeeper.hooks.sources import HookSource
from watchkeeper.metrics import Metrics
from watchkeeper.services.alerts import receive_alerts
from watchkeeper.services.context import Context
from watchkeeper.services.ports import StorageUnavailable
from watchkeeper.web import read_capped

log = logging.getLogger(__name__)

#: The largest body read: a notification of a few thousand alerts fits many times over.
MAX_BODY = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Hook:
    """One source as this bot serves it: its token (None: the source is off) and its rules."""

    source: HookSource
    token: str | None
    policy: AlertPolicy


def hook_routes(ctx: Context, hooks: Sequence[Hook], metrics: Metrics) -> list[BaseRoute]:
    """`POST /hooks/<source>` for every source; a source without a token answers 404."""
    return [
        Route(hook.source.path, _endpoint(ctx, hook, metrics), methods=["POST"]) for hook in hooks
    ]


def _endpoint(
    ctx: Context, hook: Hook, metrics: Metrics
) -> Callable[[Request], Awaitable[Response]]:
    name = hook.source.name

    def refuse(status: int, outcome: str, error: str, **headers: str) -> Response:
        metrics.alert_reports.labels(name, outcome).inc()
        return JSONResponse({"error": error}, status_code=status, headers=headers or None)

    async def receive(request: Request) -> Response:
        if hook.token is None:
            return refuse(
                404,
                "off",
                f"the {name} hook is off: WATCHKEEPER_HOOK_TOKENS names no token for {name}",
            )
        if not bears(request, hook.token):
            return refuse(
                401,
                "unauthorized",
                f"send the {name} token as Authorization: Bearer <token>",
                **{"WWW-Authenticate": "Bearer"},
            )
        if int(request.headers.get("content-length") or 0) > MAX_BODY:
            return refuse(413, "too_large", f"the body is over {MAX_BODY} bytes")
        body = await read_capped(request, MAX_BODY)
        if body is None:
            return refuse(413, "too_large", f"the body is over {MAX_BODY} bytes")
        try:
            # Up to a megabyte of JSON: read off the event loop, which serves Slack's acks too.
            report = await run_in_threadpool(hook.source.read, body)
        except MalformedReport as error:
            return refuse(400, "malformed", f"not a {hook.source.what} payload: {error}")
        try:
            received = await run_in_threadpool(receive_alerts, ctx, hook.policy, report)
        except StorageUnavailable:
            return refuse(503, "unavailable", "the database did not answer; send it again")
        metrics.alert_reports.labels(name, received.outcome).inc()
        if received.outcome != "unchanged":
            log.info(
                "%s report for group %r: %s %s%s",
                name,
                report.group_key[:200],
                received.outcome,
                received.incident or "",
                f" ({received.reason})" if received.reason else "",
            )
        answer = {"outcome": received.outcome, "incident": received.incident}
        if received.reason:
            answer["reason"] = received.reason
        return JSONResponse(answer)

    return receive
