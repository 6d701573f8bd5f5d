"""How a failed Web API call is judged: wait and retry, or stop and say what to fix."""

from __future__ import annotations

import http.client
import re
import socket
import urllib.error
from datetime import timedelta

from slack_sdk.errors import SlackApiError

from watchkeeper.services.effects import EffectKind, doing_what
from watchkeeper.services.settling import Verdict, backoff

#: Slack's error codes are snake_case words.
_ERROR_CODE = re.compile(r"[a-z][a-z0-9_]*")

#: The scopes Slack names as needed (`needed` of a missing_scope refusal).
_SCOPES = re.compile(r"[a-z:._]+(,[a-z:._]+)*")

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
    "user_disabled": "That person's account is deactivated; give their follow-ups another owner.",
    "messages_tab_disabled": "Turn on the App Home's Messages tab (manifest.yml, "
    "messages_tab_enabled) so the bot can send direct messages.",
}

#: Slack errors that mean the thing asked for is already so.
ALREADY_DONE = frozenset(
    {"already_in_channel", "already_pinned", "cant_invite_self", "already_reacted"}
)


def judge(error: Exception, attempts: int) -> Verdict | None:
    """The verdict on a failed call to Slack, or None for an error that is not Slack's."""
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
        needed = error.response.get("needed") if code == "missing_scope" else None
        if isinstance(needed, str) and _SCOPES.fullmatch(needed):
            advice = f"It needs {needed.replace(',', ' or ')}. {advice}"
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
    return None


def is_transient(error: SlackApiError) -> bool:
    """True when a later try of the same call may succeed (rate limits, Slack's own trouble)."""
    judged = judge(error, attempts=0)
    return judged is not None and judged.delay is not None


def problem_notice(failed: str, target: str | None, reason: str, reference: str) -> str:
    """What responders read when a delivery failed for good: what, why, and what to do."""
    if target == "broadcast":
        doing = "announce an entry in the broadcast channel"
    else:
        known = failed in EffectKind.__members__.values()
        doing = doing_what(EffectKind(failed)) if known else failed.replace("_", " ")
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
