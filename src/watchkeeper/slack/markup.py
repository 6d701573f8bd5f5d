"""Slack text in and out: typed markup read as plain text, and plain text shown back safely."""

from __future__ import annotations

import re

_LINK = re.compile(r"<([^<>]*)>")
_MAX_LABEL = 200
# C0, DEL and C1: PostgreSQL refuses NUL and the rest garble what Slack shows; newline and tab
# carry meaning. The parser drops them from commands; modals and events come through here.
_CONTROLS = {c: None for c in (*range(0x20), *range(0x7F, 0xA0)) if chr(c) not in "\n\t"}


def escape(text: str) -> str:
    """Make user text inert in mrkdwn and fallback text: `<!channel>` pings nobody."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Undo the three entities Slack encodes in what users type."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def to_plain(text: str) -> str:
    """What a responder typed, as the words they saw: mentions become `@ana`, links their label.

    Slack sends typed text with its markup (`<@U1|ana>`, `<#C1|general>`, `<!here>`,
    `<https://x|label>`) and `&`, `<`, `>` encoded. The store keeps the plain words, without
    control characters; every place that shows them escapes them again, so nothing typed can
    ping or link by accident.
    """

    def plain(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            return "@" + (label or target[1:])
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!subteam^"):
            return label or "@group"
        if target.startswith("!"):
            return "@" + (label or target[1:].split("^")[0])
        if label and label != target:
            return f"{label} ({target})"
        return target

    return unescape(_LINK.sub(plain, text)).translate(_CONTROLS)


def mention(user_id: str | None) -> str:
    """A user mention, for IDs only the bot puts in a message (never typed text)."""
    if not user_id or not re.fullmatch(r"[UW][A-Z0-9]+", user_id):
        return escape(user_id or "nobody")
    return f"<@{user_id}>"


def clip(text: str, limit: int) -> str:
    """Shorten text to Slack's limit for a field, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def label(text: str) -> str:
    """A short single-line label (option texts, headers)."""
    return clip(" ".join(text.split()), _MAX_LABEL)
