"""Use cases that record what responders learn: severity, roles, impact, cause, notes."""

from __future__ import annotations

from datetime import UTC, datetime

from watchkeeper.domain.errors import UnknownRole
from watchkeeper.domain.incident import Incident
from watchkeeper.domain.milestones import Milestone
from watchkeeper.domain.permissions import Permission
from watchkeeper.domain.pins import PIN_HOLDER
from watchkeeper.services.changes import apply_change
from watchkeeper.services.context import Context, Request


def change_severity(ctx: Context, request: Request, severity: str) -> Incident:
    """Move the incident to another severity level."""
    by = request.actor.user_id

    def change(incident: Incident, now: datetime) -> None:
        ctx.permissions.check(Permission.SEVERITY, by, incident)
        incident.change_severity(severity, scale=ctx.scale, by=by, at=now)

    return apply_change(ctx, request, change)


def assign_role(ctx: Context, request: Request, role: str, user_id: str) -> Incident:
    """Give a role (the commander leads) to a responder."""
    role = role.strip().lower()
    if role not in ctx.roles:
        raise UnknownRole(f"{role!r} is not a role here; use one of {', '.join(ctx.roles)}")
    by = request.actor.user_id

    def change(incident: Incident, now: datetime) -> None:
        ctx.permissions.check(Permission.ASSIGN_ROLES, by, incident)
        incident.assign_role(role, user_id, by=by, at=now)

    return apply_change(ctx, request, change)


def set_impact(ctx: Context, request: Request, text: str) -> Incident:
    """Say what users experience."""
    return apply_change(ctx, request, lambda i, now: i.set_impact(text, by=_by(request), at=now))


def set_components(ctx: Context, request: Request, components: tuple[str, ...]) -> Incident:
    """Name the affected components."""
    return apply_change(
        ctx, request, lambda i, now: i.set_components(components, by=_by(request), at=now)
    )


def set_cause(ctx: Context, request: Request, text: str) -> Incident:
    """Record the root cause."""
    return apply_change(ctx, request, lambda i, now: i.set_cause(text, by=_by(request), at=now))


def add_note(ctx: Context, request: Request, text: str) -> Incident:
    """A timeline entry that is not a formal update."""
    return apply_change(ctx, request, lambda i, now: i.add_note(text, by=_by(request), at=now))


def set_milestone(ctx: Context, request: Request, milestone: Milestone, when: datetime) -> Incident:
    """Correct when a milestone happened."""

    def change(incident: Incident, now: datetime) -> None:
        incident.set_milestone(milestone, when, by=_by(request), at=now)

    return apply_change(ctx, request, change)


def _by(request: Request) -> str:
    return request.actor.user_id


def add_pinned_message(
    ctx: Context,
    request: Request,
    *,
    message_ts: str,
    text: str,
    author: str,
    permalink: str,
    holder: str = PIN_HOLDER,
    event_ts: str = "",
) -> Incident:
    """A message pinned (or reacted to with the timeline's emoji, `holder`) in the incident
    channel joins the timeline at its own time, once, whatever order Slack's events come in."""
    posted_at = datetime.fromtimestamp(float(message_ts), UTC)

    def change(incident: Incident, now: datetime) -> None:
        incident.add_pinned_message(
            message_ts=message_ts,
            text=text,
            author=author,
            posted_at=posted_at,
            permalink=permalink,
            holder=holder,
            event_ts=event_ts,
        )

    return apply_change(ctx, request, change, history=True)  # it is there once


def remove_pinned_message(
    ctx: Context, request: Request, message_ts: str, *, holder: str = PIN_HOLDER, event_ts: str = ""
) -> Incident:
    """`holder` unpins the message (or takes the reaction back): once nobody holds it, it
    leaves the timeline."""

    def change(incident: Incident, now: datetime) -> None:
        incident.remove_pinned_message(message_ts, holder=holder, event_ts=event_ts)

    return apply_change(ctx, request, change, history=True)


def reaction_holder(user_id: str) -> str:
    """Who holds a message reacted to with the timeline's emoji: that person's reaction."""
    return f"reaction:{user_id}"


def correct_entry(
    ctx: Context,
    request: Request,
    entry_id: int,
    *,
    text: str | None = None,
    when: datetime | None = None,
    remove: bool = False,
) -> Incident:
    """Change an entry's text or time, or remove it; the original is kept and the correction
    is recorded on the timeline."""

    def change(incident: Incident, now: datetime) -> None:
        incident.correct_entry(
            entry_id, by=_by(request), at=now, text=text, when=when, remove=remove
        )

    return apply_change(ctx, request, change, history=True)
