"""Use cases for update reminders: a cadence per incident, snoozing, and sending one when due."""

from __future__ import annotations

from datetime import datetime, timedelta

from watchkeeper.domain.errors import IncidentError
from watchkeeper.domain.incident import Incident
from watchkeeper.services.changes import apply_change
from watchkeeper.services.context import Context, Request


def set_reminders(
    ctx: Context, request: Request, *, enabled: bool | None, interval: timedelta | None
) -> Incident:
    """Switch this incident's reminders on or off, or give it its own interval."""

    def change(incident: Incident, now: datetime) -> None:
        if not incident.is_open:
            raise IncidentError(f"{incident.reference} is resolved; it gets no reminders.")
        incident.switch_reminders(enabled=enabled, interval=interval)

    return apply_change(ctx, request, change)


def snooze_reminders(ctx: Context, request: Request, duration: timedelta) -> Incident:
    """No reminder for this incident until `duration` from now."""

    def change(incident: Incident, now: datetime) -> None:
        if not incident.is_open:
            raise IncidentError(f"{incident.reference} is resolved; it gets no reminders.")
        incident.snooze(now + duration)

    return apply_change(ctx, request, change)
