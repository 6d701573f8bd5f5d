"""Read-only views: open incidents, one incident, and the names of the people in them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from watchkeeper.domain.incident import Incident, IncidentSummary
from watchkeeper.services.changes import incident_for
from watchkeeper.services.context import Context


@dataclass(frozen=True, slots=True)
class IncidentView:
    """An incident with the display names of everyone its timeline mentions."""

    incident: Incident
    names: dict[str, str]


@dataclass(frozen=True, slots=True)
class Gauges:
    """What `/metrics` gauges: incidents still open, side effects still to deliver."""

    open_incidents: int
    pending_effects: int


def count_gauges(ctx: Context) -> Gauges:
    """Count what the gauges show, without loading a single incident."""
    with ctx.uow(read_only=True) as uow:
        return Gauges(uow.incidents.count_open(), uow.outbox.pending_count())


def open_incidents(ctx: Context, viewer: str | None = None) -> list[Incident]:
    """Every incident not yet resolved, oldest first, without their timelines (for lists).

    For a `viewer` in Slack, private incidents are left out unless they may see them; without
    one (an operator at the command line) every incident is listed.
    """
    with ctx.uow(read_only=True) as uow:
        found = uow.incidents.open_incidents(history=False)
    return [incident for incident in found if may_see(ctx, incident, viewer)]


def may_see(ctx: Context, incident: Incident | IncidentSummary, viewer: str | None) -> bool:
    """Whether `viewer` may see that the incident exists: any incident but a private one, which
    only its channel's members (and, until its channel opens, its declarer) may."""
    if viewer is None or not incident.private or viewer == incident.declared_by:
        return True
    if incident.channel_id is None or ctx.members is None:
        return False
    return viewer in ctx.members.members(incident.channel_id)


def open_summaries(
    ctx: Context, limit: int, viewer: str | None = None
) -> tuple[int, list[IncidentSummary]]:
    """How many incidents are open, and the first `limit` of them as a list shows them.

    For a `viewer` in Slack, private incidents they may not see are neither listed nor
    counted. One read gets enough rows to list `limit` however many private ones are hidden;
    who is in a channel is asked of Slack after it, not inside it.
    """
    with ctx.uow(read_only=True) as uow:
        private = [] if viewer is None else uow.incidents.open_summaries(None, private_only=True)
        first = uow.incidents.open_summaries(limit + len(private))
        total = len(first) if len(first) < limit + len(private) else uow.incidents.count_open()
    # Every private one is judged, also one made private between the two statements.
    checked = {s.number: s for s in first if s.private} | {s.number: s for s in private}
    hidden = {number for number, s in checked.items() if not may_see(ctx, s, viewer)}
    shown = [s for s in first if s.number not in hidden]
    return total - len(hidden), shown[:limit]


def all_incidents(ctx: Context, *, history: bool = True) -> list[Incident]:
    """Every incident ever declared, oldest first; a list leaves the timelines out (`history`)."""
    with ctx.uow(read_only=True) as uow:
        return uow.incidents.all_incidents(history=history)


def incident_in_channel(ctx: Context, channel_id: str, *, history: bool = True) -> IncidentView:
    """The incident of an incident channel, for the timeline and summary views.

    `history=False` leaves the timeline (and the names only it mentions) unread.
    """
    with ctx.uow(read_only=True) as uow:
        incident = incident_for(uow, channel_id, lock=False, history=history)
        return IncidentView(incident, uow.directory.names(people_in(incident)))


def incident_by_number(ctx: Context, number: int) -> IncidentView:
    """An incident by its number, for exports."""
    with ctx.uow(read_only=True) as uow:
        incident = uow.incidents.get(number, lock=False)
        return IncidentView(incident, uow.directory.names(people_in(incident)))


def incident_state(ctx: Context, number: int) -> Incident:
    """An incident's current state without its timeline: what a message about it shows."""
    with ctx.uow(read_only=True) as uow:
        return uow.incidents.get(number, lock=False, history=False)


def people_in(incident: Incident) -> set[str]:
    """User IDs that the incident's reports will show."""
    people = {incident.declared_by, *incident.roles.values()}
    people.update(e.author for e in incident.timeline)
    people.update(e.corrected_by for e in incident.timeline if e.corrected_by)
    people.update(e.detail["user"] for e in incident.timeline if e.detail.get("user"))
    people.update(a.owner_id for a in incident.actions if a.owner_id)
    return people


def published_incidents(ctx: Context, since: datetime) -> list[Incident]:
    """Incidents on the status page, open or declared since `since`, with what it shows."""
    with ctx.uow(read_only=True) as uow:
        return uow.incidents.published(since)


def published_incident(ctx: Context, public_id: str) -> Incident | None:
    """The incident on the status page under `public_id`, if there is one."""
    with ctx.uow(read_only=True) as uow:
        return uow.incidents.by_public_id(public_id)


def status_page_changed_at(ctx: Context) -> datetime | None:
    """When anything the status page shows last changed."""
    with ctx.uow(read_only=True) as uow:
        return uow.incidents.publications_changed_at()
