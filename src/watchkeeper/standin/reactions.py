"""The stand-in's reactions: reactions.add and reactions.remove, and the events they send.

A reaction (by the bot through the Web API, or by a person through `FakeSlack.react`) is kept on
its message, shown by conversations.history, and queued as a `reaction_added` or
`reaction_removed` event for the app, as Slack sends them to apps subscribed to those events.
"""

from __future__ import annotations

import re
from typing import Any

from watchkeeper.standin.errors import SlackError, text_arg
from watchkeeper.standin.state import JsonObject, Message, Workspace

# An emoji's name: what Slack accepts in `name` (colons around it are dropped).
_EMOJI = re.compile(r"^[a-z0-9_+'-]+(::skin-tone-[2-6])?$")


def add(ws: Workspace, args: dict[str, Any]) -> JsonObject:
    """reactions.add with the bot token: the bot reacts."""
    channel, ts, name = _item(args)
    react(ws, channel, ts, name, user=ws.bot)
    return {"ok": True}


def remove(ws: Workspace, args: dict[str, Any]) -> JsonObject:
    """reactions.remove with the bot token: the bot takes its reaction back."""
    channel, ts, name = _item(args)
    unreact(ws, channel, ts, name, user=ws.bot)
    return {"ok": True}


def react(ws: Workspace, channel_id: str, ts: str, name: str, *, user: str) -> JsonObject:
    """`user` adds reaction `name` to a message; the `reaction_added` event is queued."""
    message = _message(ws, channel_id, ts)
    users = message.reactions.setdefault(_name(name), [])
    if user in users:
        raise SlackError("already_reacted")
    users.append(user)
    return _queue(ws, "reaction_added", channel_id, ts, _name(name), user, message.user)


def unreact(ws: Workspace, channel_id: str, ts: str, name: str, *, user: str) -> JsonObject:
    """`user` takes reaction `name` back; the `reaction_removed` event is queued."""
    message = _message(ws, channel_id, ts)
    users = message.reactions.get(_name(name), [])
    if user not in users:
        raise SlackError("no_reaction")
    users.remove(user)
    if not users:
        del message.reactions[_name(name)]
    return _queue(ws, "reaction_removed", channel_id, ts, _name(name), user, message.user)


def _item(args: dict[str, Any]) -> tuple[str, str, str]:
    ts = text_arg(args, "timestamp") or ""
    if not ts:
        raise SlackError("no_item_specified")
    return text_arg(args, "channel") or "", ts, text_arg(args, "name") or ""


def _message(ws: Workspace, channel_id: str, ts: str) -> Message:
    channel = ws.channel(channel_id)
    if channel.is_archived:
        raise SlackError("is_archived")
    try:
        float(ts)
    except ValueError:
        raise SlackError("bad_timestamp") from None
    return channel.message(ts)


def _name(name: str) -> str:
    bare = name.strip(":")
    if not _EMOJI.match(bare):
        raise SlackError("invalid_name")
    return bare


def _queue(
    ws: Workspace, kind: str, channel_id: str, ts: str, name: str, user: str, item_user: str
) -> JsonObject:
    event: JsonObject = {
        "type": kind,
        "user": user,
        "reaction": name,
        "item_user": item_user,
        "item": {"type": "message", "channel": channel_id, "ts": ts},
        "event_ts": ws.next_ts(),
    }
    ws.outgoing_events.append(event)
    return event
