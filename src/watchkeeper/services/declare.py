"""Declaring an incident: a number, a stored incident, and a channel to be opened."""

from __future__ import annotations

from collections.abc import Sequence

from watchkeeper.domain.incident import Incident
from watchkeeper.domain.permissions import Permission
from watchkeeper.services.changes import announcement
from watchkeeper.services.context import Context, Request, admit
from watchkeeper.services.effects import Effect, EffectKind
from watchkeeper.services.outgoing import outgoing_effects
from watchkeeper.services.publishing import new_public_id


def declare_incident(
    ctx: Context,
    request: Request,
    *,
    title: str,
    severity: str | None = None,
    description: str = "",
    public_message: str = "",
    private: bool = False,
    invite: Sequence[str] = (),
) -> Incident:
    """Create the incident; its channel, card and announcement follow as side effects.

    At a severity marked public (and with a status page) it goes on the page at once. A
    private incident (asked for, or at a severity marked private) opens a private channel with
    only the declarer and `invite` in it, and the broadcast channel never hears of it.
    """
    ctx.permissions.check(Permission.DECLARE, request.actor.user_id)
    now = ctx.now()
    level = ctx.scale.level(severity or ctx.scale.default)
    with ctx.uow() as uow:
        admit(uow, request, now)
        incident = Incident.declare(
            number=uow.incidents.next_number(),
            title=title,
            severity=level.name,
            declared_by=request.actor.user_id,
            at=now,
            description=description,
            public_message=public_message,
            private=private or level.private,
        )
        if level.public and ctx.status_page and not incident.private:
            incident.publish(new_public_id(), incident.title, by=request.actor.user_id, at=now)
        uow.incidents.add(incident)
        ctx.save(uow, incident)
        invitees = [request.actor.user_id, *invite]
        if not incident.private:
            invitees += level.responders
        uow.outbox.add_all(declaration_effects(ctx, incident, invitees), now)
        uow.commit()
    ctx.on_effects()
    return incident


def declaration_effects(ctx: Context, incident: Incident, invitees: list[str]) -> list[Effect]:
    """What a new incident must tell: its channel opened (with these people invited), the
    broadcast channel, and the webhooks and paging services that want to know."""
    invite = list(dict.fromkeys(invitees))
    effects = [Effect(EffectKind.OPEN_CHANNEL, incident.number, {"invite": invite})]
    if ctx.broadcast and not incident.private:
        effects.append(announcement(incident.number, incident.timeline[0], "broadcast"))
    effects += outgoing_effects(ctx.outgoing, ctx.scale, incident, incident.timeline)
    return effects
