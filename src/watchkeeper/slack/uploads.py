"""Documents as files in a channel: shared once (upload, note the IDs, share), and read back.

Slack's external upload takes three steps (get an upload URL, send the bytes, complete and
share). Sharing is the step that shows in the channel, and its answer can be lost like any
other, so the uploaded files' IDs are stored with the effect before it: a retry first looks for
a message sharing those files, and shares fresh copies only when there is none.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient

from watchkeeper.services.ports import ClaimedEffect
from watchkeeper.slack.receipts import find_shared, may_have_reached_slack

#: The payload key under which an effect keeps the IDs of the files it uploaded.
UPLOADED = "uploaded_files"


@dataclass(frozen=True, slots=True)
class Document:
    """One file to share: its name, the title Slack shows and its text."""

    filename: str
    title: str
    content: str


def share_documents(
    client: WebClient,
    effect: ClaimedEffect,
    channel_id: str,
    comment: str,
    documents: Sequence[Document],
    *,
    remember: Callable[[dict[str, Any]], None],
) -> None:
    """Share the documents in the channel with a comment, unless an earlier try already did."""
    earlier = [str(file_id) for file_id in effect.payload.get(UPLOADED) or []]
    if (
        earlier
        and may_have_reached_slack(effect)
        and find_shared(client, channel_id, effect, earlier) is not None
    ):
        return
    file_ids = [upload(client, document) for document in documents]
    remember({**effect.payload, UPLOADED: file_ids})
    client.files_completeUploadExternal(
        files=[
            {"id": file_id, "title": document.title}
            for file_id, document in zip(file_ids, documents, strict=True)
        ],
        channel_id=channel_id,
        initial_comment=comment,
    )


def upload(client: WebClient, document: Document) -> str:
    """Send one document's bytes to Slack, not shared anywhere yet; its file ID."""
    data = document.content.encode("utf-8")
    target = client.files_getUploadURLExternal(filename=document.filename, length=len(data))
    # S310: Slack's own upload URL, as files.getUploadURLExternal gave it; urlopen raises on >= 400.
    url = str(target["upload_url"])
    request = urllib.request.Request(url, data=data, method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=client.timeout):  # noqa: S310
        pass
    return str(target["file_id"])


#: Longest file read back (a postmortem to publish): far beyond any postmortem.
READ_LIMIT = 1_000_000
#: The name a postmortem file has, drafted by the bot or edited and uploaded by a responder.
POSTMORTEM_FILE = "postmortem"


def latest_postmortem_file(client: WebClient, channel_id: str) -> dict[str, Any] | None:
    """The newest file in the channel whose name says it is a postmortem (`…postmortem….md`)."""
    listed = client.files_list(channel=channel_id, count=100)
    for found in listed.get("files") or []:
        name = str(found.get("name") or "").lower()
        if POSTMORTEM_FILE in name and name.endswith((".md", ".txt", ".markdown")):
            return dict(found)
    return None


def read_text(client: WebClient, file: dict[str, Any]) -> str:
    """A text file's content, fetched with the bot token (Slack's private file URL)."""
    url = str(file.get("url_private_download") or file.get("url_private") or "")
    # S310: Slack's own file URL, as files.list gave it; urlopen raises on >= 400.
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {client.token}"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=client.timeout) as answer:  # noqa: S310
        data: bytes = answer.read(READ_LIMIT + 1)
    if len(data) > READ_LIMIT:
        raise ValueError(f"{file.get('name')} is larger than {READ_LIMIT} bytes")
    return data.decode("utf-8", "replace")
