"""Events: pinned messages (and messages given the timeline's reaction) join the timeline;
the App Home shows your follow-ups and open incidents."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from watchkeeper.services import facts
from watchkeeper.services.context import Context
from watchkeeper.services.queries import incident_in_channel
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
                event_ts=str(event.get("event_ts", "")),
            )

    def pin_removed(body: dict[str, Any], event: dict[str, Any]) -> None:
        message = (event.get("item") or {}).get("message") or {}
        if not message.get("ts"):
            return
        with refusals():
            facts.remove_pinned_message(
                ctx, request_of(body), str(message["ts"]), event_ts=str(event.get("event_ts", ""))
            )

    def reaction_added(body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        # Lazy: fetching the message and its permalink from Slack must not hold up the ack.
        item = _reacted_message(event, ctx.timeline_reaction)
        if item is None:
            return
        channel_id, ts = item
        request = request_of(body)
        with refusals():
            # Refuse outside an incident channel before asking Slack for anything.
            incident_in_channel(ctx, channel_id, history=False)
            message = _message(client, channel_id, ts)
            if message is None or _by_the_bot(message, identity):
                return  # deleted meanwhile, or the bot's own card
            permalink = client.chat_getPermalink(channel=channel_id, message_ts=ts)
            facts.add_pinned_message(
                ctx,
                request,
                message_ts=ts,
                text=to_plain(message.get("text", "")),
                author=message.get("user", ""),
                permalink=str(permalink.get("permalink", "")),
                holder=facts.reaction_holder(str(event.get("user", ""))),
                event_ts=str(event.get("event_ts", "")),
            )

    def reaction_removed(body: dict[str, Any], event: dict[str, Any]) -> None:
        item = _reacted_message(event, ctx.timeline_reaction)
        if item is None:
            return
        with refusals():
            facts.remove_pinned_message(
                ctx,
                request_of(body),
                item[1],
                holder=facts.reaction_holder(str(event.get("user", ""))),
                event_ts=str(event.get("event_ts", "")),
            )

    def app_home_opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        show_home(ctx, client, event["user"])

    app.event("pin_added")(pin_added)
    app.event("pin_removed")(pin_removed)
    app.event("reaction_added")(ack=lambda: None, lazy=[reaction_added])
    app.event("reaction_removed")(reaction_removed)
    app.event("app_home_opened")(ack=lambda: None, lazy=[app_home_opened])


def _reacted_message(event: dict[str, Any], reaction: str) -> tuple[str, str] | None:
    """The channel and timestamp of the message given the timeline's reaction, if it was."""
    item = event.get("item") or {}
    # A skin tone comes as `+1::skin-tone-2`: the emoji is the same.
    name = str(event.get("reaction", "")).split("::")[0]
    if name != reaction or item.get("type") != "message":
        return None
    if not item.get("channel") or not item.get("ts"):
        return None
    return str(item["channel"]), str(item["ts"])


def _message(client: WebClient, channel_id: str, ts: str) -> dict[str, Any] | None:
    """The message `ts` of the channel (conversations.history, that message only)."""
    found = client.conversations_history(
        channel=channel_id, latest=ts, oldest=ts, inclusive=True, limit=1
    )
    messages = found.get("messages") or []
    return next((m for m in messages if m.get("ts") == ts), None)


def _by_the_bot(message: dict[str, Any], identity: BotIdentity) -> bool:
    by_bot_id = bool(message.get("bot_id")) and message.get("bot_id") == identity.bot_id
    return by_bot_id or (identity.user_id is not None and message.get("user") == identity.user_id)
