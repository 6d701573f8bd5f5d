"""Every subcommand in one tuple, and what is derived from it: reading, help and dispatch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from watchkeeper.services.context import Context, Request
from watchkeeper.slack.markup import escape
from watchkeeper.slack.subcommands import (
    anywhere,
    facts,
    follow_ups,
    lifecycle,
    publishing,
    reminders,
    views,
)
from watchkeeper.slack.subcommands.grammar import (
    CommandError,
    Typed,
    closest,
    shown,
    split_first,
)
from watchkeeper.slack.subcommands.record import Reply, Subcommand, ephemeral

# C0, DEL and C1: they corrupt how Slack renders text; newline and tab carry meaning.
_CONTROLS = {c: None for c in (*range(0x20), *range(0x7F, 0xA0)) if chr(c) not in "\n\t"}


@dataclass(frozen=True, slots=True)
class Help:
    """Show the list of commands, or the form of one (`topic` is a canonical subcommand)."""

    topic: str | None = None


@dataclass(frozen=True, slots=True)
class Read:
    """A subcommand and the command read from what followed its name."""

    subcommand: Subcommand[Any]
    command: object

    def answer(self, ctx: Context, request: Request) -> Reply:
        """Carry the command out and say what happened."""
        return self.subcommand.answer(ctx, self.command, request)


def _read_help(rest: str, typed: Typed, usage: str) -> Help:
    # Only the first word names the topic: `help set started` means help on `set`.
    topic, _ = split_first(rest.removeprefix("/incident"))
    if not topic:
        return Help()
    return Help(_named(topic).name)


def _help(ctx: Context, command: Help, request: Request) -> Reply:
    text = help_text(command.topic)
    if command.topic is not None and (rule := BY_NAME[command.topic].permission) is not None:
        text += "\n" + ctx.permissions.describe(rule)
    return ephemeral(escape(text))


#: Every subcommand, in the order help lists them: the ones that work anywhere first.
SUBCOMMANDS: tuple[Subcommand[Any], ...] = (
    Subcommand(
        "help",
        "/incident help [command]",
        "List the commands, or show one.",
        Help,
        _read_help,
        _help,
        anywhere=True,
    ),
    *anywhere.SUBCOMMANDS,
    *lifecycle.SUBCOMMANDS,
    *facts.SUBCOMMANDS,
    *follow_ups.SUBCOMMANDS,
    *views.SUBCOMMANDS,
    *publishing.SUBCOMMANDS,
    *reminders.SUBCOMMANDS,
)

BY_NAME: Mapping[str, Subcommand[Any]] = MappingProxyType({s.name: s for s in SUBCOMMANDS})
#: Each word a subcommand answers to (its name and aliases).
BY_WORD: Mapping[str, Subcommand[Any]] = MappingProxyType(
    {word: s for s in SUBCOMMANDS for word in s.words}
)
#: The form of every subcommand, by name.
USAGE: Mapping[str, str] = MappingProxyType({s.name: s.form for s in SUBCOMMANDS})


def read_command(
    text: str, *, severities: Sequence[str], roles: Sequence[str], now: datetime, zone: ZoneInfo
) -> Read:
    """Turn the text after `/incident` into a subcommand and its command, or raise CommandError."""
    words = text.translate(_CONTROLS).split(None, 1)
    if not words:
        return Read(BY_NAME["help"], Help())
    subcommand = _named(words[0])
    rest = words[1].strip() if len(words) > 1 else ""
    typed = Typed(severities, roles, now, zone)
    return Read(subcommand, subcommand.read(rest, typed, subcommand.form))


def parse_command(
    text: str, *, severities: Sequence[str], roles: Sequence[str], now: datetime, zone: ZoneInfo
) -> object:
    """The command the text after `/incident` asks for, or CommandError showing the form."""
    return read_command(text, severities=severities, roles=roles, now=now, zone=zone).command


def help_text(topic: str | None = None) -> str:
    """Every command with what it does, or the form and purpose of `topic` (a subcommand)."""
    if topic is not None:
        subcommand = _named(topic)
        return f"{subcommand.form}\n{_described(subcommand)}"
    lines = ["Anywhere:"]
    lines += [f"• {s.form}: {_described(s)}" for s in SUBCOMMANDS if s.anywhere]
    lines += ["", "In an incident channel:"]
    lines += [f"• {s.form}: {_described(s)}" for s in SUBCOMMANDS if not s.anywhere]
    return "\n".join(lines)


def _described(subcommand: Subcommand[Any]) -> str:
    if subcommand.aliases:
        return f"{subcommand.summary} (also: {', '.join(subcommand.aliases)})"
    return subcommand.summary


def _named(word: str) -> Subcommand[Any]:
    found = BY_WORD.get(word.lower())
    if found is not None:
        return found
    guess = closest(word, list(BY_WORD))
    hint = f" Did you mean `{guess}`?" if guess else ""
    raise CommandError(
        f"`{shown(word)}` is not an /incident command.{hint} See `/incident help`.",
        BY_WORD[guess].form if guess else BY_NAME["help"].form,
    )
