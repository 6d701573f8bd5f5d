"""The one path every change to an incident takes: load, change, record effects, commit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from watchkeeper.domain.incident import COMMANDER, Incident
from watchkeeper.domain.timeline import EntryKind, TimelineEntry
from watchkeeper.services.context import Context, NotAnIncidentChannel, Request, admit
from watchkeeper.services.effects import Effect, EffectKind, entry_payload
from watchkeeper.services.outgoing import outgoing_effects
from watchkeeper.services.ports import UnitOfWork

Change = Callable[[Incident, datetime], None]

#: Entries that change what the pinned card shows.
_CARD_KINDS = frozenset(EntryKind) - {
    EntryKind.NOTE,
    EntryKind.ACTION,
    EntryKind.ACTION_CHANGED,
    EntryKind.PINNED,
    EntryKind.MILESTONE,
    EntryKind.KEPT,
    EntryKind.STILL_GOING,
    EntryKind.CORRECTED,
}
#: Entries the broadcast channel hears about when the severity's level says so.
_MAJOR_KINDS = frozenset({EntryKind.STATUS_CHANGED, EntryKind.UPDATE, EntryKind.SEVERITY_CHANGED})
#: Entries that may name a follow-up's owner (`detail["owner"]`).
_OWNED = frozenset({EntryKind.ACTION, EntryKind.ACTION_CHANGED})
#: Entries the broadcast channel always hears about.
_ALWAYS_BROADCAST = frozenset({EntryKind.RESOLVED, EntryKind.REOPENED})


def incident_for(
    uow: UnitOfWork, channel_id: str, *, lock: bool = True, history: bool = True
) -> Incident:
    """The incident whose channel this is; refuse elsewhere, pointing at `/incident list`."""
    incident = (
        uow.incidents.by_channel(channel_id, lock=lock, history=history) if channel_id else None
    )
    if incident is None:
        raise NotAnIncidentChannel(
            "This command works in an incident channel. "
            "Use `/incident list` to find the incident's channel, or run it there."
        )
    return incident


def apply_change(
    ctx: Context,
    request: Request,
    change: Change,
    *,
    notice: Callable[[Incident], dict[str, str]] | None = None,
    history: bool = False,
    number: int | None = None,
) -> Incident:
    """Change the incident of the request's channel and queue what the change must tell.

    `number` names the incident instead, for a change made outside its channel (a follow-up
    marked done from the App Home or a direct message). `notice` describes a change that leaves no timeline entry (reminder settings) for the
    channel to hear about. The incident's earlier timeline is read only with `history`: no
    rule but the pinned messages' looks at it, and a long incident must not slow each command.
    The incident returned holds only the entries this change added unless `history` is set.
    """
    now = ctx.now()
    with ctx.uow() as uow:
        admit(uow, request, now)
        if number is not None:
            incident = uow.incidents.get(number, history=history)
        else:
            incident = incident_for(uow, request.channel_id, history=history)
        already = len(incident.timeline)
        change(incident, now)
        ctx.save(uow, incident)
        effects = effects_of(ctx, incident, incident.timeline[already:])
        if notice is not None:
            effects.append(
                Effect(
                    EffectKind.NOTICE,
                    incident.number,
                    {**notice(incident), "by": request.actor.user_id},
                )
            )
        uow.outbox.add_all(effects, now)
        uow.commit()
    if effects:
        ctx.on_effects()
    return incident


def effects_of(ctx: Context, incident: Incident, entries: list[TimelineEntry]) -> list[Effect]:
    """Tell the channel each new entry, broadcast the major ones, keep the card current."""
    effects: list[Effect] = []
    # Whoever is given a role must be in the channel to do it, before it hears of the role.
    roles = [e for e in entries if e.kind is EntryKind.ROLE_ASSIGNED]
    if roles:
        invite = {"users": [e.detail["user"] for e in roles], "by": roles[0].author}
        effects.append(Effect(EffectKind.INVITE, incident.number, invite))
    for entry in entries:
        # A follow-up's new owner is nudged on their own clock: learn which it is.
        owner = entry.detail.get("owner") if entry.kind in _OWNED else None
        if owner:
            learn = {"action": int(entry.detail["action"]), "user": owner}
            effects.append(Effect(EffectKind.LEARN_OWNER_ZONE, incident.number, learn))
    level = ctx.scale.level(incident.severity)
    for entry in entries:
        if entry.kind is EntryKind.PINNED:
            continue  # the channel saw the pin itself; the timeline just keeps it
        broadcast = (
            ctx.broadcast
            and not incident.private
            and (
                entry.kind in _ALWAYS_BROADCAST
                or (entry.kind in _MAJOR_KINDS and level.broadcast_updates)
            )
        )
        effects.append(announcement(incident.number, entry, "channel"))
        if broadcast:
            effects.append(announcement(incident.number, entry, "broadcast"))
    if any(entry.kind is EntryKind.RESOLVED for entry in entries):
        effects.append(Effect(EffectKind.PUBLISH_REPORTS, incident.number, {}))
    effects += archive_notices(ctx, incident, entries)
    if any(entry.kind in _CARD_KINDS for entry in entries):
        topic = any(_changes_topic(entry) for entry in entries)
        effects.append(
            Effect(
                EffectKind.REFRESH_CARD,
                incident.number,
                {"topic": topic},
                dedupe_key=f"card:{incident.number}:{int(topic)}",
            )
        )
    # Webhooks and paging services hear of the same entries, each at its own destination.
    effects += outgoing_effects(ctx.outgoing, ctx.scale, incident, entries)
    return effects


def announcement(number: int, entry: TimelineEntry, target: str) -> Effect:
    """Tell the incident channel, or the broadcast channel, about one entry."""
    return Effect(
        EffectKind.ANNOUNCE_ENTRY, number, {"entry": entry_payload(entry), "target": target}
    )


def archive_notices(ctx: Context, incident: Incident, entries: list[TimelineEntry]) -> list[Effect]:
    """A resolution says when the channel is archived and how to keep it; a reopening, that
    the archive is off."""
    if ctx.tidy.archive_after is None or incident.archive_kept:
        return []
    kinds = [entry.kind for entry in entries]
    if EntryKind.RESOLVED in kinds and (due := ctx.tidy.archive_due(incident)) is not None:
        notice = {"notice": "archive", "at": due.isoformat()}
        return [Effect(EffectKind.NOTICE, incident.number, notice)]
    if EntryKind.REOPENED in kinds:
        return [Effect(EffectKind.NOTICE, incident.number, {"notice": "archive_cancelled"})]
    return []


def _changes_topic(entry: TimelineEntry) -> bool:
    if entry.kind is EntryKind.ROLE_ASSIGNED:
        return entry.detail.get("role") == COMMANDER
    return entry.kind in {
        EntryKind.STATUS_CHANGED,
        EntryKind.SEVERITY_CHANGED,
        EntryKind.RESOLVED,
        EntryKind.REOPENED,
    }
