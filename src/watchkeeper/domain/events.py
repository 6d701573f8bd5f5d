"""Incident events: what other systems are told happened, named once for every receiver.

Each event follows from one kind of timeline entry; `incident.published` is the status page's
publication (its entry holds the public title).
"""

from __future__ import annotations

from enum import StrEnum
from typing import assert_never

from watchkeeper.domain.timeline import EntryKind


class IncidentEvent(StrEnum):
    """The events a webhook may subscribe to."""

    DECLARED = "incident.declared"
    STATUS_CHANGED = "incident.status_changed"
    UPDATED = "incident.updated"  # a formal update at the current status
    SEVERITY_CHANGED = "incident.severity_changed"
    ROLE_ASSIGNED = "incident.role_assigned"
    RESOLVED = "incident.resolved"
    REOPENED = "incident.reopened"
    ACTION_ADDED = "incident.action_added"
    ACTION_CHANGED = "incident.action_changed"  # a follow-up done, dropped, reassigned, moved
    PUBLISHED = "incident.published"  # put on the status page (or its public title changed)


def event_of(kind: EntryKind) -> IncidentEvent | None:
    """The event a timeline entry of this kind is, or None for entries no receiver is told of."""
    match kind:
        case EntryKind.DECLARED:
            return IncidentEvent.DECLARED
        case EntryKind.STATUS_CHANGED:
            return IncidentEvent.STATUS_CHANGED
        case EntryKind.UPDATE:
            return IncidentEvent.UPDATED
        case EntryKind.SEVERITY_CHANGED:
            return IncidentEvent.SEVERITY_CHANGED
        case EntryKind.ROLE_ASSIGNED:
            return IncidentEvent.ROLE_ASSIGNED
        case EntryKind.RESOLVED:
            return IncidentEvent.RESOLVED
        case EntryKind.REOPENED:
            return IncidentEvent.REOPENED
        case EntryKind.ACTION:
            return IncidentEvent.ACTION_ADDED
        case EntryKind.ACTION_CHANGED:
            return IncidentEvent.ACTION_CHANGED
        case EntryKind.PUBLISHED:
            return IncidentEvent.PUBLISHED
        case (
            EntryKind.IMPACT
            | EntryKind.COMPONENTS
            | EntryKind.NOTE
            | EntryKind.CAUSE
            | EntryKind.MILESTONE
            | EntryKind.PINNED
            | EntryKind.ALERT
            | EntryKind.UNPUBLISHED
            | EntryKind.POSTMORTEM_PUBLISHED
            | EntryKind.MADE_PRIVATE
            | EntryKind.KEPT
            | EntryKind.STILL_GOING
            | EntryKind.CORRECTED
        ):
            return None
        case _:
            assert_never(kind)


def parse_event(name: str) -> IncidentEvent:
    """An event by its name, with or without `incident.` (`declared`); ValueError otherwise."""
    wanted = name.strip().lower()
    for event in IncidentEvent:
        if wanted in (event.value, event.value.removeprefix("incident.")):
            return event
    known = ", ".join(event.value for event in IncidentEvent)
    raise ValueError(f'{name!r} is not an incident event; use one of {known}, or "*"')
