"""Due dates as responders type them: `friday`, `tomorrow`, `2026-12-14`, `dec 14`, `in 2w`.

A due date is a day, read against today in the workspace's zone; one before today is refused
(a follow-up cannot be due in the past), and so is one more than `FARTHEST` away.
"""

from __future__ import annotations

import difflib
import re
from datetime import date, timedelta

__all__ = ["FARTHEST", "FORMS", "InvalidDueDate", "looks_like_a_day", "parse_due"]

#: The latest due date accepted, counted from today: beyond it a date is a typo.
FARTHEST = timedelta(days=3 * 366)
#: Every form `parse_due` reads, for refusals and help.
FORMS = (
    "`today`, `tomorrow`, a weekday (`friday`: the next one), `2026-12-14`, "
    "`dec 14` or `14 dec`, `in 3d` or `in 2w`"
)

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_DAY_WORDS = ("today", "tomorrow", *_WEEKDAYS, *_MONTHS)
# Bounded repeats, anchored, no nesting: linear on any input.
_ISO = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})", re.ASCII)
_IN = re.compile(r"in ([0-9]{1,4}) ?(d|days?|w|weeks?)", re.ASCII | re.IGNORECASE)
_MONTH_DAY = re.compile(r"([a-z]{3,9})\.? ([0-9]{1,2})(?:,? ([0-9]{4}))?", re.IGNORECASE)
_DAY_MONTH = re.compile(r"([0-9]{1,2}) ([a-z]{3,9})\.?(?:,? ([0-9]{4}))?", re.IGNORECASE)
_SHOWN_MAX = 40


class InvalidDueDate(ValueError):
    """Text that is not a due date, or a day that has passed."""


def parse_due(text: str, *, today: date) -> date:
    """The day `text` names, on or after `today` and within `FARTHEST` of it."""
    typed = " ".join(text.split())
    day = _read(typed.lower(), typed, today)
    if day < today:
        raise InvalidDueDate(
            f"{day:%a %d %b %Y} has passed; a follow-up is due today ({today:%a %d %b}) or later."
        )
    if day - today > FARTHEST:
        raise InvalidDueDate(f"{day:%d %b %Y} is more than three years away; pick a nearer day.")
    return day


def looks_like_a_day(text: str) -> bool:
    """True when `text` starts the way a due date does (so a mistake in it is worth a refusal)."""
    first = text.split(None, 1)[0].lower().rstrip(".,") if text.split() else ""
    return (
        first[:1].isdigit()
        or first in {"today", "tomorrow", "in", "next"}
        or _weekday(first) is not None
        or _month(first) is not None
        # A typo of one (`frday`, `tomorow`); `due diligence` stays words.
        or bool(difflib.get_close_matches(first, _DAY_WORDS, n=1, cutoff=0.75))
    )


def _read(lowered: str, typed: str, today: date) -> date:
    if lowered == "today":
        return today
    if lowered == "tomorrow":
        return today + timedelta(days=1)
    weekday = _weekday(lowered.removeprefix("next "))
    if weekday is not None:
        # The next one after today: said on a Friday, `friday` means a week from now.
        return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
    if found := _IN.fullmatch(lowered):
        count, unit = int(found.group(1)), found.group(2)
        return today + timedelta(days=count * (7 if unit.startswith("w") else 1))
    if found := _ISO.fullmatch(lowered):
        return _day(int(found.group(1)), int(found.group(2)), int(found.group(3)), typed)
    for pattern, month_group, day_group in ((_MONTH_DAY, 1, 2), (_DAY_MONTH, 2, 1)):
        if (found := pattern.fullmatch(lowered)) and (month := _month(found.group(month_group))):
            day_of_month = int(found.group(day_group))
            if found.group(3):
                return _day(int(found.group(3)), month, day_of_month, typed)
            # Without a year: the next such day (`jan 5` said in December is next January's).
            day = _day(today.year, month, day_of_month, typed)
            return day if day >= today else _day(today.year + 1, month, day_of_month, typed)
    raise InvalidDueDate(f"`{_shown(typed)}` is not a due date. Use {FORMS}.")


def _weekday(word: str) -> int | None:
    for index, name in enumerate(_WEEKDAYS):
        if len(word) >= 3 and name.startswith(word):
            return index
    return None


def _month(word: str) -> int | None:
    word = word.rstrip(".")
    for index, name in enumerate(_MONTHS, start=1):
        if len(word) >= 3 and name.startswith(word):
            return index
    return None


def _day(year: int, month: int, day: int, typed: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidDueDate(f"`{_shown(typed)}` is not a real day.") from None


def _shown(text: str) -> str:
    return text if len(text) <= _SHOWN_MAX else text[: _SHOWN_MAX - 1] + "…"
