"""The stand-in's conversations.* methods: create, invite, setTopic, archive, info, join, list,
members and open."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from watchkeeper.standin.errors import SlackError, bool_arg, int_arg, split_ids, text_arg
from watchkeeper.standin.state import JsonObject, Workspace

_NAME = re.compile(r"[a-z0-9_-]+")
_TYPES = frozenset({"public_channel", "private_channel", "mpim", "im"})
MAX_NAME = 80
MAX_TOPIC = 250


def _channel_arg(args: dict[str, Any]) -> str:
    return text_arg(args, "channel") or ""


def create(ws: Workspace, args: dict[str, Any]) -> JsonObject:
    name = text_arg(args, "name") or ""
    if not name:
        raise SlackError("invalid_name_required")
    if len(name) > MAX_NAME:
        raise SlackError("invalid_name_maxlength")
    if not _NAME.fullmatch(name):
        raise SlackError("invalid_name_specials")
    if not name.strip("-_"):
        raise SlackError("invalid_name_punctuation")
    # Slack keeps an archived channel's name: a new channel cannot take it either.
    if ws.channel_named(name) is not None:
        raise SlackError("name_taken")
    private = bool_arg(args, "is_private")
    if private and "groups:write" not in ws.scopes:
        # channels:manage makes public channels only; a private one takes groups:write.
        raise SlackError(
            "missing_scope", needed="groups:write", provided=",".join(sorted(ws.scopes))
        )
    channel = ws.add_channel(name, creator=ws.bot, private=private)
    channel.members.add(ws.bot)
    return {"ok": True, "channel": channel.to_json(ws.bot)}


def invite(ws: Workspace, args: dict[str, Any]) -> JsonObject:
    channel = ws.channel(_channel_arg(args))
    if channel.is_archived:
        raise SlackError("is_archived")
    if ws.bot not in channel.members:
        raise SlackError("not_in_channel")
    users = split_ids(text_arg(args, "users"))
    if not users:
        raise SlackError("no_user")
    errors: list[JsonObject] = []
    invitable: list[str] = []
    for user_id in users:
        user = ws.users.get(user_id)
        if user_id == ws.bot:
            problem = "cant_invite_self"
        elif user is None:
            problem = "user_not_found"  # also a user group's ID: only people can be invited
        elif user.deleted:
            problem = "user_disabled"
        elif user.is_restricted:
            problem = "user_is_restricted"
        elif user_id in channel.members:
            problem = "already_in_channel"
        else:
            invitable.append(user_id)
            continue
        errors.append({"user": user_id, "ok": False, "error": problem})
    # Without `force`, one bad user fails the whole call and nobody is invited, as on Slack.
    if errors and (not bool_arg(args, "force") or not invitable):
        raise SlackError(errors[0]["error"], errors=errors)
    channel.members.update(invitable)
    body: JsonObject = {"ok": True, "channel": channel.to_json(ws.bot)}
    if errors:
        body["errors"] = errors
    return body


def set_topic(ws: Workspace, args: dict[str, Any]) -> JsonObject:
    channel = ws.channel(_channel_arg(args))
    if channel.is_archived:
        raise SlackError("is_archived")
    if ws.bot not in channel.members:
        raise SlackError("not_in_channel")
    topic = text_arg(args, "topic") or ""
    if len(topic) > MAX_TOPIC:
        raise SlackError("too_long")
    channel.topic = topic
    return {"ok": True, "channel": channel.to_json(ws.bot)}


def archive(ws: Workspace, args: dict[str, Any]) -> JsonObject:
    """Archive a channel: nobody posts in it afterwards (`is_archived`), as on Slack."""
    channel = ws.channel(_channel_arg(args))
    if channel.is_im:
        raise SlackError("method_not_supported_for_channel_type")
    if channel.name == "general":
        raise SlackError("cant_archive_general")
    if channel.is_archived:
        raise SlackError("already_archived")
    if ws.bot not in channel.members:
        raise SlackError("not_in_channel")
    channel.is_archived = True
    return {"ok": True}


def open_conversation(ws: Workspace, args: dict[str, Any]) -> JsonObject:
    """A direct message with one person (the stand-in opens no group DMs)."""
    users = split_ids(text_arg(args, "users"))
    if not users and not text_arg(args, "channel"):
        raise SlackError("users_list_not_supplied")
    if text_arg(args, "channel"):
        channel = ws.channel(text_arg(args, "channel") or "")
        if not channel.is_im:
            raise SlackError("method_not_supported_for_channel_type")
        return {"ok": True, "channel": {"id": channel.id}}
    if len(users) > 1:
        raise SlackError("not_implemented")  # group DMs: Watchkeeper writes to one person
    user = ws.user(users[0])
    if user.deleted:
        raise SlackError("user_disabled")
    already = any(c.is_im and c.user == user.id for c in ws.channels.values())
    channel = ws.im_with(user.id)
    body: JsonObject = {"ok": True, "channel": {"id": channel.id}}
    if already:
        body.update(no_op=True, already_open=True)
    return body


def info(ws: Workspace, args: dict[str, Any]) -> JsonObject:
    channel = ws.channel(_channel_arg(args))
    body = channel.to_json(ws.bot)
    if bool_arg(args, "include_num_members"):
        body["num_members"] = len(channel.members)
    return {"ok": True, "channel": body}


def members(ws: Workspace, args: dict[str, Any]) -> JsonObject:
    """A channel's members, a page at a time; a private one only to a member (the bot)."""
    channel = ws.channel(_channel_arg(args))
    if channel.is_private and "groups:read" not in ws.scopes:
        raise SlackError(
            "missing_scope", needed="groups:read", provided=",".join(sorted(ws.scopes))
        )
    limit = int_arg(args, "limit", 100, error="invalid_limit")
    if not 1 <= limit <= 1000:
        raise SlackError("invalid_limit")
    ids = sorted(channel.members)
    cursor = text_arg(args, "cursor") or ""
    start = _member_cursor_start(cursor, ids) if cursor else 0
    following = ids[start + limit : start + limit + 1]
    return {
        "ok": True,
        "members": ids[start : start + limit],
        "response_metadata": {"next_cursor": _member_cursor(following[0]) if following else ""},
    }


