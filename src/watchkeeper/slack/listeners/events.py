"""Events: pinned messages join the timeline; the App Home shows your follow-ups and open incidents."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from watchkeeper.services import facts
from watchkeeper.services.context import Context
from watchkeeper.slack.home import show_home
from watchkeeper.slack.identity import BotIdentity
from watchkeeper.slack.markup import to_plain
from watchkeeper.slack.payloads import request_of
from watchkeeper.slack.refusals import refusals


def register(app: App, ctx: Context, identity: BotIdentity) -> None:
    """Listen for pins in incident channels and for users opening the App Home."""

    def pin_added(body: dict[str, Any], event: dict[str, Any]) -> None:
        message = (event.get("item") or {}).get("message") or {}
        if not message.get("ts") or _by_the_bot(message, identity):
            return  # the bot's own card, or an item that is not a message
        # A pin outside an incident channel, or an event Slack sent twice, changes nothing.
        with refusals():
            facts.add_pinned_message(
                ctx,
                request_of(body),
                message_ts=str(message["ts"]),
                text=to_plain(message.get("text", "")),
                author=message.get("user", ""),
                permalink=message.get("permalink", ""),
            )

    def pin_removed(body: dict[str, Any], event: dict[str, Any]) -> None:
        message = (event.get("item") or {}).get("message") or {}
        if not message.get("ts"):
            return
        with refusals():
            facts.remove_pinned_message(ctx, request_of(body), str(message["ts"]))

    def app_home_opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        show_home(ctx, client, event["user"])

    app.event("pin_added")(pin_added)
    app.event("pin_removed")(pin_removed)
    app.event("app_home_opened")(ack=lambda: None, lazy=[app_home_opened])


def _by_the_bot(message: dict[str, Any], identity: BotIdentity) -> bool:
    by_bot_id = bool(message.get("bot_id")) and message.get("bot_id") == identity.bot_id
    return by_bot_id or (identity.user_id is not None and message.get("user") == identity.user_id)
