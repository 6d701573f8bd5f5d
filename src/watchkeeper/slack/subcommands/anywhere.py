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


@dataclass(frozen=True, slots=True)
class ListIncidents:
    """Show the open incidents."""


def _read_declare(rest: str, typed: Typed, usage: str) -> Declare:
    if not rest:
        return Declare("")
    first, remainder = split_first(rest)
    severity = match(first, typed.severities)
    title = remainder if severity is not None else rest
    # Slack sends & < > as entities; count characters as the responder typed them.
    typed_length = len(title.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))
    if typed_length > TITLE_MAX:
        raise CommandError(
            f"The title is {typed_length} characters long; keep it to {TITLE_MAX} or fewer "
            "and put the detail in a note.",
            usage,
        )
    return Declare(title, severity)


def _declare(ctx: Context, command: Declare, request: Request) -> Reply:
    if not command.title:
        return ephemeral(OPENING_FORM)  # the listener opens the form once the ack is out
    incident = declare_incident(ctx, request, title=command.title, severity=command.severity)
    return ephemeral(
        f"*{incident.reference}* declared ({incident.severity}): {escape(incident.title)}. "
        "Its channel is opening now and you will be invited."
    )


def _list(ctx: Context, command: ListIncidents, request: Request) -> Reply:
    return ephemeral(incident_list(*queries.open_summaries(ctx, LISTED), ctx.now()))


SUBCOMMANDS: tuple[Subcommand[Any], ...] = (
    Subcommand(
        "declare",
        "/incident declare [SEVERITY] <title>",
        "Declare an incident and open its channel; without a title, open a form.",
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
