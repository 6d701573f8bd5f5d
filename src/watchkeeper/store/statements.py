"""The incident repository's statements, built once: a command only binds their values.

SQLAlchemy remembers a statement's cache key on the object, so one built at import (with
`bindparam`s) skips rebuilding and re-walking the statement on every command. Those that differ
between the databases (`INSERT … ON CONFLICT`) are built per database, through `prebuilt`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    Update,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from watchkeeper.domain.incident import COMMANDER
from watchkeeper.domain.status import Status
from watchkeeper.domain.timeline import TimelineEntry
from watchkeeper.store.dialect import json_rows, upsert_for
from watchkeeper.store.mapping import PUBLICATION_COLUMNS, entry_values
from watchkeeper.store.tables import (
    actions,
    counters,
    incidents,
    publications,
    roles,
    timeline_entries,
)

INCIDENT_COUNTER = "incident"


@dataclass(frozen=True, slots=True)
class Reads:
    """The statements that load the incidents matching one condition, with their children.

    Built once for the conditions every command uses (its channel, its number), with
    `bindparam`s, so a command only binds values; built per call for the rest.
    """

    incidents: Select[Any]
    locked: Select[Any]
    timeline: Select[Any]


#: An incident's roles and follow-ups, read in its own row: few, and needed by every change.
_HELD_ROLES = (
    select(json_rows(roles.c.role, roles.c.user_id))
    .where(roles.c.incident_id == incidents.c.id)
    .scalar_subquery()
    .label("held_roles")
)
_AGREED_ACTIONS = (
    select(json_rows(*(column for column in actions.c if column.name != "incident_id")))
    .where(actions.c.incident_id == incidents.c.id)
    .scalar_subquery()
    .label("agreed_actions")
)


def reads(where: ColumnElement[bool]) -> Reads:
    query = (
        select(incidents, *PUBLICATION_COLUMNS, _HELD_ROLES, _AGREED_ACTIONS)
        .outerjoin(publications, publications.c.incident_id == incidents.c.id)
        .where(where)
        .order_by(incidents.c.number)
    )
    # A subquery instead of a list of ids keeps `all_incidents` under bind-parameter limits.
    matching = (
        select(incidents.c.id)
        .outerjoin(publications, publications.c.incident_id == incidents.c.id)
        .where(where)
    )
    return Reads(
        incidents=query,
        # FOR UPDATE on PostgreSQL; SQLite has no such clause and its BEGIN IMMEDIATE already
        # holds the database's single write lock.
        locked=query.with_for_update(of=incidents),
        # Recorded order: a pin joins the timeline late, at its own (earlier) time.
        timeline=select(timeline_entries)
        .where(timeline_entries.c.incident_id.in_(matching))
        .order_by(timeline_entries.c.incident_id, timeline_entries.c.id),
    )


BY_CHANNEL = reads(incidents.c.channel_id == bindparam("b_channel"))
BY_NUMBER = reads(incidents.c.number == bindparam("b_number"))
BY_NUMBERS = reads(incidents.c.number.in_(bindparam("b_numbers", expanding=True)))


_COMMANDER = roles.alias("commander")
#: Open incidents as a list shows them: the columns it needs and the commander, no children.
_OPEN = (
    select(
        incidents.c.number,
        incidents.c.title,
        incidents.c.status,
        incidents.c.severity,
        incidents.c.declared_at,
        incidents.c.channel_id,
        incidents.c.declared_by,
        incidents.c.private,
        _COMMANDER.c.user_id.label("commander"),
    )
    .outerjoin(
        _COMMANDER,
        (_COMMANDER.c.incident_id == incidents.c.id) & (_COMMANDER.c.role == COMMANDER),
    )
    .where(incidents.c.status != Status.RESOLVED.value)
    .order_by(incidents.c.number)
)
_OPEN_PRIVATE = _OPEN.where(incidents.c.private.is_(True))
_FIRST = bindparam("b_limit", type_=Integer)
#: By (private ones only, the first `b_limit` only).
OPEN_SUMMARIES = {
    (False, False): _OPEN,
    (False, True): _OPEN.limit(_FIRST),
    (True, False): _OPEN_PRIVATE,
    (True, True): _OPEN_PRIVATE.limit(_FIRST),
}


@functools.cache
def save_columns(columns: tuple[str, ...]) -> Update:
    """The incident's own row as a save writes it back: `columns`, bound as `b_<column>`."""
    return (
        update(incidents)
        .where(incidents.c.number == bindparam("b_where_number"))
        .values(
            {
                **{name: bindparam(f"b_{name}") for name in columns},
                # The repository reads no clock; the database's is good enough for bookkeeping.
                "updated_at": func.now(),
            }
        )
        .returning(incidents.c.id)
    )


