"""The stand-in's external file upload: get an upload URL, send the bytes, complete and share."""

from __future__ import annotations

from typing import Any

from watchkeeper.standin.errors import (
    SlackError,
    int_arg,
    invalid_arguments,
    json_arg,
    split_ids,
    text_arg,
)
from watchkeeper.standin.state import Channel, JsonObject, Message, StoredFile, Workspace

UPLOAD_PATH = "upload/v1/"


def get_upload_url(ws: Workspace, args: dict[str, Any]) -> JsonObject:
    length = int_arg(args, "length", 0, error="invalid_arguments")
    if length <= 0:
        raise SlackError("missing_argument")
    filename = text_arg(args, "filename") or ""
    if not filename:
        raise invalid_arguments("must be more than 0 characters [json-pointer:/filename]")
    stored = StoredFile(
        id=ws.new_id("F"), filename=filename, length=length, created=ws.now(), user=ws.bot
    )
    ws.files[stored.id] = stored
    return {
        "ok": True,
        "upload_url": f"{ws.root_url}{UPLOAD_PATH}{stored.id}",
        "file_id": stored.id,
    }


def receive_upload(ws: Workspace, file_id: str, content: bytes) -> bool:
    """Store the bytes POSTed to an upload URL; False when the URL names no pending upload."""
    stored = ws.files.get(file_id)
    if stored is None or stored.completed:
        return False
    stored.content = content
    return True


def _share_targets(ws: Workspace, args: dict[str, Any]) -> list[Channel]:
    refs = split_ids(text_arg(args, "channel_id")) + split_ids(text_arg(args, "channels"))
    targets: list[Channel] = []
    for ref in refs:
        channel = ws.channel(ref)
        if channel.is_archived:
            raise SlackError("is_archived")
        if ws.bot not in channel.members:
            raise SlackError("not_in_channel")
        targets.append(channel)
    return targets


def complete_upload(ws: Workspace, args: dict[str, Any]) -> JsonObject:
    wanted = json_arg(args, "files")
    if not isinstance(wanted, list) or not wanted:
        raise invalid_arguments("failed to match all allowed schemas [json-pointer:/files]")
    completed: list[StoredFile] = []
    for index, entry in enumerate(wanted):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise invalid_arguments(f"missing required field: id [json-pointer:/files/{index}]")
        stored = ws.files.get(entry["id"])
        # A file whose bytes never arrived cannot be completed, as on Slack.
        if stored is None or stored.content is None or stored.completed:
            raise SlackError("file_not_found")
        completed.append(stored)
    targets = _share_targets(ws, args)
    for entry, stored in zip(wanted, completed, strict=True):
        title = entry.get("title")
        stored.title = title if isinstance(title, str) and title else stored.filename
        stored.completed = True
    comment = text_arg(args, "initial_comment") or ""
    thread_ts = text_arg(args, "thread_ts") or None
    for channel in targets:
        for stored in completed:
            stored.channels.append(channel.id)
        channel.messages.append(
            Message(
                ts=ws.next_ts(),
                user=ws.bot,
                text=comment,
                thread_ts=thread_ts,
                files=list(completed),
                bot_id=ws.identity.bot_id,
            )
        )
    return {"ok": True, "files": [stored.to_json(ws.root_url) for stored in completed]}


def list_files(ws: Workspace, args: dict[str, Any]) -> JsonObject:
    """files.list: newest first, optionally in one channel or by one user, a page at a time."""
    channel = text_arg(args, "channel") or None
    user = text_arg(args, "user") or None
    count = int_arg(args, "count", 100, error="invalid_arguments")
    page = max(1, int_arg(args, "page", 1, error="invalid_arguments"))
    found = [
        stored
        for stored in ws.files.values()
        if stored.completed
        and (channel is None or channel in stored.channels)
        and (user is None or stored.user == user)
    ]
    found.sort(key=lambda stored: (stored.created, stored.id), reverse=True)
    shown = found[(page - 1) * count : page * count]
    pages = max(1, -(-len(found) // count))
    return {
        "ok": True,
        "files": [stored.to_json(ws.root_url) for stored in shown],
        "paging": {"count": count, "total": len(found), "page": page, "pages": pages},
    }
