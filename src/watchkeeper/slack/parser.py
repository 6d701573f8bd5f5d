"""The one grammar for `/incident` text: what a responder typed becomes a typed command.

`parse_command` returns one of the `commands` values or raises `CommandError`, which says what
was wrong and shows the form that works; it raises nothing else for any text. `USAGE` holds the
form of every subcommand and `help_text()` the list the help reply shows. All three are plain
text: they contain `<` and `>`, so escape them like any other text before they go into mrkdwn.

User text is kept as typed (Slack's `&amp;`, `&lt;`, `&gt;` included); only surrounding
whitespace and control characters other than newline and tab are dropped.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

from watchkeeper.domain.durations import LONGEST, format_compact, parse_duration
from watchkeeper.domain.milestones import Milestone
from watchkeeper.domain.status import Status
from watchkeeper.slack.commands import (
    AddAction,
    AddNote,
    AssignRole,
    ChangeSeverity,
    ChangeStatus,
    Command,
    Declare,
    Help,
    ListIncidents,
    PostUpdate,
    PublishPostmortem,
    Remind,
    Reopen,
    Resolve,
    SetCause,
    SetComponents,
    SetImpact,
    SetMilestone,
    ShowSummary,
    ShowTimeline,
    Snooze,
)
from watchkeeper.slack.times import InvalidTime, accepted_forms, parse_time

__all__ = ["TITLE_MAX", "USAGE", "CommandError", "help_text", "parse_command"]

TITLE_MAX = 200


class CommandError(Exception):
    """A mistake in `/incident` text: what was wrong, and the form that would have worked."""

    def __init__(self, problem: str, usage: str) -> None:
        super().__init__(problem, usage)
        self.problem = problem
        self.usage = usage

    def __str__(self) -> str:
        return f"{self.problem}\nUsage: {self.usage}"


@dataclass(frozen=True, slots=True)
class _Entry:
    form: str
    summary: str
    aliases: tuple[str, ...] = ()
    anywhere: bool = False


_ENTRIES: Mapping[str, _Entry] = {
    "help": _Entry("/incident help [command]", "List the commands, or show one.", anywhere=True),
    "declare": _Entry(
        "/incident declare [SEVERITY] <title>",
        "Declare an incident and open its channel; without a title, open a form.",
        ("new",),
        anywhere=True,
    ),
    "list": _Entry("/incident list", "Show the open incidents.", anywhere=True),
    "status": _Entry(
        "/incident status <investigating|identified|monitoring|resolved> [message]",
        "Change the status; with a message it is also a formal update.",
    ),
    "update": _Entry(
        "/incident update <message>", "Post a formal update; restarts the reminder clock."
    ),
    "severity": _Entry("/incident severity <level>", "Change the severity.", ("sev",)),
    "commander": _Entry(
        "/incident commander @user", "Make someone the incident commander.", ("lead",)
    ),
    "role": _Entry("/incident role <role> @user", "Give someone a role."),
    "impact": _Entry("/incident impact <text>", "Say what users experience."),
    "components": _Entry("/incident components <a, b, …>", "Name the affected components."),
    "note": _Entry("/incident note <text>", "Add a note to the timeline (not a formal update)."),
    "cause": _Entry("/incident cause <text>", "Record the root cause."),
    "action": _Entry("/incident action <text> [@owner]", "Add a corrective or preventive action."),
    "set": _Entry(
        "/incident set <started|detected|identified|mitigated|resolved> <time>",
        "Correct when a milestone happened (08:38, 2025-11-24 08:08, ISO 8601, 15m ago).",
    ),
    "resolve": _Entry(
        "/incident resolve [message]", "Resolve; publishes the timeline and postmortem draft."
    ),
    "reopen": _Entry("/incident reopen [message]", "Back to investigating; reminders resume."),
    "timeline": _Entry("/incident timeline", "Show the timeline so far (only to you)."),
    "summary": _Entry("/incident summary", "Show the incident so far (only to you)."),
    "postmortem": _Entry("/incident postmortem", "Publish the postmortem draft again."),
    "remind": _Entry("/incident remind <interval|off|on>", "Set this incident's reminders."),
    "snooze": _Entry("/incident snooze <duration>", "Hold reminders back for a while."),
}

USAGE: Mapping[str, str] = MappingProxyType({name: e.form for name, e in _ENTRIES.items()})

_CANONICAL: Mapping[str, str] = {
    word: name for name, entry in _ENTRIES.items() for word in (name, *entry.aliases)
}


def help_text(topic: str | None = None) -> str:
    """Every command with what it does, or the form and purpose of `topic` (a subcommand)."""
    if topic is not None:
        name = _CANONICAL.get(topic.lower(), topic)
        entry = _ENTRIES[name]
        return f"{entry.form}\n{_described(entry)}"
    lines = ["Anywhere:"]
    lines += [f"• {e.form}: {_described(e)}" for e in _ENTRIES.values() if e.anywhere]
    lines += ["", "In an incident channel:"]
    lines += [f"• {e.form}: {_described(e)}" for e in _ENTRIES.values() if not e.anywhere]
    return "\n".join(lines)


def _described(entry: _Entry) -> str:
    also = f" (also: {', '.join(entry.aliases)})" if entry.aliases else ""
    return entry.summary + also


# --- parsing ----------------------------------------------------------------------------

# C0, DEL and C1: they corrupt how Slack renders text; newline and tab carry meaning.
_CONTROLS = {c: None for c in (*range(0x20), *range(0x7F, 0xA0)) if chr(c) not in "\n\t"}
# Slack's escaped user mention, `<@U123ABC|ana>` or `<@U123ABC>`; used with fullmatch only.
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>")
_SHOWN_MAX = 40


@dataclass(frozen=True, slots=True)
class _Context:
    severities: Sequence[str]
    roles: Sequence[str]
    now: datetime
    zone: ZoneInfo


def parse_command(
    text: str, *, severities: Sequence[str], roles: Sequence[str], now: datetime, zone: ZoneInfo
) -> Command:
    """Turn the text after `/incident` into a command, or raise `CommandError` showing the form."""
    words = text.translate(_CONTROLS).split(None, 1)
    if not words:
        return Help()
    name = _CANONICAL.get(words[0].lower())
    if name is None:
        raise _unknown_command(words[0])
    rest = words[1].strip() if len(words) > 1 else ""
    return _HANDLERS[name](rest, _Context(severities, roles, now, zone))


def _unknown_command(word: str) -> CommandError:
    guess = _closest(word, list(_CANONICAL))
    hint = f" Did you mean `{guess}`?" if guess else ""
    return CommandError(
        f"`{_shown(word)}` is not an /incident command.{hint} See `/incident help`.",
        USAGE[_CANONICAL[guess]] if guess else USAGE["help"],
    )


def _help(rest: str, ctx: _Context) -> Command:
    # Only the first word names the topic: `help set started` means help on `set`.
    topic, _ = _split_first(rest.removeprefix("/incident"))
    if not topic:
        return Help()
    name = _CANONICAL.get(topic.lower())
    if name is None:
        raise _unknown_command(topic)
    return Help(name)


def _declare(rest: str, ctx: _Context) -> Command:
    if not rest:
        return Declare("")
    first, remainder = _split_first(rest)
    severity = _match(first, ctx.severities)
    title = remainder if severity is not None else rest
    # Slack sends & < > as entities; count characters as the responder typed them.
    typed = len(title.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))
    if typed > TITLE_MAX:
        raise CommandError(
            f"The title is {typed} characters long; keep it to {TITLE_MAX} or fewer "
            "and put the detail in a note.",
            USAGE["declare"],
        )
    return Declare(title, severity)


def _status(rest: str, ctx: _Context) -> Command:
    word, message = _split_first(rest)
    statuses = [s.value for s in Status]
    if not word:
        raise CommandError(f"Say which status: {_listed(statuses)}.", USAGE["status"])
    return ChangeStatus(Status(_choose(word, statuses, "a status", "status")), message)


def _severity(rest: str, ctx: _Context) -> Command:
    if not rest:
        raise CommandError(f"Say which level: {_listed(ctx.severities)}.", USAGE["severity"])
    return ChangeSeverity(_choose(rest, ctx.severities, "a severity level", "severity"))


def _commander(rest: str, ctx: _Context) -> Command:
    role = _match("commander", ctx.roles) or "commander"
    return AssignRole(role, _person(rest, "commander"))


def _role(rest: str, ctx: _Context) -> Command:
    word, who = _split_first(rest)
    if not word:
        raise CommandError(f"Say which role: {_listed(ctx.roles)}.", USAGE["role"])
    return AssignRole(_choose(word, ctx.roles, "a role", "role"), _person(who, "role"))


def _text_command(
    build: Callable[[str], Command], name: str, missing: str
) -> Callable[[str, _Context], Command]:
    def handler(rest: str, ctx: _Context) -> Command:
        if not rest:
            raise CommandError(missing, USAGE[name])
        return build(rest)

    return handler


def _components(rest: str, ctx: _Context) -> Command:
    # Newlines separate too: a pasted list arrives one component per line.
    named = (part.strip() for line in rest.splitlines() for part in line.split(","))
    seen: dict[str, str] = {}
    for component in named:
        if component:
            seen.setdefault(component.casefold(), component)
    if not seen:
        raise CommandError("Name at least one affected component.", USAGE["components"])
    return SetComponents(tuple(seen.values()))


def _action(rest: str, ctx: _Context) -> Command:
    text, owner_id = rest, None
    start = rest.rfind("<@")
    if start != -1 and (mention := _MENTION.fullmatch(rest, start)):
        text, owner_id = rest[:start].rstrip(), mention.group(1)
    else:
        last = rest.rsplit(None, 1)[-1] if rest else ""
        if _is_plain_mention(last):
            raise CommandError(_plain_mention_problem(last), USAGE["action"])
    if not text:
        raise CommandError("Describe the action before naming its owner.", USAGE["action"])
    return AddAction(text, owner_id)


def _set(rest: str, ctx: _Context) -> Command:
    word, when = _split_first(rest)
    milestones = [m.value for m in Milestone]
    if not word:
        raise CommandError(f"Say which milestone: {_listed(milestones)}.", USAGE["set"])
    milestone = Milestone(_choose(word, milestones, "a milestone", "set"))
    if not when:
        problem = f"Say when {milestone.value} happened. {accepted_forms(ctx.zone)}"
        raise CommandError(problem, USAGE["set"])
    try:
        return SetMilestone(milestone, parse_time(when, now=ctx.now, zone=ctx.zone))
    except InvalidTime as error:
        raise CommandError(str(error), USAGE["set"]) from None


def _remind(rest: str, ctx: _Context) -> Command:
    switch = rest.lower()
    if switch in ("on", "off"):
        return Remind(enabled=switch == "on")
    if not rest:
        raise CommandError("Give an interval such as 45m, or on or off.", USAGE["remind"])
    return Remind(interval=_duration(rest, "remind"))


def _snooze(rest: str, ctx: _Context) -> Command:
    if not rest:
        raise CommandError("Say for how long, such as 30m or 1h.", USAGE["snooze"])
    return Snooze(_duration(rest, "snooze"))


def _bare(command: Command, name: str) -> Callable[[str, _Context], Command]:
    def handler(rest: str, ctx: _Context) -> Command:
        if rest:
            raise CommandError(
                f"`/incident {name}` takes nothing after it; drop `{_shown(rest)}`.", USAGE[name]
            )
        return command

    return handler


_HANDLERS: Mapping[str, Callable[[str, _Context], Command]] = {
    "help": _help,
    "declare": _declare,
    "list": _bare(ListIncidents(), "list"),
    "status": _status,
    "update": _text_command(PostUpdate, "update", "Write the update after `update`."),
    "severity": _severity,
    "commander": _commander,
    "role": _role,
    "impact": _text_command(SetImpact, "impact", "Say what users experience after `impact`."),
    "components": _components,
    "note": _text_command(AddNote, "note", "Write the note after `note`."),
    "cause": _text_command(SetCause, "cause", "Write the root cause after `cause`."),
    "action": _action,
    "set": _set,
    "resolve": lambda rest, ctx: Resolve(rest),
    "reopen": lambda rest, ctx: Reopen(rest),
    "timeline": _bare(ShowTimeline(), "timeline"),
    "summary": _bare(ShowSummary(), "summary"),
    "postmortem": _bare(PublishPostmortem(), "postmortem"),
    "remind": _remind,
    "snooze": _snooze,
}


# --- pieces -----------------------------------------------------------------------------


def _person(text: str, name: str) -> str:
    """The user ID of the one mention that `text` must be."""
    if mention := _MENTION.fullmatch(text):
        return mention.group(1)
    if _is_plain_mention(text):
        raise CommandError(_plain_mention_problem(text), USAGE[name])
    if not text:
        raise CommandError("Mention the person: type @ and pick them from the list.", USAGE[name])
    raise CommandError(
        f"`{_shown(text)}` is not one person; mention exactly one, picked from Slack's list.",
        USAGE[name],
    )


def _is_plain_mention(word: str) -> bool:
    return len(word) > 1 and word.startswith("@") and not any(c.isspace() for c in word)


def _plain_mention_problem(word: str) -> str:
    return (
        f"`{_shown(word)}` is plain text, not a mention: type @ and pick the person from "
        "Slack's autocomplete so the mention becomes a link."
    )


def _duration(text: str, name: str) -> timedelta:
    try:
        duration = parse_duration(text)
    except ValueError:
        # InvalidDuration, or int()'s digit limit on a very long number: same mistake.
        raise CommandError(
            f"`{_shown(text)}` is not a duration; use a form such as 45s, 30m, 1h or 1h30m.",
            USAGE[name],
        ) from None
    if duration > LONGEST:
        raise CommandError(
            f"`{_shown(text)}` is longer than a year; use at most {format_compact(LONGEST)}.",
            USAGE[name],
        )
    return duration


def _choose(word: str, options: Sequence[str], what: str, name: str) -> str:
    """The option `word` names in any case, spelled as the option is; else a CommandError."""
    if (found := _match(word, options)) is not None:
        return found
    guess = _closest(word, options)
    hint = f" Did you mean `{guess}`?" if guess else ""
    raise CommandError(
        f"`{_shown(word)}` is not {what}.{hint} Use one of: {_listed(options)}.", USAGE[name]
    )


def _match(word: str, options: Sequence[str]) -> str | None:
    folded = word.casefold()
    return next((option for option in options if option.casefold() == folded), None)


def _closest(word: str, options: Sequence[str]) -> str | None:
    if len(word) > _SHOWN_MAX:
        return None  # nothing that long is a typo of a short name
    folded = {option.casefold(): option for option in options}
    found = difflib.get_close_matches(word.casefold(), list(folded), n=1)
    return folded[found[0]] if found else None


def _split_first(text: str) -> tuple[str, str]:
    """The first word and the stripped rest, whose newlines are kept."""
    words = text.split(None, 1)
    if not words:
        return "", ""
    return words[0], words[1].strip() if len(words) > 1 else ""


def _listed(options: Sequence[str]) -> str:
    return ", ".join(options) if options else "(none configured)"


def _shown(text: str) -> str:
    return text if len(text) <= _SHOWN_MAX else text[: _SHOWN_MAX - 1] + "…"
