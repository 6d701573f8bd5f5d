"""The Bolt app: signature checks, authorization without a Web API call, and the listeners."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient

from watchkeeper.metrics import Metrics
from watchkeeper.services.context import Context
from watchkeeper.slack.identity import BotIdentity
from watchkeeper.slack.listeners import register_listeners

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
    """

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
    register_listeners(app, ctx, identity, metrics)
    return app


#: What someone in another workspace is told when they type `/incident`.
NOT_INSTALLED = (
    ":warning: Watchkeeper is not installed in this workspace, so nothing was done. "
    "Ask your Slack admins about incident tooling here."
)


def only_the_installed_workspace(identity: BotIdentity) -> Callable[..., BoltResponse]:
    """Refuse requests from any workspace but the one the bot token belongs to.

    A slash command gets an ephemeral reply the person can read (a 403 would only show Slack's
    generic failure); an event is acknowledged and dropped, since Slack retries refused events
    and turns off delivery to an app that keeps refusing; anything else gets 403.
    """

    def middleware(
        body: dict[str, Any], context: BoltContext, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        team = context.team_id
        if not (identity.team_id and team and team != identity.team_id):
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
