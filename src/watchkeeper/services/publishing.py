"""Use cases of the public status page: publish an incident, take it off, show its postmortem.

Publishing is the responders' decision: only what was written for customers (the public title,
the declaration's public message, status changes with their messages, formal updates, the
affected components and the published postmortem) ever reaches the page.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from watchkeeper.domain.errors import IncidentError
from watchkeeper.domain.incident import Incident
from watchkeeper.services.changes import apply_change, incident_for
from watchkeeper.services.context import Context, Request, admit
from watchkeeper.services.effects import Effect, EffectKind

#: Bytes of randomness in a public id: unguessable, so an unpublished incident stays unseen.
PUBLIC_ID_BYTES = 9


def new_public_id() -> str:
    """An opaque, URL-safe id for the page's address of an incident (never its number)."""
    return secrets.token_urlsafe(PUBLIC_ID_BYTES)


def publish(ctx: Context, request: Request, title: str = "") -> Incident:
    """Put the incident on the status page, under `title` (default: its own title)."""
    _offered(ctx)

    def change(incident: Incident, now: datetime) -> None:
        incident.publish(new_public_id(), title or incident.title, by=request.actor.user_id, at=now)

    return apply_change(ctx, request, change)


def unpublish(ctx: Context, request: Request) -> Incident:
    """Take the incident off the status page."""
    _offered(ctx)
    return apply_change(
        ctx, request, lambda incident, now: incident.unpublish(by=request.actor.user_id, at=now)
    )


def publish_postmortem(ctx: Context, request: Request, text: str) -> Incident:
    """Show the postmortem, as written, on the status page."""
    _offered(ctx)

    def change(incident: Incident, now: datetime) -> None:
        incident.publish_postmortem(text, by=request.actor.user_id, at=now)

    return apply_change(ctx, request, change)


def publish_postmortem_file(ctx: Context, request: Request) -> Incident:
    """Ask for the channel's latest postmortem file to be published (fetched from Slack)."""
    _offered(ctx)
    now = ctx.now()
    with ctx.uow() as uow:
        admit(uow, request, now)
        incident = incident_for(uow, request.channel_id, lock=False, history=False)
        if not incident.is_published:
            raise IncidentError(
                f"{incident.reference} is not on the status page; `/incident publish` puts it "
                "there first."
            )
        effect = Effect(EffectKind.FETCH_POSTMORTEM, incident.number, {"by": request.actor.user_id})
        uow.outbox.add(effect, now)
        uow.commit()
    ctx.on_effects()
    return incident


def page_name(ctx: Context) -> str:
    """The status page's name: as configured, else the workspace's name and " Status"."""
    if ctx.status_page_name:
        return ctx.status_page_name
    with ctx.uow(read_only=True) as uow:
        workspace = uow.directory.workspace_name()
    return f"{workspace} Status" if workspace else "Status"


def remember_workspace(ctx: Context, name: str) -> None:
    """Keep the workspace's name, learned from Slack, for pages and reports made later."""
    with ctx.uow() as uow:
        uow.directory.remember_workspace(name)
        uow.commit()


def _offered(ctx: Context) -> None:
    if not ctx.status_page:
        raise IncidentError(
            "This workspace has no status page. An operator turns it on with "
            "WATCHKEEPER_STATUS_PAGE_NAME (or WATCHKEEPER_STATUS_PAGE=on)."
        )
