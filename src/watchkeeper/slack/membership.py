"""Who is in a channel, as Slack says (`conversations.members`), remembered for a short while.

Private incidents are listed only to the members of their channel. Lists are asked for often
and membership changes rarely, so each channel's members are kept for `FRESH_FOR`; a channel
the bot cannot read (gone, or the bot removed from it) has no members anyone can be shown.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from watchkeeper.slack.failures import is_transient

log = logging.getLogger(__name__)

#: How long a channel's members are trusted before Slack is asked again.
FRESH_FOR = timedelta(seconds=60)
#: Members per page (Slack's maximum is 1,000).
PAGE = 1000


class ChannelMembers:
    """`members(channel_id)`: the channel's members, from Slack at most once per `FRESH_FOR`."""

    def __init__(
        self,
        client: WebClient,
        now: Callable[[], datetime],
        fresh_for: timedelta = FRESH_FOR,
    ) -> None:
        self._client = client
        self._now = now
        self._fresh_for = fresh_for
        self._known: dict[str, tuple[datetime, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def members(self, channel_id: str) -> frozenset[str]:
        now = self._now()
        with self._lock:
            known = self._known.get(channel_id)
        if known is not None and now - known[0] < self._fresh_for:
            return known[1]
        members = self._ask(channel_id)
        if members is None:
            return frozenset()  # Slack is busy or down: shown to nobody now, asked again next time
        with self._lock:
            self._known[channel_id] = (now, members)
        return members

    def _ask(self, channel_id: str) -> frozenset[str] | None:
        found: set[str] = set()
        cursor: str | None = None
        try:
            while True:
                page = self._client.conversations_members(
                    channel=channel_id, limit=PAGE, cursor=cursor
                )
                found.update(str(user) for user in page.get("members") or [])
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                if cursor is None:
                    return frozenset(found)
        except SlackApiError as error:
            if is_transient(error):
                log.warning("Slack did not list the members of %s; trying later", channel_id)
                return None
            # Gone, archived away, or the bot was removed: nobody can be shown it as a member.
            log.warning(
                "cannot list the members of %s (%s)", channel_id, error.response.get("error")
            )
            return frozenset()
        except OSError as error:  # urllib's URLError and timeouts: Slack is out of reach
            log.warning("could not reach Slack for the members of %s (%s)", channel_id, error)
            return None
