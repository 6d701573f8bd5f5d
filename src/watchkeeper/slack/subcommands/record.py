"""The record every `/incident` subcommand is declared in, and the readers most of them share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from watchkeeper.domain.permissions import Permission
from watchkeeper.services.context import Context, Request
from watchkeeper.slack.subcommands.grammar import CommandError, Typed, shown

C = TypeVar("C")

#: What the responder sees: the ack's body (`text`, `response_type`, maybe `blocks`).
Reply = dict[str, Any]

#: Reads the text after the subcommand's name into its command (`usage` is its own form).
Reader = Callable[[str, Typed, str], C]
#: Carries the command out (one use case) and words what the responder sees.
Answer = Callable[[Context, C, Request], Reply]


@dataclass(frozen=True, slots=True)
class Subcommand(Generic[C]):
    """One subcommand: its words and help, where it runs, and how it is read and answered.

    The parser, the help text and the dispatch are all derived from these records; `command`
    is the type `read` returns and `answer` takes, so a record that pairs them wrongly does
    not type-check. `permission` names the rule the use case checks (shown in its help).
    """

    name: str
    form: str
    summary: str
    command: type[C]
    read: Reader[C]
    answer: Answer[C]
    aliases: tuple[str, ...] = ()
    #: True when it works in any channel; else only in an incident channel.
    anywhere: bool = False
    permission: Permission | None = None

    @property
    def words(self) -> tuple[str, ...]:
        """Every word that names it: its name and its aliases."""
        return (self.name, *self.aliases)


def ephemeral(text: str, blocks: list[dict[str, Any]] | None = None) -> Reply:
    """A reply only the responder sees."""
    reply: Reply = {"response_type": "ephemeral", "text": text}
    if blocks:
        reply["blocks"] = blocks
    return reply


def text_of(build: Callable[[str], C], missing: str) -> Reader[C]:
    """A reader for `<subcommand> <text>`: the text is required."""

    def read(rest: str, typed: Typed, usage: str) -> C:
        if not rest:
            raise CommandError(missing, usage)
        return build(rest)

    return read


def nothing_but(command: C, name: str) -> Reader[C]:
    """A reader for a subcommand that takes nothing after its name."""

    def read(rest: str, typed: Typed, usage: str) -> C:
        if rest:
            raise CommandError(
                f"`/incident {name}` takes nothing after it; drop `{shown(rest)}`.", usage
            )
        return command

    return read