def _member_cursor(user_id: str) -> str:
    return base64.b64encode(f"user:{user_id}".encode()).decode()


def _member_cursor_start(cursor: str, ids: list[str]) -> int:
    try:
        decoded = base64.b64decode(cursor.encode(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise SlackError("invalid_cursor") from None
    user_id = decoded.removeprefix("user:")
    if not decoded.startswith("user:") or user_id not in ids:
        raise SlackError("invalid_cursor")
    return ids.index(user_id)


def join(ws: Workspace, args: dict[str, Any]) -> JsonObject:
    channel = ws.channel(_channel_arg(args))
    if channel.is_private:
        raise SlackError("method_not_supported_for_channel_type")
    if channel.is_archived:
        raise SlackError("is_archived")
    if ws.bot in channel.members:
        return {
            "ok": True,
            "channel": channel.to_json(ws.bot),
            "warning": "already_in_channel",
            "response_metadata": {"warnings": ["already_in_channel"]},
        }
    channel.members.add(ws.bot)
    return {"ok": True, "channel": channel.to_json(ws.bot)}


def _cursor_for(channel_id: str) -> str:
    return base64.b64encode(f"channel:{channel_id}".encode()).decode()


def _cursor_start(cursor: str, ids: list[str]) -> int:
    try:
        decoded = base64.b64decode(cursor.encode(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise SlackError("invalid_cursor") from None
    channel_id = decoded.removeprefix("channel:")
    if not decoded.startswith("channel:") or channel_id not in ids:
        raise SlackError("invalid_cursor")
    return ids.index(channel_id)


def list_channels(ws: Workspace, args: dict[str, Any]) -> JsonObject:
    types = set(split_ids(text_arg(args, "types"))) or {"public_channel"}
    if not types <= _TYPES:
        raise SlackError("invalid_types")
    if "private_channel" in types and "groups:read" not in ws.scopes:
        # Each type asked for needs its own scope; Slack refuses the whole call without it.
        raise SlackError(
            "missing_scope", needed="groups:read", provided=",".join(sorted(ws.scopes))
        )
    limit = int_arg(args, "limit", 100, error="invalid_limit")
    if not 1 <= limit <= 1000:
        raise SlackError("invalid_limit")
    exclude_archived = bool_arg(args, "exclude_archived")
    listed = [
        channel
        for channel in ws.channels.values()
        if (channel.is_im and "im" in types)
        or (channel.is_private and "private_channel" in types and ws.bot in channel.members)
        or (not channel.is_private and not channel.is_im and "public_channel" in types)
        if not (exclude_archived and channel.is_archived)
    ]
    ids = [channel.id for channel in listed]
    cursor = text_arg(args, "cursor") or ""
    start = _cursor_start(cursor, ids) if cursor else 0
    page = listed[start : start + limit]
    following = listed[start + limit : start + limit + 1]
    return {
        "ok": True,
        "channels": [channel.to_json(ws.bot) for channel in page],
        "response_metadata": {"next_cursor": _cursor_for(following[0].id) if following else ""},
    }
