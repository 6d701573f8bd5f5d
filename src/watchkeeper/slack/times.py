"""Times as responders type them: `08:38`, `2025-11-24 08:08`, ISO 8601 with offset, `15m ago`.

A bare clock time or a date without an offset is read in the workspace's zone; every result is
timezone-aware, in UTC, and never after `now`.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from watchkeeper.domain.durations import parse_duration

__all__ = ["InvalidTime", "accepted_forms", "parse_time"]

# Anchored patterns with bounded repeats and no nested quantifiers: linear on any input.
_CLOCK = re.compile(r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?", re.ASCII)
_STAMP = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{1,2}):([0-9]{2})"
    r"(?::([0-9]{2})(?:[.,]([0-9]{1,9}))?)?"
    r" ?(Z|[+-][0-9]{2}(?::?[0-9]{2})?)?",
    re.ASCII | re.IGNORECASE,
)
_SHOWN_MAX = 40


class InvalidTime(ValueError):
    """Text that is not a time `/incident` accepts, or a time in the future."""


def parse_time(text: str, *, now: datetime, zone: ZoneInfo) -> datetime:
    """Read a typed time as a UTC datetime, refusing anything after `now`."""
    if now.tzinfo is None:
        # A programming mistake, not a responder's: it must not look like a typing error.
        raise ValueError("now must be timezone-aware")
    typed = " ".join(text.split())
    moment = _read(typed, now=now, zone=zone)
    if moment > now:
        raise InvalidTime(_future(typed, moment, now=now, zone=zone))
    return moment.astimezone(UTC)


def _read(typed: str, *, now: datetime, zone: ZoneInfo) -> datetime:
    if typed.lower() == "now":
        return now
    # Compare the tail rather than slicing a lowered copy: lower() may change the length.
    if typed[-4:].lower() == " ago":
        return _ago(typed[:-4].strip(), now=now)
    if clock := _CLOCK.fullmatch(typed):
        today = now.astimezone(zone).date()
        hour, minute, second = (int(g or 0) for g in clock.groups())
        try:
            wall = time(hour, minute, second)
        except ValueError:
            raise InvalidTime(f"`{typed}` is not a time of day; use 00:00 to 23:59.") from None
        return _local(datetime.combine(today, wall), typed, zone)
    if stamp := _STAMP.fullmatch(typed):
        return _stamp(stamp, typed, zone)
    raise InvalidTime(f"`{_shown(typed)}` is not a time. {accepted_forms(zone)}")


def accepted_forms(zone: ZoneInfo) -> str:
    """One sentence naming every form `parse_time` reads, for error messages and help."""
    return (
        f"Use `08:38` (today, {zone.key}), `2025-11-24 08:08` ({zone.key}), "
        "`2025-11-24T08:08:00+01:00` (ISO 8601 with offset or Z), `15m ago` or `now`."
    )


def _ago(span_text: str, *, now: datetime) -> datetime:
    try:
        span = parse_duration(span_text)
    except ValueError:
        # InvalidDuration, and int()'s digit limit on a very long number, mean the same
        # thing to a responder: not a duration we can use.
        raise InvalidTime(
            f"`{_shown(span_text)} ago` is not a time; write the duration as 45s, 15m, 1h or 1h30m."
        ) from None
    try:
        return now - span
    except OverflowError:
        raise InvalidTime(f"`{_shown(span_text)} ago` is too far back.") from None


def _stamp(match: re.Match[str], typed: str, zone: ZoneInfo) -> datetime:
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        naive = datetime.combine(
            date(int(year), int(month), int(day)),
            time(int(hour), int(minute), int(second or 0), micro),
        )
        tzinfo = None if offset is None else _offset(offset)
    except ValueError:
        raise InvalidTime(f"`{_shown(typed)}` is not a real date and time.") from None
    if tzinfo is None:
        return _local(naive, typed, zone)
    return _in_range(naive.replace(tzinfo=tzinfo), typed)


def _offset(text: str) -> timezone:
    if text.upper() == "Z":
        return UTC
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if minutes >= 60:
        raise ValueError("offset minutes out of range")
    span = timedelta(hours=hours, minutes=minutes)
    return timezone(-span if text[0] == "-" else span)


def _local(naive: datetime, typed: str, zone: ZoneInfo) -> datetime:
    """Place a wall-clock time in `zone`, refusing one that a daylight-saving jump skipped."""
    # fold=0 takes the first of a repeated hour (autumn); the skipped spring hour does not
    # survive a round trip through UTC, which is how we notice it.
    local = _in_range(naive.replace(tzinfo=zone), typed)
    if local.astimezone(zone).replace(tzinfo=None) != naive:
        raise InvalidTime(
            f"`{typed}` did not happen in {zone.key}: the clocks skipped that hour that day."
        )
    return local


def _in_range(moment: datetime, typed: str) -> datetime:
    """The moment in UTC; years 1 and 9999 can leave datetime's range when converted."""
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise InvalidTime(f"`{_shown(typed)}` is too far from today.") from None


def _future(typed: str, moment: datetime, *, now: datetime, zone: ZoneInfo) -> str:
    local_now = now.astimezone(zone)
    problem = f"`{typed}` is in the future; it is now {local_now:%H:%M} in {zone.key}."
    if _CLOCK.fullmatch(typed):
        # A bare clock time means today; point to the form that reaches an earlier day.
        earlier = moment.astimezone(zone) - timedelta(days=1)
        problem += f" For an earlier day, give the date: `{earlier:%Y-%m-%d %H:%M}`."
    return problem


def _shown(text: str) -> str:
    return text if len(text) <= _SHOWN_MAX else text[: _SHOWN_MAX - 1] + "…"
