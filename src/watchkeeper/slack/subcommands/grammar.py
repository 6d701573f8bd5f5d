"""The pieces every subcommand's reader is made of: words, mentions, durations, choices, refusals.

Text arrives as Slack sends it (`&amp;`, `&lt;`, `&gt;` encoded, mentions as `<@U123|ana>`);
readers keep user text as typed and raise `CommandError`, which says what was wrong and shows
the form that works. Forms contain `<` and `>`: escape them like any other text for mrkdwn.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from watchkeeper.domain.durations import LONGEST, format_compact, parse_duration

#: Longest title a declaration may have; the detail goes in a note.
TITLE_MAX = 200
#: Longest stretch of typed text a refusal quotes back.
SHOWN_MAX = 40

# Slack's escaped user mention, `<@U123ABC|ana>` or `<@U123ABC>`; used with fullmatch only.
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>")


class CommandError(Exception):
    """A mistake in `/incident` text: what was wrong, and the form that would have worked."""

    def __init__(self, problem: str, usage: str) -> None:
        super().__init__(problem, usage)
        self.problem = problem
        self.usage = usage

    def __str__(self) -> str:
        return f"{self.problem}\nUsage: {self.usage}"


@dataclass(frozen=True, slots=True)
class Typed:
    """What a reader needs besides the text: the names configured, the time and the zone."""

    severities: Sequence[str]
    roles: Sequence[str]
    now: datetime
    zone: ZoneInfo


def person(text: str, usage: str) -> str:
    """The user ID of the one mention that `text` must be."""
    if mention := MENTION.fullmatch(text):
        return mention.group(1)
    if is_plain_mention(text):
        raise CommandError(plain_mention_problem(text), usage)
    if not text:
        raise CommandError("Mention the person: type @ and pick them from the list.", usage)
    raise CommandError(
        f"`{shown(text)}` is not one person; mention exactly one, picked from Slack's list.",
        usage,
    )


def is_plain_mention(word: str) -> bool:
    return len(word) > 1 and word.startswith("@") and not any(c.isspace() for c in word)


def plain_mention_problem(word: str) -> str:
    return (
        f"`{shown(word)}` is plain text, not a mention: type @ and pick the person from "
        "Slack's autocomplete so the mention becomes a link."
    )


def duration(text: str, usage: str) -> timedelta:
    """A duration as typed (`45s`, `30m`, `1h30m`), at most a year."""
    try:
        span = parse_duration(text)
    except ValueError:
        # InvalidDuration, or int()'s digit limit on a very long number: same mistake.
        raise CommandError(
            f"`{shown(text)}` is not a duration; use a form such as 45s, 30m, 1h or 1h30m.",
            usage,
        ) from None
    if span > LONGEST:
        raise CommandError(
            f"`{shown(text)}` is longer than a year; use at most {format_compact(LONGEST)}.",
            usage,
        )
    return span


def choose(word: str, options: Sequence[str], what: str, usage: str) -> str:
    """The option `word` names in any case, spelled as the option is; else a CommandError."""
    if (found := match(word, options)) is not None:
        return found
    guess = closest(word, options)
    hint = f" Did you mean `{guess}`?" if guess else ""
    raise CommandError(
        f"`{shown(word)}` is not {what}.{hint} Use one of: {listed(options)}.", usage
    )


def match(word: str, options: Sequence[str]) -> str | None:
    folded = word.casefold()
    return next((option for option in options if option.casefold() == folded), None)


def closest(word: str, options: Sequence[str]) -> str | None:
    if len(word) > SHOWN_MAX:
        return None  # nothing that long is a typo of a short name
    folded = {option.casefold(): option for option in options}
    found = difflib.get_close_matches(word.casefold(), list(folded), n=1)
    return folded[found[0]] if found else None


def split_first(text: str) -> tuple[str, str]:
    """The first word and the stripped rest, whose newlines are kept."""
    words = text.split(None, 1)
    if not words:
        return "", ""
    return words[0], words[1].strip() if len(words) > 1 else ""


def listed(options: Sequence[str]) -> str:
    return ", ".join(options) if options else "(none configured)"


def shown(text: str) -> str:
    return text if len(text) <= SHOWN_MAX else text[: SHOWN_MAX - 1] + "…"