NEXT_NUMBER = (
    update(counters)
    .where(counters.c.name == INCIDENT_COUNTER)
    .values(value=counters.c.value + 1)
    .returning(counters.c.value)
)
#: Executed with the columns of `incident_values` as parameters.
ADD_INCIDENT = insert(incidents).values(updated_at=func.now()).returning(incidents.c.id)
ADD_ENTRIES = insert(timeline_entries).returning(
    timeline_entries.c.id, sort_by_parameter_order=True
)


#: What a correction, or a pin's holders, can change in a recorded entry.
CORRECTABLE = (
    "at",
    "author",
    "text",
    "detail",
    "corrected_by",
    "corrected_at",
    "original_text",
    "original_at",
    "removed",
)


def corrected_values(incident_id: int, entry: TimelineEntry) -> dict[str, Any]:
    # Bind names other than the columns': SQLAlchemy reserves those for the SET clause.
    values = entry_values(incident_id, entry)
    return {"entry_id": entry.entry_id, **{f"new_{name}": values[name] for name in CORRECTABLE}}


#: A correction written back, executed with `corrected_values` of each entry.
CORRECT_ENTRIES = (
    update(timeline_entries)
    .where(timeline_entries.c.id == bindparam("entry_id"))
    .values({name: bindparam(f"new_{name}") for name in CORRECTABLE})
)


def write_roles(dialect: str) -> postgresql.Insert | sqlite.Insert:
    """Roles given: a role held already passes to its new holder."""
    statement = upsert_for(dialect, roles)
    return statement.on_conflict_do_update(
        index_elements=[roles.c.incident_id, roles.c.role],
        set_={"user_id": statement.excluded.user_id},
    )


def write_actions(dialect: str) -> postgresql.Insert | sqlite.Insert:
    """Follow-ups written: new ones added, recorded ones changed in place."""
    # What can change in a follow-up once it is recorded.
    changing = ("due", "state", "reason", "owner_id", "owner_zone", "last_nudged_at")
    statement = upsert_for(dialect, actions)
    return statement.on_conflict_do_update(
        index_elements=[actions.c.incident_id, actions.c.number],
        set_={name: statement.excluded[name] for name in changing},
    )


#: A reminder sweep's claimed incidents: only the reminder columns change.
RECORD_REMINDERS = (
    update(incidents)
    .where(incidents.c.number == bindparam("b_number"))
    .values(
        unanswered_reminders=bindparam("b_unanswered"),
        last_reminded_at=bindparam("b_reminded_at"),
        updated_at=func.now(),
    )
)

#: A tidying sweep's claimed incidents: only its questions asked and archives queued change.
RECORD_TIDYING = (
    update(incidents)
    .where(incidents.c.number == bindparam("b_number"))
    .values(
        stale_asked_at=bindparam("b_asked_at"),
        archived_at=bindparam("b_archived_at"),
        updated_at=func.now(),
    )
)

#: When a follow-up's owner was nudged, by incident and follow-up number.
RECORD_NUDGES = (
    update(actions)
    .where(
        actions.c.incident_id
        == select(incidents.c.id)
        .where(incidents.c.number == bindparam("b_number"))
        .scalar_subquery(),
        actions.c.number == bindparam("b_action"),
    )
    .values(last_nudged_at=bindparam("b_at"))
)
