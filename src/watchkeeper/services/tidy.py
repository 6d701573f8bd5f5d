"""Channels that tidy themselves: resolved incidents' channels archived, quiet ones asked.

Both are due work (`TidyPolicy` says when): the archive falls due `archive_after` the
resolution, unless `/incident keep` kept the channel or a reopening took the incident back;
the question to the commander falls due `stale_after` the latest timeline entry, once per quiet
spell. Carrying either out queues the Slack effect in the claiming transaction, so it happens
exactly once across replicas and restarts, and a Slack failure retries it rather than losing it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from watchkeeper.domain.errors import IncidentError
from watchkeeper.domain.incident import Incident
from watchkeeper.services.changes import apply_change
from watchkeeper.services.context import Context, Request
from watchkeeper.services.due import DueWork
from watchkeeper.services.effects import Effect, EffectKind
from watchkeeper.services.ports import UnitOfWork


def keep(ctx: Context, request: Request) -> Incident:
    """Keep the resolved incident's channel: its pending archive is cancelled for good."""

    def change(incident: Incident, now: datetime) -> None:
        if ctx.tidy.archive_after is None:
            raise IncidentError(
                "Incident channels are never archived here (WATCHKEEPER_ARCHIVE_AFTER is off); "
                "there is nothing to keep."
            )
        incident.keep_channel(by=request.actor.user_id, at=now)

    return apply_change(ctx, request, change)


def still_going(ctx: Context, request: Request, number: int) -> Incident:
    """A responder answers the quiet incident's question: not over; ask again later."""
    stale_after = ctx.tidy.stale_after

    def change(incident: Incident, now: datetime) -> None:
        if stale_after is None:
            raise IncidentError("Quiet incidents are not asked about here any more.")
        incident.still_going(by=request.actor.user_id, at=now, ask_again=now + stale_after)

    return apply_change(ctx, request, change, number=number)


# --- the archive --------------------------------------------------------------------------


def _archive_due(ctx: Context, incident: Incident) -> datetime | None:
    return ctx.tidy.archive_due(incident)


def _archive(
    ctx: Context, uow: UnitOfWork, claimed: Sequence[tuple[Incident, datetime]], now: datetime
) -> list[Effect]:
    """Queue each claimed channel's archiving."""
    effects: list[Effect] = []
    for incident, _ in claimed:
        incident.mark_archived(now)
        effects.append(Effect(EffectKind.ARCHIVE_CHANNEL, incident.number, {}))
    uow.incidents.record_tidying([incident for incident, _ in claimed])
    return effects


#: A resolved incident's channel archived `WATCHKEEPER_ARCHIVE_AFTER` its resolution.
ARCHIVE = DueWork("archive", _archive_due, _archive)


# --- the question to a quiet incident's commander ------------------------------------------


def _stale_due(ctx: Context, incident: Incident) -> datetime | None:
    return ctx.tidy.stale_due(incident)


def _ask(
    ctx: Context, uow: UnitOfWork, claimed: Sequence[tuple[Incident, datetime]], now: datetime
) -> list[Effect]:
    """Ask each claimed incident's commander (in its channel) whether it is still going."""
    effects: list[Effect] = []
    for incident, _ in claimed:
        quiet_since = incident.quiet_since
        incident.ask_if_still_going(now)
        payload = {"quiet_since": quiet_since.isoformat(), "asked_at": now.isoformat()}
        effects.append(Effect(EffectKind.ASK_IF_STILL_GOING, incident.number, payload))
    uow.incidents.record_tidying([incident for incident, _ in claimed])
    return effects


#: The question to the commander of an incident quiet for `WATCHKEEPER_STALE_AFTER`.
STALE_PROMPT = DueWork("stale", _stale_due, _ask)
