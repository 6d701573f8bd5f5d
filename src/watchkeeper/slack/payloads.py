"""Slack's payloads, read one way: who asks, from which channel, under which key.

Every surface (slash commands, buttons, form submissions, shortcuts, events) becomes the same
`Request` for the use cases. The key makes Slack's redelivery of a request, or a double click,
a no-op: each surface has the ID Slack keeps the same when it sends the same thing again.
"""

from __future__ import annotations

import re
from typing import Any

from watchkeeper.services.context import Actor, Request

# A mention with the name Slack showed for it, `<@U123|ana>`.
_NAMED_MENTION = re.compile(r"<@([UW][A-Z0-9]+)\|([^<>|]+)>")


def request_of(body: dict[str, Any]) -> Request:
    """The request a payload of any surface makes."""
    if body.get("command"):
        return _command(body)
    match body.get("type"):
        case "view_submission":
            view = body.get("view") or {}
            return Request(
                actor_of(body), view.get("private_metadata", ""), _key("view", view.get("id"))
            )
        case "block_actions":
            return Request(actor_of(body), _channel(body), _key("action", body.get("trigger_id")))
        case "message_action":
            return Request(actor_of(body), _channel(body), _key("shortcut", body.get("trigger_id")))
        case "event_callback":
            event = body.get("event") or {}
            channel = event.get("channel_id") or (event.get("item") or {}).get("channel", "")
            return Request(
                Actor(event.get("user", "")), channel, _key("event", body.get("event_id"))
            )
    return Request(actor_of(body), _channel(body))


def actor_of(body: dict[str, Any]) -> Actor:
    """The person who clicked, submitted or typed."""
    user = body.get("user") or {}
    return Actor(user.get("id", ""), user.get("username") or user.get("name", ""))


def _command(body: dict[str, Any]) -> Request:
    text = body.get("text") or ""
    return Request(
        actor=Actor(body.get("user_id", ""), body.get("user_name", "")),
        channel_id=body.get("channel_id", ""),
        key=_key("command", body.get("trigger_id")),
        mentions=tuple(Actor(uid, name) for uid, name in _NAMED_MENTION.findall(text)),
    )


def _channel(body: dict[str, Any]) -> str:
    return str((body.get("channel") or {}).get("id", ""))


def _key(surface: str, slack_id: object) -> str | None:
    return f"{surface}:{slack_id}" if slack_id else None
