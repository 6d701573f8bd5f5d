"""Subcommands that show the incident so far, or publish it again: timeline, summary, postmortem."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from watchkeeper.domain.timeline import EntryKind
from watchkeeper.reports.timeline import describe
from watchkeeper.services import lifecycle, queries
from watchkeeper.services.context import Context, Request
from watchkeeper.slack.blocks import incident_card, shorten, when
from watchkeeper.slack.markup import escape
from watchkeeper.slack.subcommands.record import Reply, Subcommand, ephemeral, nothing_but

#: How many entries `/incident timeline` shows before pointing at the full export.
TIMELINE_SHOWN = 40
#: Longest line of `/incident timeline`: 40 of them stay well inside one message.
ENTRY_SHOWN = 300


@dataclass(frozen=True, slots=True)
class ShowTimeline:
    """Show the timeline so far, to the asker only."""


@dataclass(frozen=True, slots=True)
class ShowSummary:
    """Show the incident's summary so far, to the asker only."""


@dataclass(frozen=True, slots=True)
class PublishPostmortem:
    """Publish the postmortem draft again from the current data."""


def _timeline(ctx: Context, command: ShowTimeline, request: Request) -> Reply:
    view = queries.incident_in_channel(ctx, request.channel_id)
    entries = sorted(view.incident.timeline, key=lambda e: e.at)
    shown = entries[-TIMELINE_SHOWN:]
    lines = [
        shorten(
            f"• {when(e.at, ctx.zone)}: {escape(describe(e, names=view.names, zone=ctx.zone))}",
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


def _postmortem(ctx: Context, command: PublishPostmortem, request: Request) -> Reply:
    incident = lifecycle.publish_postmortem(ctx, request)
    return ephemeral(f"Publishing the {incident.reference} reports from the current data.")


SUBCOMMANDS: tuple[Subcommand[Any], ...] = (
    Subcommand(
        "timeline",
        "/incident timeline",
        "Show the timeline so far (only to you).",
        ShowTimeline,
        nothing_but(ShowTimeline(), "timeline"),
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
        "/incident postmortem",
        "Publish the postmortem draft again.",
        PublishPostmortem,
        nothing_but(PublishPostmortem(), "postmortem"),
        _postmortem,
    ),
)
