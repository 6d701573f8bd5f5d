"""When an incident pages the on-call: at a severity level marked `page`, and until resolved.

An incident pages when it is declared at such a level, raised to one, or reopened at one; the
page is withdrawn when the incident is resolved, if it ever paged (its highest level did).
Lowering the severity withdraws nothing: someone was woken, and they resolve it.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Literal

from watchkeeper.domain.incident import Incident
from watchkeeper.domain.severity import SeverityScale
from watchkeeper.domain.timeline import EntryKind, TimelineEntry

PageAction = Literal["trigger", "resolve"]


def page_action(
    entry: TimelineEntry, incident: Incident, *, paging: Collection[str], scale: SeverityScale
) -> PageAction | None:
    """What this entry does to the incident's page, given the levels that page (by name)."""

    def pages(level: str) -> bool:
        return level in scale.names and level in paging

    match entry.kind:
        case EntryKind.DECLARED:
            return "trigger" if pages(entry.detail.get("severity", "")) else None
        case EntryKind.SEVERITY_CHANGED:
            before, after = entry.detail.get("from", ""), entry.detail.get("to", "")
            # A level the settings no longer have ranks below every level they do.
            was = scale.rank(before) if before in scale.names else len(scale.names)
            raised = pages(after) and scale.rank(after) < was
            return "trigger" if raised else None
        case EntryKind.REOPENED:
            return "trigger" if pages(incident.severity) else None
        case EntryKind.RESOLVED:
            return "resolve" if pages(incident.highest_severity or incident.severity) else None
        case _:
            return None
