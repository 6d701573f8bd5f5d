"""Private incidents: made private later, and who may see that one exists.

A private incident lives in a private channel; it is never announced in the broadcast channel,
published on the status page or told to webhooks that did not opt in, and Slack lists it only to
its channel's members. Its reference comes from the same sequence as every other incident's.
"""

from __future__ import annotations

from datetime import datetime

from watchkeeper.domain.incident import Incident
from watchkeeper.services.changes import apply_change
from watchkeeper.services.context import Context, Request


def make_private(ctx: Context, request: Request) -> Incident:
    """Make the incident of the request's channel private from now on (taking it off the
    status page if it is there). Its channel is not moved: a public channel stays readable by
    whoever joined it, so the reply says so."""

    def change(incident: Incident, now: datetime) -> None:
        incident.make_private(by=request.actor.user_id, at=now)

    return apply_change(ctx, request, change)
