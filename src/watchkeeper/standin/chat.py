"""The stand-in's message methods: chat.postMessage, chat.update, chat.getPermalink and pins.add."""

from __future__ import annotations

import json
import re
from typing import Any

from watchkeeper.standin.blocks import check_message_blocks
from watchkeeper.standin.errors import SlackError, json_arg, text_arg
from watchkeeper.standin.state import Channel, JsonObject, Message, Workspace


def _content(args: dict[str, Any]) -> tuple[str | None, list[Any] | None, list[Any] | None]:
    """The text, blocks and attachments of a message, each checked the way Slack checks it."""
    text = text_arg(args, "text")
    blocks = json_arg(args, "blocks", error="invalid_blocks_format")
    attachments = json_arg(args, "attachments", error="invalid_attachments")
    if blocks is not None:
        check_message_blocks(blocks)
    if attachments is not None and not isinstance(attachments, list):
        raise SlackError("invalid_attachments")
    if not text and not blocks and not attachments:
        raise SlackError("no_text")
    return text, blocks, attachments


#: Slack's limit on a message's metadata, as JSON text.
MAX_METADATA = 16_000
_EVENT_TYPE = re.compile(r"[A-Za-z0-9_]+")


def _metadata(args: dict[str, Any]) -> JsonObject | None:
    """A message's metadata: an object with an `event_type` word and an `event_payload` object."""
    metadata = json_arg(args, "metadata", error="invalid_metadata_format")
    if metadata is None:
        return None
    if not isinstance(metadata, dict):
        raise SlackError("invalid_metadata_format")
    event_type = metadata.get("event_type")
    payload = metadata.get("event_payload")
    if not isinstance(event_type, str) or not _EVENT_TYPE.fullmatch(event_type):
        raise SlackError("invalid_metadata_schema")
    if not isinstance(payload, dict):
        raise SlackError("invalid_metadata_schema")
    if len(json.dumps(metadata)) > MAX_METADATA:
        raise SlackError("metadata_too_large")
    return {"event_type": event_type, "event_payload": payload}


def _writable(ws: Workspace, ref: str, *, by_name: bool) -> Channel:
    channel = ws.channel(ref, by_name=by_name)
    if channel.is_archived:
        raise SlackError("is_archived")
    if ws.bot not in channel.members:
        raise SlackError("not_in_channel")
    return channel


def post_message(ws: Workspace, args: dict[str, Any]) -> JsonObject:
    # chat.postMessage is the one method here that also takes a channel by name (`#general`).
    channel = _writable(ws, text_arg(args, "channel") or "", by_name=True)
    if channel.is_im and not ws.messages_tab:
        raise SlackError("messages_tab_disabled")
    text, blocks, attachments = _content(args)
    metadata = _metadata(args)
    thread_ts = text_arg(args, "thread_ts") or None
    message = Message(
        ts=ws.next_ts(),
        user=ws.bot,
        text=text or "",
        blocks=blocks,
        attachments=attachments,
        thread_ts=thread_ts,
        bot_id=ws.identity.bot_id,
        metadata=metadata,
    )
    channel.messages.append(message)
    return {
        "ok": True,
        "channel": channel.id,
        "ts": message.ts,
        "message": message.to_json(ws.root_url),
    }


def update(ws: Workspace, args: dict[str, Any]) -> JsonObject:
    channel = ws.channel(text_arg(args, "channel") or "")
    if channel.is_archived:
        raise SlackError("is_inactive")
    message = channel.message(text_arg(args, "ts") or "")
    if message.user != ws.bot:
        raise SlackError("cant_update_message")
    text, blocks, attachments = _content(args)
    # Like Slack, what the update leaves out (blocks, attachments) stays as it was.
    message.text = text or ""
    if blocks is not None:
        message.blocks = blocks
    if attachments is not None:
        message.attachments = attachments
    message.edited = ws.next_ts()
    return {
        "ok": True,
        "channel": channel.id,
        "ts": message.ts,
        "text": message.text,
        "message": message.to_json(ws.root_url),
    }


def get_permalink(ws: Workspace, args: dict[str, Any]) -> JsonObject:
    channel = ws.channel(text_arg(args, "channel") or "")
    message = channel.message(text_arg(args, "message_ts") or "")
    link = (
        f"https://{ws.identity.team_domain}.slack.com/archives/"
        f"{channel.id}/p{message.ts.replace('.', '')}"
    )
    if message.thread_ts and message.thread_ts != message.ts:
        link += f"?thread_ts={message.thread_ts}&cid={channel.id}"
    return {"ok": True, "channel": channel.id, "permalink": link}


def pin(ws: Workspace, args: dict[str, Any]) -> JsonObject:
    channel = ws.channel(text_arg(args, "channel") or "")
    ts = text_arg(args, "timestamp")
    if not ts:
        raise SlackError("no_item_specified")
    if ws.bot not in channel.members:
        raise SlackError("not_in_channel")
    channel.message(ts)
    if ts in channel.pins:
        raise SlackError("already_pinned")
    channel.pins.append(ts)
    return {"ok": True}
