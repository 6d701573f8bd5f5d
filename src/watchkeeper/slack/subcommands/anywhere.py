"""Subcommands that work in any channel: declare and list (help is the registry's own)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from watchkeeper.domain.permissions import Permission
from watchkeeper.services import queries
from watchkeeper.services.context import Context, Request
from watchkeeper.services.declare import declare_incident
from watchkeeper.slack.blocks import LISTED, incident_list
from watchkeeper.slack.markup import escape
from watchkeeper.slack.subcommands.grammar import (
    TITLE_MAX,
    CommandError,
    Typed,
    match,
    shown,
    split_first,
)
from watchkeeper.slack.subcommands.record import Reply, Subcommand, ephemeral, nothing_but

#: The reply while the declaration form opens (after the ack: Slack's trigger lasts 3 s).
OPENING_FORM = "Opening the form to declare an incident…"


@dataclass(frozen=True, slots=True)
class Declare:
    """Declare an incident; an empty title means: open the declare modal instead."""

    title: str
    severity: str | None = None
    #: A private incident: a private channel, never broadcast or published.
    private: bool = False


@dataclass(frozen=True, slots=True)
class ListIncidents:
    """Show the open incidents."""


#: The flag that declares a private incident, before or after the severity.
PRIVATE_FLAG = "--private"


def _read_declare(rest: str, typed: Typed, usage: str) -> Declare:
    private, rest = _private_flag(rest)
    if not rest:
        return Declare("", private=private)
    first, remainder = split_first(rest)
    severity = match(first, typed.severities)
    title = remainder if severity is not None else rest
    if severity is not None and not private:
        private, title = _private_flag(title)
    if title.startswith(("--", "—")):  # a mistyped flag must not declare a public incident
        flag = title.split()[0]
        raise CommandError(
            f"`{shown(flag)}` is not a flag `declare` knows: its one flag is `--private`, "
            "before the title.",
            usage,
        )
    # Slack sends & < > as entities; count characters as the responder typed them.
    typed_length = len(title.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))
    if typed_length > TITLE_MAX:
        raise CommandError(
            f"The title is {typed_length} characters long; keep it to {TITLE_MAX} or fewer "
            "and put the detail in a note.",
            usage,
        )
    return Declare(title, severity, private)


def _private_flag(rest: str) -> tuple[bool, str]:
    """Whether `rest` begins with `--private` (or Slack's `—private`), and what follows it."""
    first, remainder = split_first(rest)
    if first.lower() in (PRIVATE_FLAG, "—private"):  # Slack's clients may make `--` a dash
        return True, remainder
    return False, rest


def _declare(ctx: Context, command: Declare, request: Request) -> Reply:
    if not command.title:
        return ephemeral(OPENING_FORM)  # the listener opens the form once the ack is out
    incident = declare_incident(
        ctx, request, title=command.title, severity=command.severity, private=command.private
    )
    if incident.private:
        return ephemeral(
            f":lock: *{incident.reference}* declared ({incident.severity}), private: "
            f"{escape(incident.title)}. Its private channel is opening now with you in it; "
            "invite others there, or name them with `/incident commander` or `/incident role`. "
            "It is not announced, published or listed to anyone outside the channel."
        )
    return ephemeral(
        f"*{incident.reference}* declared ({incident.severity}): {escape(incident.title)}. "
        "Its channel is opening now and you will be invited."
    )


def _list(ctx: Context, command: ListIncidents, request: Request) -> Reply:
    shown = queries.open_summaries(ctx, LISTED, viewer=request.actor.user_id)
    return ephemeral(incident_list(*shown, ctx.now()))


SUBCOMMANDS: tuple[Subcommand[Any], ...] = (
    Subcommand(
        "declare",
        "/incident declare [--private] [SEVERITY] <title>",
        "Declare an incident and open its channel (`--private`: a private one); without a "
        "title, open a form.",
        Declare,
        _read_declare,
        _declare,
        aliases=("new",),
        anywhere=True,
        permission=Permission.DECLARE,
    ),
    Subcommand(
        "list",
        "/incident list",
        "Show the open incidents.",
        ListIncidents,
        nothing_but(ListIncidents(), "list"),
        _list,
        anywhere=True,
    ),
)
