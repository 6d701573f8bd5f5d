"""Incident channel names: `<prefix>-<number>-<slug>`, as Slack allows them."""

from __future__ import annotations

import re
import unicodedata

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
