"""Proof that an effect reached Slack: a metadata marker on each message, found again in history.

Slack has no idempotency keys. A call whose answer was lost (a dropped connection, a timeout, a
crash before the outbox heard of it) may or may not have posted, so every message an effect posts
carries `{"event_type": "watchkeeper_effect", "event_payload": {"effect": <id>, ...}}`, and a
retry that may follow such a call reads the channel's recent history for it before posting again.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterator
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from watchkeeper.services.ports import ClaimedEffect
from watchkeeper.slack.failures import is_transient

log = logging.getLogger(__name__)

EVENT_TYPE = "watchkeeper_effect"

#: History pages (of `PAGE` messages) read before concluding that an effect did not post.
HISTORY_PAGES = 5
PAGE = 100


def may_have_reached_slack(effect: ClaimedEffect) -> bool:
    """True when an earlier try of this effect may have done its work before it failed or died."""
    return effect.attempts > 0 or effect.reclaimed


def marker(effect: ClaimedEffect) -> dict[str, Any]:
    """The message metadata that names the effect a message was posted for."""
    # `queued` (when the effect was stored) tells this database's effect 5 from another's: a
    # database started afresh numbers its effects from 1 again, in channels that outlived it.
    return {
        "event_type": EVENT_TYPE,
        "event_payload": {
            "effect": effect.id,
            "incident": effect.incident_number,
            "queued": _queued(effect),
        },
    }


def find_posted(client: WebClient, channel_id: str, effect: ClaimedEffect) -> str | None:
    """The ts of the message this effect already posted in the channel, if it did."""
    ours = marker(effect)["event_payload"]
    for message in _since_earlier_effects(client, channel_id, effect):
        payload = _marker_payload(message) or {}
        if _as_id(payload.get("effect")) == effect.id and payload.get("queued") == ours["queued"]:
            return str(message["ts"])
    return None


def find_shared(
    client: WebClient, channel_id: str, effect: ClaimedEffect, file_ids: Collection[str]
) -> str | None:
    """The ts of the message that shared any of these files in the channel, if there is one."""
    wanted = set(file_ids)
    for message in _since_earlier_effects(client, channel_id, effect):
        if wanted.intersection(str(f.get("id")) for f in message.get("files") or []):
            return str(message["ts"])
    return None


def _since_earlier_effects(
    client: WebClient, channel_id: str, effect: ClaimedEffect
) -> Iterator[dict[str, Any]]:
    """Messages newest first, down to one posted by an earlier effect of the same incident."""
    # An incident's effects are delivered one at a time in order, so whatever this effect
    # posted is newer than anything an earlier one of its incident posted.
    for message in _history(client, channel_id):
        payload = _marker_payload(message) or {}
        marked = _as_id(payload.get("effect"))
        if payload.get("incident") == effect.incident_number and marked and marked < effect.id:
            return
        yield message


def _history(client: WebClient, channel_id: str) -> Iterator[dict[str, Any]]:
    cursor: str | None = None
    for _ in range(HISTORY_PAGES):
        try:
            page = client.conversations_history(
                channel=channel_id, limit=PAGE, cursor=cursor, include_all_metadata=True
            )
        except SlackApiError as error:
            if is_transient(error):
                raise  # a 429 or 5xx: judged like any failure, and the effect retried
            # Not in the channel, no scope, no channel: the bot cannot have posted there either,
            # or cannot tell; the post then succeeds, or fails with the actionable error.
            code = error.response.get("error", error.response.status_code)
            log.warning("cannot read the history of %s (%s); posting unchecked", channel_id, code)
            return
        yield from page.get("messages") or []
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not page.get("has_more") or cursor is None:
            return


def _marker_payload(message: dict[str, Any]) -> dict[str, Any] | None:
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload")
    if metadata.get("event_type") != EVENT_TYPE or not isinstance(payload, dict):
        return None
    return payload


def _queued(effect: ClaimedEffect) -> int | None:
    return int(effect.created_at.timestamp() * 1000) if effect.created_at else None


def _as_id(value: object) -> int | None:
    return int(value) if isinstance(value, int | str) and str(value).isdigit() else None
