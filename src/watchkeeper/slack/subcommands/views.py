"""Subcommands that show the incident so far, or publish it again: timeline, summary, postmortem."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from watchkeeper.domain.timeline import EntryKind
from watchkeeper.reports.timeline import describe
from watchkeeper.services import lifecycle, publishing, queries
from watchkeeper.services.context import Context, Request
from watchkeeper.slack.blocks import incident_card, shorten, when
from watchkeeper.slack.markup import escape
from watchkeeper.slack.subcommands.grammar import CommandError, Typed, shown
from watchkeeper.slack.subcommands.record import Reply, Subcommand, ephemeral, nothing_but

#: How many entries `/incident timeline` shows before pointing at the full export.
TIMELINE_SHOWN = 40
#: Longest line of `/incident timeline`: 40 of them stay well inside one message.
ENTRY_SHOWN = 300


@dataclass(frozen=True, slots=True)
class ShowTimeline:
    """Show the timeline so far, to the asker only; `edit`: open the form that corrects it."""

    edit: bool = False


@dataclass(frozen=True, slots=True)
class ShowSummary:
    """Show the incident's summary so far, to the asker only."""


@dataclass(frozen=True, slots=True)
class PublishPostmortem:
    """Publish the postmortem draft again from the current data; `to_page`: the channel's
    latest postmortem file goes on the status page instead."""

    to_page: bool = False


def _read_timeline(rest: str, typed: Typed, usage: str) -> ShowTimeline:
    if not rest:
        return ShowTimeline()
    if rest.lower() == "edit":
        return ShowTimeline(edit=True)
    raise CommandError(
        f"`{shown(rest)}` is not something `timeline` does; `timeline` shows it, "
        "`timeline edit` opens a form to correct an entry.",
        usage,
    )


def _timeline(ctx: Context, command: ShowTimeline, request: Request) -> Reply:
    if command.edit:
        # The form opens once this reply is on its way (the slash command's listener).
        incident = queries.incident_in_channel(ctx, request.channel_id, history=False).incident
        return ephemeral(f"Opening the {incident.reference} timeline editor…")
    view = queries.incident_in_channel(ctx, request.channel_id)
    entries = sorted(view.incident.shown_timeline(), key=lambda e: e.at)
    shown = entries[-TIMELINE_SHOWN:]
    lines = [
        shorten(
            f"• {when(e.at, ctx.zone)}: {escape(describe(e, names=view.names, zone=ctx.zone))}"
            + (" _(edited)_" if e.edited else ""),
            ENTRY_SHOWN,
        )
        for e in shown
    ]
    head = f"*{view.incident.reference} timeline* ({len(entries)} entries)"
    if len(entries) > len(shown):
        head += f", the last {len(shown)}; `/incident postmortem` publishes all of it"
    pinned = sum(1 for e in entries if e.kind is EntryKind.PINNED)
    if pinned:
        head += f"; {pinned} pinned messages"
    return ephemeral(head + "\n" + "\n".join(lines))


def _summary(ctx: Context, command: ShowSummary, request: Request) -> Reply:
    view = queries.incident_in_channel(ctx, request.channel_id, history=False)
    fallback, blocks = incident_card(view.incident, ctx.zone)
    return ephemeral(fallback, [b for b in blocks if b["type"] != "actions"])


def _read_postmortem(rest: str, typed: Typed, usage: str) -> PublishPostmortem:
    if not rest:
        return PublishPostmortem()
    if rest.lower() == "publish":
        return PublishPostmortem(to_page=True)
    raise CommandError(
        f"`{shown(rest)}` is not something `postmortem` does; "
        "`postmortem` drafts it again, `postmortem publish` puts it on the status page.",
        usage,
    )


def _postmortem(ctx: Context, command: PublishPostmortem, request: Request) -> Reply:
    if command.to_page:
        incident = publishing.publish_postmortem_file(ctx, request)
        return ephemeral(
            f"Publishing the latest postmortem file of this channel on the {incident.reference} "
            "status page; the channel hears when it is there. (Edit the draft, upload it here "
            "as `…postmortem.md`, then publish.)"
        )
    incident = lifecycle.publish_postmortem(ctx, request)
    return ephemeral(f"Publishing the {incident.reference} reports from the current data.")


SUBCOMMANDS: tuple[Subcommand[Any], ...] = (
    Subcommand(
        "timeline",
        "/incident timeline [edit]",
        "Show the timeline so far (only to you); with edit, correct or remove an entry.",
        ShowTimeline,
        _read_timeline,
        _timeline,
    ),
    Subcommand(
        "summary",
        "/incident summary",
        "Show the incident so far (only to you).",
        ShowSummary,
        nothing_but(ShowSummary(), "summary"),
        _summary,
    ),
    Subcommand(
        "postmortem",
        "/incident postmortem [publish]",
        "Draft the postmortem again; with publish, put the latest postmortem file on the status page.",
        PublishPostmortem,
        _read_postmortem,
        _postmortem,
    ),
)
