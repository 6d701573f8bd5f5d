"""Incident channel names (`<prefix>-<number>-<slug>`, as Slack allows them) and finding them."""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from watchkeeper.slack.failures import rate_limit_wait

MAX_NAME = 80
_NOT_ALLOWED = re.compile(r"[^a-z0-9_-]+")


def slug(title: str) -> str:
    """The title as channel-name words: `Checkout errors!` → `checkout-errors`."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return _NOT_ALLOWED.sub("-", ascii_title.lower()).strip("-_")


def channel_name(prefix: str, number: int, title: str, *, attempt: int = 1) -> str:
    """The channel name to try; later attempts add `-2`, `-3` … when a name is taken."""
    head = f"{prefix}-{number}"
    suffix = "" if attempt == 1 else f"-{attempt}"
    room = MAX_NAME - len(head) - len(suffix) - 1
    words = slug(title)[:room].rstrip("-_") if room > 0 else ""
    return f"{head}-{words}{suffix}" if words else f"{head}{suffix}"


#: Slack's clock and ours may differ; a channel this much older than its incident is still its own.
CLOCK_SKEW = timedelta(minutes=10)
_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{2,}")


def is_channel_id(ref: str) -> bool:
    """True for `C0123ABC`-style IDs, false for names (with or without `#`)."""
    return _CHANNEL_ID.fullmatch(ref) is not None


#: Longest a lookup waits in all on rate limits between its pages before giving up for now.
LOOKUP_PATIENCE = timedelta(seconds=30)


def find_by_name(
    client: WebClient,
    name: str,
    *,
    sleep: Callable[[float], None] = time.sleep,
    patience: timedelta = LOOKUP_PATIENCE,
) -> dict[str, Any] | None:
    """The channel called `name` (archived ones included), as conversations.list shows it.

    Private channels count too (the bot sees those it is in), so a private broadcast channel is
    found. In a large workspace the listing takes many pages and conversations.list is rate
    limited: a page refused with `Retry-After` is asked for again after that wait, from the
    same cursor, instead of the whole lookup failing and starting over from the first page.
    """
    wanted = name.removeprefix("#")
    cursor: str | None = None
    waited = timedelta(0)
    while True:
        try:
            page = client.conversations_list(
                types="public_channel,private_channel",
                exclude_archived=False,
                limit=1000,
                cursor=cursor,
            )
        except SlackApiError as error:
            wait = rate_limit_wait(error)
            if wait is None or waited + wait > patience:
                raise
            sleep(wait.total_seconds())
            waited += wait
            continue
        for channel in page.get("channels") or []:
            if channel.get("name") == wanted:
                return dict(channel)
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if cursor is None:
            return None


def is_incidents_own(
    channel: dict[str, Any], *, bot_user_id: str, reference: str, declared_at: datetime
) -> bool:
    """True when a channel with the incident's intended name is the one the bot made for it."""
    # A `conversations.create` whose answer was lost leaves such a channel behind: the bot made
    # it, it is live, not older than the incident, and its topic is still empty or names the
    # incident (the topic is set right after the channel is recorded).
    created = datetime.fromtimestamp(int(channel.get("created") or 0), UTC)
    topic = str((channel.get("topic") or {}).get("value") or "")
    return (
        channel.get("creator") == bot_user_id
        and not channel.get("is_archived")
        and created >= declared_at - CLOCK_SKEW
        and (not topic or _names(topic, reference))
    )


def _names(text: str, reference: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(reference)}(?!\d)", text) is not None
