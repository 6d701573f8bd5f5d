"""Milestones: the moments an incident's metrics are measured between."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from watchkeeper.domain.status import Status


class Milestone(StrEnum):
    """A moment in an incident's life that `/incident set` can correct."""

    STARTED = "started"
    DETECTED = "detected"
    IDENTIFIED = "identified"
    MITIGATED = "mitigated"
    RESOLVED = "resolved"


#: How far before its declaration a milestone (or a corrected entry) may be set: impact starts
#: before anyone notices, but not months before; a year-1 typo must not reach the reports.
MILESTONE_LOOKBACK = timedelta(days=30)

#: Milestones in the order they must happen in.
MILESTONE_ORDER = (
    Milestone.STARTED,
    Milestone.DETECTED,
    Milestone.IDENTIFIED,
    Milestone.MITIGATED,
    Milestone.RESOLVED,
)

#: The milestone a status reaches the first time the incident enters it.
STATUS_MILESTONE = {
    Status.IDENTIFIED: Milestone.IDENTIFIED,
    Status.MONITORING: Milestone.MITIGATED,
    Status.RESOLVED: Milestone.RESOLVED,
}
