"""The reminder policy: when an incident's channel is next due a nudge to post an update."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from watchkeeper.domain.incident import Incident
from watchkeeper.domain.severity import SeverityScale

#: Reminders escalate in steps: the channel, then everyone holding a role, then the broadcast.
ESCALATE_TO_ROLES = 2
ESCALATE_TO_BROADCAST = 3


@dataclass(frozen=True, slots=True)
class ReminderPolicy:
    """Quiet time is measured from the last formal update, or the last unanswered reminder."""

    default_interval: timedelta
    scale: SeverityScale

    def interval_for(self, incident: Incident) -> timedelta:
        """The incident's own interval, else its severity's, else the configured default."""
        if incident.reminder_interval is not None:
            return incident.reminder_interval
        level = self.scale.level(incident.severity)
        return level.reminder_interval or self.default_interval

    def due_at(self, incident: Incident) -> datetime | None:
        """When the next reminder falls due; None when resolved or switched off."""
        if not incident.is_open or not incident.reminders_enabled:
            return None
        anchors = [t for t in (incident.last_update_at, incident.last_reminded_at) if t]
        quiet_since = max(anchors) if anchors else incident.declared_at
        due = quiet_since + self.interval_for(incident)
        if incident.snoozed_until is not None and incident.snoozed_until > due:
            return incident.snoozed_until
        return due
