"""The Bolt app: signature checks, authorization without a Web API call, and the listeners."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient

from watchkeeper.services.context import Context
from watchkeeper.slack.identity import BotIdentity
from watchkeeper.slack.listeners import register_listeners


def build_app(
    ctx: Context,
    *,
    client: WebClient,
    bot_token: str,
    identity: BotIdentity,
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
        name="watchkeeper",
        client=client,
        signing_secret=signing_secret or "",
        authorize=authorize,
        process_before_response=True,
        **options,
    )
    register_listeners(app, ctx, identity)
    return app
