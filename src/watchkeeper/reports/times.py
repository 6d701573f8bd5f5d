"""How reports show moments and spans: `Nov 24, 2025 08:08 UTC`, `Posted Nov 24, 2025 - 08:51 UTC`.

Month names are spelled here rather than taken from the locale, so a report reads the same on
every machine. A naive datetime is taken to be UTC (SQLite hands times back without a zone).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def as_utc(moment: datetime) -> datetime:
    """The moment in UTC; a naive datetime is read as UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with a `Z`: `2025-11-24T08:08:00Z`."""
    return as_utc(moment).isoformat().replace("+00:00", "Z")


def in_zone(moment: datetime, zone: ZoneInfo) -> datetime:
    """The moment on the configured zone's clock; in UTC where that clock leaves datetime's range.

    Near year 1 or year 9999 a zone's wall clock can fall outside what datetime holds; such a
    moment is shown in UTC (its abbreviation says so) rather than failing the whole document.
    """
    utc = as_utc(moment)
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
    """`Nov 24, 2025 - 08:51 UTC`, as status pages date an entry."""
    return f"{format_date(moment, zone)} - {format_clock(moment, zone)}"


def format_window(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    """`Nov 24, 2025 08:08 UTC - 10:22 UTC`, with the date on both ends when they differ."""
    if format_date(start, zone) == format_date(end, zone):
        return f"{format_moment(start, zone)} - {format_clock(end, zone)}"
    return f"{format_moment(start, zone)} - {format_moment(end, zone)}"
