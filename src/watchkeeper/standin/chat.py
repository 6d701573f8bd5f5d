"""The stand-in's message methods: chat.postMessage, chat.update, chat.getPermalink and pins.add."""

from __future__ import annotations

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
    text, blocks, attachments = _content(args)
    thread_ts = text_arg(args, "thread_ts") or None
    message = Message(
        ts=ws.next_ts(),
        user=ws.bot,
        text=text or "",
        blocks=blocks,
        attachments=attachments,
        thread_ts=thread_ts,
        bot_id=ws.identity.bot_id,
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
