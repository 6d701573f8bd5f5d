"""How reports show moments and spans: `Nov 24, 2025 08:08 UTC`, `Posted Dec 01, 2025 - 08:51 UTC`.

Month names are spelled here rather than taken from the locale, so a report reads the same on
every machine. A naive datetime is taken to be UTC (SQLite hands times back without a zone).
A moment the configured zone cannot show (near `datetime.min` or `datetime.max`, where the
offset would carry it out of range) is shown in UTC rather than raising `OverflowError`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def as_utc(moment: datetime) -> datetime:
    """The moment in UTC; a naive datetime is read as UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def utc_or_own(moment: datetime) -> datetime:
    """The moment in UTC, or as given when UTC cannot hold it (year 1 at a positive offset)."""
    try:
        return as_utc(moment)
    except OverflowError:
        return moment


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with a `Z`: `2025-11-24T08:08:00Z`."""
    return utc_or_own(moment).isoformat().replace("+00:00", "Z")


def in_zone(moment: datetime, zone: ZoneInfo) -> datetime:
    """The moment on the configured zone's clock; in UTC where that clock leaves datetime's range.

    Near year 1 or year 9999 a zone's wall clock can fall outside what datetime holds; such a
    moment is shown in UTC (its abbreviation says so) rather than failing the whole document.
    """
    utc = utc_or_own(moment)
    try:
        return utc.astimezone(zone)
    except OverflowError:
        return utc


def format_date(moment: datetime, zone: ZoneInfo) -> str:
    """`Nov 24, 2025` in the configured zone."""
    local = in_zone(moment, zone)
    return f"{_MONTHS[local.month - 1]} {local.day}, {local.year}"


def format_clock(moment: datetime, zone: ZoneInfo) -> str:
    """`08:08 UTC`: the time of day and the zone's abbreviation."""
    local = in_zone(moment, zone)
    return f"{local:%H:%M} {local.tzname()}"


def format_moment(moment: datetime, zone: ZoneInfo) -> str:
    """`Nov 24, 2025 08:08 UTC`."""
    return f"{format_date(moment, zone)} {format_clock(moment, zone)}"


def format_posted(moment: datetime, zone: ZoneInfo) -> str:
    """`Dec 01, 2025 - 08:51 UTC`, as status pages date an entry: the day has two digits.

    Statuspage pages write `%b %d, %Y - %H:%M %Z`; the reference reports show `Jan 01, 2019`
    and `Oct 08, 2025`, so the day is zero-padded here (unlike `format_date`).
    """
    local = in_zone(moment, zone)
    return f"{format_day(local.date())} - {local:%H:%M} {local.tzname()}"


def format_day(day: date) -> str:
    """`Dec 01, 2025`: a calendar day as status pages head it, the day zero-padded."""
    return f"{_MONTHS[day.month - 1]} {day.day:02d}, {day.year}"


def format_window(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    """`Nov 24, 2025 08:08 UTC - 10:22 UTC`, with the date on both ends when they differ."""
    if format_date(start, zone) == format_date(end, zone):
        return f"{format_moment(start, zone)} - {format_clock(end, zone)}"
    return f"{format_moment(start, zone)} - {format_moment(end, zone)}"
