"""The Bolt app: signature checks, authorization without a Web API call, and the listeners."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.middleware.request_verification import RequestVerification
from slack_sdk import WebClient

from watchkeeper.metrics import Metrics
from watchkeeper.services.context import Context
from watchkeeper.slack.identity import BotIdentity
from watchkeeper.slack.listeners import register_listeners
from watchkeeper.slack.pooled import PooledWebClient

log = logging.getLogger(__name__)


def build_app(
    ctx: Context,
    *,
    client: WebClient,
    bot_token: str,
    identity: BotIdentity,
    metrics: Metrics,
    signing_secret: str | None,
) -> App:
    """A Bolt app that answers in the ack (process_before_response) and verifies signatures.

    Answering inside the listener (rather than acking early and working on Bolt's thread pool)
    keeps acks near a raw server's: the listener only parses and commits, and everything slow
    runs later in the courier. Authorization uses the known bot token, so a slow or failing
    Slack never delays or breaks an ack.

    Without a signing secret (None) the app checks no signatures and may only serve Socket
    Mode, where Slack signs nothing: `web.web_app` refuses to put such an app on HTTP.
    """
    if signing_secret is not None and not signing_secret.strip():
        # An empty key signs as well as any: anyone could forge requests with it.
        raise ValueError("a blank signing secret verifies nothing; give the secret or None")

    def authorize(
        enterprise_id: str | None, team_id: str | None, user_id: str | None
    ) -> AuthorizeResult:
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id,
            bot_token=bot_token,
            bot_user_id=identity.user_id,
            bot_id=identity.bot_id,
            user_id=user_id,
        )

    options: dict[str, Any] = {}
    if signing_secret is None:
        options["request_verification_enabled"] = False  # Socket Mode: Slack signs nothing
    app = App(
        name="watchkeeper.bolt",
        client=client,
        signing_secret=signing_secret or "",
        authorize=authorize,
        process_before_response=True,
        **options,
    )
    app.use(only_the_installed_workspace(identity))
    if isinstance(client, PooledWebClient):
        app.use(pooled_client(client))
    register_listeners(app, ctx, identity, metrics)
    return app


def pooled_client(client: PooledWebClient) -> Callable[..., BoltResponse]:
    """Give listeners a client on `client`'s kept-alive connections.

    Bolt builds a plain `WebClient` for every request (a new connection per call); this one
    has the same token, workspace and retry handlers, and shares the pool.
    """

    def middleware(context: BoltContext, next: Callable[[], BoltResponse]) -> BoltResponse:
        given = context.client
        context["client"] = client.another(
            token=given.token,
            team_id=context.team_id,
            headers=given.headers,
            logger=given.logger,
            retry_handlers=given.retry_handlers,
        )
        return next()

    return middleware


def verifies_signatures(app: App) -> bool:
    """True when the app checks Slack's signature, with a real secret, on every HTTP request."""
    # Bolt keeps its middleware in a private list; reading it judges the app by what it runs,
    # not by a flag kept beside it that could disagree.
    middleware = getattr(app, "_middleware_list", [])
    return any(
        isinstance(step, RequestVerification) and step.verifier.signing_secret.strip()
        for step in middleware
    )


#: What someone in another workspace is told when they type `/incident`.
NOT_INSTALLED = (
    ":warning: Watchkeeper is not installed in this workspace, so nothing was done. "
    "Ask your Slack admins about incident tooling here."
)
#: What anyone is told while the bot does not yet know which workspace it serves.
STARTING_UP = (
    ":hourglass: Watchkeeper is starting up and cannot check where this request comes from "
    "yet, so nothing was done. Try again in a few seconds."
)


def only_the_installed_workspace(identity: BotIdentity) -> Callable[..., BoltResponse]:
    """Refuse requests from any workspace but the one the bot token belongs to.

    A slash command gets an ephemeral reply the person can read (a 403 would only show Slack's
    generic failure); an event is acknowledged and dropped, since Slack retries refused events
    and turns off delivery to an app that keeps refusing; anything else gets 403. Until
    `auth.test` has said which workspace that is, everything is refused (fail closed): a
    command with a reply saying to try again, an event with 503 so that Slack delivers it again.
    """

    def middleware(
        body: dict[str, Any], context: BoltContext, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        if identity.team_id is None:
            return _starting_up(body)
        team = context.team_id
        if not (team and team != identity.team_id):
            return next()
        log.warning(
            "refused a request from workspace %s; this bot serves %s", team, identity.team_id
        )
        if body.get("command"):
            return BoltResponse(
                status=200, body={"response_type": "ephemeral", "text": NOT_INSTALLED}
            )
        if body.get("type") == "event_callback":
            return BoltResponse(status=200, body="")
        return BoltResponse(status=403, body="This app is not installed in that workspace.")

    return middleware


def _starting_up(body: dict[str, Any]) -> BoltResponse:
    log.warning("refused a request: the bot's workspace is not known yet (auth.test pending)")
    if body.get("command"):
        return BoltResponse(status=200, body={"response_type": "ephemeral", "text": STARTING_UP})
    return BoltResponse(status=503, body="Watchkeeper is starting up; try again shortly.")
