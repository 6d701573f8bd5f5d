"""What an incident held when a unit of work loaded it, so that a save writes only what changed."""

from __future__ import annotations

from collections.abc import Sequence
from copy import copy
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any

from watchkeeper.domain.follow_ups import Action
from watchkeeper.domain.incident import Incident, Publication
from watchkeeper.domain.timeline import TimelineEntry
from watchkeeper.store.mapping import incident_values


@dataclass(slots=True)
class Snapshot:
    """An incident as its unit of work loaded it, or last saved it."""

    incident_id: int
    #: Its own row's columns as `incident_values` gives them.
    values: dict[str, Any]
    roles: dict[str, str]
    #: The follow-ups' fields as loaded: a save writes the new ones and those that changed.
    actions: tuple[tuple[Any, ...], ...]
    #: False when its timeline was left unread: a save then only adds entries.
    history: bool
    publication: Publication | None = None
    #: The timeline entries as loaded, by id: a save writes back those corrected since.
    entries: dict[int, TimelineEntry] = field(default_factory=dict)

    @classmethod
    def of(cls, incident_id: int, incident: Incident, *, history: bool) -> Snapshot:
        """What `incident` holds now, as stored under `incident_id`."""
        return cls(
            incident_id,
            incident_values(incident),
            dict(incident.roles),
            action_fields(incident.actions),
            history,
            copy(incident.publication),
            _by_id(incident.timeline),
        )


#: A follow-up's fields, as a tuple to compare (a copy of the object costs ten times more).
ACTION_FIELDS = attrgetter(*(each.name for each in fields(Action)))


def action_fields(follow_ups: Sequence[Action]) -> tuple[tuple[Any, ...], ...]:
    return tuple(ACTION_FIELDS(action) for action in follow_ups)


def _by_id(timeline: Sequence[TimelineEntry]) -> dict[int, TimelineEntry]:
    # Entries are frozen: keeping them is keeping a copy.
    return {entry.entry_id: entry for entry in timeline if entry.entry_id is not None}
