"""Use cases that move an incident through its statuses and post formal updates."""

from __future__ import annotations

from datetime import datetime

from watchkeeper.domain.incident import Incident
from watchkeeper.domain.permissions import Permission
from watchkeeper.domain.status import Status
from watchkeeper.services.changes import apply_change, incident_for
from watchkeeper.services.context import Context, Request, admit
from watchkeeper.services.effects import Effect, EffectKind


def change_status(ctx: Context, request: Request, status: Status, message: str = "") -> Incident:
    """Move to another status; with a message it is also a formal update."""
    if status is Status.RESOLVED:
        return resolve(ctx, request, message)
    by = request.actor.user_id

    def change(incident: Incident, now: datetime) -> None:
        incident.change_status(status, by=by, at=now, message=message)

    return apply_change(ctx, request, change)


def post_update(ctx: Context, request: Request, message: str) -> Incident:
    """A formal update at the current status; restarts the reminder clock."""
    by = request.actor.user_id

    def change(incident: Incident, now: datetime) -> None:
        incident.post_update(message, by=by, at=now)

    return apply_change(ctx, request, change)


def resolve(ctx: Context, request: Request, message: str = "") -> Incident:
    """Resolve: reminders stop; the status-page report and postmortem draft get published."""
    by = request.actor.user_id

    def change(incident: Incident, now: datetime) -> None:
        ctx.permissions.check(Permission.RESOLVE, by, incident)
        incident.resolve(by=by, at=now, message=message)

    return apply_change(ctx, request, change)


def reopen(ctx: Context, request: Request, message: str = "") -> Incident:
    """Back to investigating; reminders resume."""
    by = request.actor.user_id

    def change(incident: Incident, now: datetime) -> None:
        ctx.permissions.check(Permission.REOPEN, by, incident)
        incident.reopen(by=by, at=now, message=message)

    return apply_change(ctx, request, change)


def publish_postmortem(ctx: Context, request: Request) -> Incident:
    """Publish the reports again from the current data (after late edits)."""
    now = ctx.now()
    with ctx.uow() as uow:
        admit(uow, request, now)
        incident = incident_for(uow, request.channel_id, lock=False, history=False)
        uow.outbox.add(Effect(EffectKind.PUBLISH_REPORTS, incident.number, {}), now)
        uow.commit()
    ctx.on_effects()
    return incident
