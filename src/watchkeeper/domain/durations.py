"""Durations as responders type them (`45s`, `30m`, `1h30m`) and as reports show them (`2h 14m`)."""

from __future__ import annotations

import re
from datetime import timedelta

_PART = re.compile(r"(\d+)\s*([dhms])", re.IGNORECASE)
_WHOLE = re.compile(r"^\s*(?:\d+\s*[dhms]\s*)+$", re.IGNORECASE)
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
#: The longest cadence or snooze anyone sets: beyond a year it is a typo, and far beyond it the
#: moments it leads to leave datetime's range.
LONGEST = timedelta(days=365)


class InvalidDuration(ValueError):
    """Text that is not a duration such as `45s`, `30m`, `1h` or `1h30m`."""


def parse_duration(text: str) -> timedelta:
    """Read `45s`, `30m`, `1h`, `1h30m` or `2d`; refuse anything else, and zero."""
    if not _WHOLE.match(text):
        raise InvalidDuration(
            f"{text!r} is not a duration; use a form such as 45s, 30m, 1h or 1h30m"
        )
    seconds = sum(int(n) * _UNIT_SECONDS[unit.lower()] for n, unit in _PART.findall(text))
    if seconds <= 0:
        raise InvalidDuration(f"{text!r} is zero; a duration must be longer than that")
    try:
        return timedelta(seconds=seconds)
    except OverflowError:
        raise InvalidDuration(f"{text!r} is too long; use a form such as 30m or 2d") from None


def format_duration(span: timedelta) -> str:
    """Show a span the way incident reports do: `2h 14m`, `45m`, `3d 2h 5m`, `40s`."""
    total = int(span.total_seconds())
    if total < 0:
        return "-" + format_duration(-span)
    if total < 60:
        return f"{total}s"
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [f"{days}d"] if days else []
    if hours:
        parts.append(f"{hours}h")
    if minutes or not parts:
        parts.append(f"{minutes}m")
    return " ".join(parts)


def format_compact(span: timedelta) -> str:
    """Show a configured interval the way it is typed: `30m`, `1h30m`, `45s`."""
    total = int(span.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, total = divmod(total, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"
