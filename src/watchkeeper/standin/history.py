"""The stand-in's conversations.history: a channel's messages, newest first, a page at a time."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from watchkeeper.standin.errors import SlackError, bool_arg, int_arg, text_arg
from watchkeeper.standin.state import JsonObject, Message, Workspace

DEFAULT_LIMIT = 100
MAX_LIMIT = 999


def history(ws: Workspace, args: dict[str, Any]) -> JsonObject:
    channel = ws.channel(text_arg(args, "channel") or "")
    # A bot reads only the channels it is in; Slack lets user tokens read any public one.
    if ws.bot not in channel.members:
        raise SlackError("not_in_channel")
    # Each kind of conversation needs its own history scope.
    needed = "im:history" if channel.is_im else "groups:history" if channel.is_private else None
    if needed is not None and needed not in ws.scopes:
        raise SlackError("missing_scope", needed=needed, provided=",".join(sorted(ws.scopes)))
    limit = int_arg(args, "limit", DEFAULT_LIMIT, error="invalid_limit")
    limit = min(limit, MAX_LIMIT) if limit > 0 else DEFAULT_LIMIT
    oldest = _ts_arg(args, "oldest", "invalid_ts_oldest")
    latest = _ts_arg(args, "latest", "invalid_ts_latest")
    inclusive = bool_arg(args, "inclusive")
    # Thread replies stay in their thread (conversations.replies); the parent shows here.
    listed = [
        message
        for message in reversed(channel.messages)
        if (message.thread_ts is None or message.thread_ts == message.ts)
        and _within(float(message.ts), oldest, latest, inclusive=inclusive)
    ]
    cursor = text_arg(args, "cursor") or ""
    start = _cursor_start(cursor, listed) if cursor else 0
    page = listed[start : start + limit]
    following = listed[start + limit : start + limit + 1]
    with_metadata = bool_arg(args, "include_all_metadata")
    body: JsonObject = {
        "ok": True,
        "messages": [m.to_json(ws.root_url, with_metadata=with_metadata) for m in page],
        "has_more": bool(following),
        "pin_count": len(channel.pins),
        "channel_actions_ts": None,
        "channel_actions_count": 0,
        "response_metadata": {"next_cursor": _cursor_for(following[0]) if following else ""},
    }
    if latest is not None:
        body["latest"] = text_arg(args, "latest")
    return body


def _ts_arg(args: dict[str, Any], name: str, error: str) -> float | None:
    value = text_arg(args, name)
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise SlackError(error) from None


def _within(ts: float, oldest: float | None, latest: float | None, *, inclusive: bool) -> bool:
    if oldest is not None and (ts < oldest or (ts == oldest and not inclusive)):
        return False
    return latest is None or ts < latest or (ts == latest and inclusive)


def _cursor_for(message: Message) -> str:
    # Slack's history cursors are `next_ts:<ts without the dot>`, base64-encoded.
    return base64.b64encode(f"next_ts:{message.ts.replace('.', '')}".encode()).decode()


def _cursor_start(cursor: str, listed: list[Message]) -> int:
    try:
        decoded = base64.b64decode(cursor.encode(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise SlackError("invalid_cursor") from None
    for index, message in enumerate(listed):
        if decoded == f"next_ts:{message.ts.replace('.', '')}":
            return index
    raise SlackError("invalid_cursor")
