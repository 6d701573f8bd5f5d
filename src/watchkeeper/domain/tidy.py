"""Channels that tidy themselves: when a resolved incident's channel is archived, and when a
quiet open incident's commander is asked whether it is still going."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from watchkeeper.domain.incident import Incident
from watchkeeper.domain.milestones import Milestone

#: How long a quiet open incident waits for its question by default.
DEFAULT_STALE_AFTER = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class TidyPolicy:
    """`archive_after` a resolution its channel is archived; `stale_after` without a timeline
    entry an open incident's commander is asked. None switches either off."""

    archive_after: timedelta | None = None
    stale_after: timedelta | None = DEFAULT_STALE_AFTER

    def archive_due(self, incident: Incident) -> datetime | None:
        """When the channel is archived: after the resolution, unless kept (or archived)."""
        if self.archive_after is None or incident.is_open:
            return None
        if incident.archive_kept or incident.archived_at is not None:
            return None
        resolved = incident.milestones.get(Milestone.RESOLVED)
        return None if resolved is None else resolved + self.archive_after

    def stale_due(self, incident: Incident) -> datetime | None:
        """When the quiet incident's commander is asked: once per quiet spell, while open."""
        if self.stale_after is None or not incident.is_open:
            return None
        quiet_since = incident.quiet_since
        if incident.stale_asked_at is not None and incident.stale_asked_at > quiet_since:
            return None  # asked in this quiet spell already; the next entry starts another
        return quiet_since + self.stale_after
