"""Follow-ups: agreed, owned, due, nudged until done, and listed across incidents.

Every change to a follow-up is a change to its incident (a timeline entry, in the incident's
transaction), also after the incident is resolved. Nudges are due work: one due time per
incident, the soonest of its open follow-ups' next nudges (`domain.follow_ups.NudgeRule`), and
the weekly digest of overdue ones is due work of the whole workspace.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from watchkeeper.domain.follow_ups import Action
from watchkeeper.domain.incident import Incident
from watchkeeper.services.changes import apply_change
from watchkeeper.services.context import Context, Request
from watchkeeper.services.due import DueWork, WorkspaceWork
from watchkeeper.services.effects import Effect, EffectKind
from watchkeeper.services.ports import FollowUpView, UnitOfWork


def add(
    ctx: Context, request: Request, text: str, owner_id: str | None, due: date | None = None
) -> Incident:
    """Agree a follow-up in the request's incident, with its owner and due day where given."""

    def change(incident: Incident, now: datetime) -> None:
        incident.add_action(text, owner_id=owner_id, due=due, by=request.actor.user_id, at=now)

    return apply_change(ctx, request, change)


def complete(ctx: Context, request: Request, action: int, *, number: int | None = None) -> Incident:
    """Follow-up `action` is done (of incident `number`, or of the request's channel's)."""

    def change(incident: Incident, now: datetime) -> None:
        incident.complete_action(action, by=request.actor.user_id, at=now)

    return apply_change(ctx, request, change, number=number)


def drop(ctx: Context, request: Request, action: int, reason: str) -> Incident:
    """Follow-up `action` will not be done, and why."""

    def change(incident: Incident, now: datetime) -> None:
        incident.drop_action(action, reason, by=request.actor.user_id, at=now)

    return apply_change(ctx, request, change)


def reassign(ctx: Context, request: Request, action: int, owner_id: str) -> Incident:
    """Follow-up `action` gets another owner."""

    def change(incident: Incident, now: datetime) -> None:
        incident.reassign_action(action, owner_id, by=request.actor.user_id, at=now)

    return apply_change(ctx, request, change)


def reschedule(ctx: Context, request: Request, action: int, due: date) -> Incident:
    """Follow-up `action` gets another due day."""

    def change(incident: Incident, now: datetime) -> None:
        incident.reschedule_action(action, due, by=request.actor.user_id, at=now)

    return apply_change(ctx, request, change)


def learn_owner_zone(ctx: Context, number: int, action: int, owner_id: str, zone: str) -> None:
    """The owner's time zone (from Slack): their nudges come at a working hour on their clock."""
    with ctx.uow() as uow:
        incident = uow.incidents.get(number, history=False)
        follow_up = incident.action(action)
        if follow_up.owner_id != owner_id or follow_up.owner_zone == zone:
            return  # given to someone else meanwhile, or known already
        follow_up.owner_zone = zone
        ctx.save(uow, incident)  # plans the nudge again, on the owner's clock
        uow.commit()


# --- nudges ----------------------------------------------------------------------------------


def _next_nudge(ctx: Context, incident: Incident) -> datetime | None:
    due = [ctx.nudges.next_nudge(action) for action in incident.actions]
    return min((moment for moment in due if moment is not None), default=None)


def _send_nudges(
    ctx: Context, uow: UnitOfWork, claimed: Sequence[tuple[Incident, datetime]], now: datetime
) -> list[Effect]:
    """A direct message to the owner (else the commander, else the declarer) of every open
    follow-up whose nudge is due."""
    effects: list[Effect] = []
    nudged: list[tuple[Incident, Action]] = []
    for incident, _ in claimed:
        for action in incident.actions:
            moment = ctx.nudges.next_nudge(action)
            if moment is None or moment > now:
                continue
            action.last_nudged_at = now
            nudged.append((incident, action))
            recipient = action.owner_id or incident.commander or incident.declared_by
            payload = {"about": "nudge", "user": recipient, "action": action.number}
            effects.append(Effect(EffectKind.DIRECT_MESSAGE, incident.number, payload))
    uow.incidents.record_nudges(nudged)
    return effects


#: Follow-up nudges: the day a follow-up falls due, and every week while it stays open.
NUDGES = DueWork("nudge", _next_nudge, _send_nudges)


# --- the weekly digest -------------------------------------------------------------------------


def _next_digest(ctx: Context, now: datetime) -> datetime | None:
    return ctx.digest.next_after(now) if ctx.digest is not None and ctx.broadcast else None


def _send_digest(ctx: Context, uow: UnitOfWork, now: datetime) -> list[Effect]:
    """The broadcast channel hears which follow-ups are overdue, if any are."""
    today = now.astimezone(ctx.zone).date()
    overdue = [
        view
        for view in uow.incidents.follow_ups(open_only=True)
        if view.action.overdue(today) and not view.private
    ]
    if not overdue:
        return []
    listed = [
        {
            "incident": view.number,
            "action": view.action.number,
            "text": view.action.text,
            "owner": view.action.owner_id or "",
            "due": view.action.due.isoformat() if view.action.due else "",
        }
        for view in overdue
    ]
    return [Effect(EffectKind.DIGEST, None, {"overdue": listed, "on": today.isoformat()})]


#: The weekly digest of overdue follow-ups, in the broadcast channel.
DIGEST = WorkspaceWork("digest", _next_digest, _send_digest)


# --- reading them ------------------------------------------------------------------------------


def follow_ups(
    ctx: Context,
    *,
    owners: Sequence[str] = (),
    open_only: bool = False,
    overdue: bool = False,
) -> list[FollowUpView]:
    """Follow-ups across incidents, soonest due first (those without a due day last)."""
    today = ctx.now().astimezone(ctx.zone).date()
    with ctx.uow(read_only=True) as uow:
        found = uow.incidents.follow_ups(owners=owners, open_only=open_only or overdue)
    if overdue:
        found = [view for view in found if view.action.overdue(today)]
    return sorted(found, key=lambda v: (v.action.due is None, v.action.due or today, v.number))
