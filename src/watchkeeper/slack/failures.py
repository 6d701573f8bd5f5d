"""How a failed Web API call is treated: wait and retry, or stop and say what to fix."""

from __future__ import annotations

import http.client
import random
import re
import socket
import urllib.error
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from slack_sdk.errors import SlackApiError

from watchkeeper.services.ports import StorageUnavailable

#: Slack's error codes are snake_case words.
_ERROR_CODE = re.compile(r"[a-z][a-z0-9_]*")

#: Slack errors that a later try may not get.
TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)

#: What an operator should do about errors no retry can fix.
ADVICE = {
    "not_in_channel": "Invite the bot to that channel (/invite @Watchkeeper).",
    "is_archived": "The channel is archived; unarchive it or point the setting at another one.",
    "channel_not_found": "Check the channel ID or name; the bot cannot see that channel.",
    "missing_scope": "Add the missing scope in the app settings (manifest.yml lists them) "
    "and reinstall the app.",
    "invalid_auth": "SLACK_BOT_TOKEN is not valid; copy the bot token from the app settings.",
    "not_authed": "SLACK_BOT_TOKEN is not set.",
    "token_revoked": "The bot token was revoked; reinstall the app and update SLACK_BOT_TOKEN.",
    "account_inactive": "The bot token's app was uninstalled; reinstall it.",
}

#: Slack errors that mean the thing asked for is already so.
ALREADY_DONE = frozenset(
    {"already_in_channel", "already_pinned", "cant_invite_self", "already_reacted"}
)


#: What each kind of effect was doing, for the notice that says it failed for good.
_DOING = {
    "open_channel": "open this incident's channel",
    "refresh_card": "update the incident card or the channel topic",
    "announce_entry": "post a timeline entry in this channel",
    "invite": "invite responders to this channel",
    "remind": "post an update reminder",
    "publish_reports": "publish the status-page report and the postmortem draft",
    "notice": "post a notice",
}

#: Retries of an effect that fails in a way nobody foresaw (a bug, data no renderer can show),
#: before it is set aside: such failures repeat, and the incident's later effects wait behind it.
UNFORESEEN_ATTEMPTS = 2


class PermanentFailure(Exception):
    """A delivery that no retry can make succeed; the message says why."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """Retry after `delay`, or (delay None) give up; `reason` goes to the log and the outbox."""

    reason: str
    delay: timedelta | None
    #: A failure nobody foresaw: its traceback belongs in the log.
    unforeseen: bool = False
    #: Slack could not answer (down, erroring, unreachable): the first delivery that succeeds
    #: afterwards wakes this one, instead of it sitting out its backoff.
    outage: bool = False


#: The longest wait between tries while Slack is down (before jitter): short, because a
#: message must follow soon after Slack is back, yet one try per incident per cap is gentle.
BACKOFF_CAP = 16
#: Up to this share of the wait is added at random, so that retries do not arrive together.
JITTER = 0.25


def backoff(attempts: int, *, spread: Callable[[], float] = random.random) -> timedelta:
    """1 s, 2 s, 4 s … capped at 16 s, each plus up to a quarter at random (`spread` in [0, 1))."""
    base = min(BACKOFF_CAP, 2 ** min(attempts, 9))
    return timedelta(seconds=base * (1 + JITTER * spread()))


def judge(error: Exception, attempts: int) -> Verdict:
    """Decide what to do about one failed delivery."""
    if isinstance(error, PermanentFailure):
        return Verdict(str(error), None)
    if isinstance(error, SlackApiError):
        status = error.response.status_code
        code = str(error.response.get("error", "")) if error.response.data else ""
        if not _ERROR_CODE.fullmatch(code):
            code = ""  # not one of Slack's codes: the SDK's note about an HTML error page
        if (wait := rate_limit_wait(error)) is not None:
            return Verdict(f"rate limited by Slack; retrying in {wait.total_seconds():.0f}s", wait)
        if status >= 500 or code in TRANSIENT_ERRORS:
            reason = f"Slack answered {status} {code}".strip()
            return Verdict(reason, backoff(attempts), outage=True)
        advice = ADVICE.get(code, "See Slack's documentation for this error.")
        return Verdict(f"Slack refused the call: {code or status}. {advice}", None)
    if isinstance(error, urllib.error.HTTPError):
        if error.code == 429:
            return Verdict("rate limited by Slack", _seconds(error.headers.get("Retry-After")))
        return Verdict(f"Slack answered {error.code}", backoff(attempts), outage=True)
    if isinstance(
        error,
        (
            urllib.error.URLError,
            TimeoutError,
            socket.timeout,
            ConnectionError,
            http.client.HTTPException,
            OSError,
        ),
    ):
        return Verdict(f"could not reach Slack: {error}", backoff(attempts), outage=True)
    if isinstance(error, StorageUnavailable):
        return Verdict(f"could not reach the database: {error}", backoff(attempts))
    if attempts < UNFORESEEN_ATTEMPTS:
        reason = f"unexpected {type(error).__name__}: {error}"
        return Verdict(reason, backoff(attempts), unforeseen=True)
    reason = (
        f"unexpected {type(error).__name__}: {error}. It was set aside after "
        f"{attempts + 1} tries; the log has the details (please report it as a Watchkeeper bug)."
    )
    return Verdict(reason, None, unforeseen=True)


def is_transient(error: SlackApiError) -> bool:
    """True when a later try of the same call may succeed (rate limits, Slack's own trouble)."""
    return judge(error, attempts=0).delay is not None


def problem_notice(failed: str, target: str | None, reason: str, reference: str) -> str:
    """What responders read when a delivery failed for good: what, why, and what to do."""
    if target == "broadcast":
        doing = "announce an entry in the broadcast channel"
    else:
        doing = _DOING.get(failed, failed.replace("_", " "))
    # Reasons are our own words plus Slack's error codes; escaped all the same.
    safe = reason.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f":warning: {reference}: Watchkeeper could not {doing}. {safe}"


def already_done(error: SlackApiError) -> bool:
    """True when Slack refused because the thing asked for is already so."""
    return str(error.response.get("error", "")) in ALREADY_DONE


def rate_limit_wait(error: SlackApiError) -> timedelta | None:
    """How long Slack asks to wait (`Retry-After`) when it refused a call as rate limited."""
    code = error.response.get("error", "") if isinstance(error.response.data, dict) else ""
    if error.response.status_code != 429 and code != "ratelimited":
        return None
    headers = error.response.headers or {}
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if isinstance(value, list):
        value = value[0] if value else None
    return _seconds(value)


def _seconds(value: object) -> timedelta:
    try:
        return timedelta(seconds=max(1, int(str(value))))
    except ValueError:
        return timedelta(seconds=30)
