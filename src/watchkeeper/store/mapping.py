"""Conversions between domain objects and the rows of `tables`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Row

from watchkeeper.domain.follow_ups import Action, FollowUpState
from watchkeeper.domain.incident import Incident, Publication
from watchkeeper.domain.milestones import Milestone
from watchkeeper.domain.status import Status
from watchkeeper.domain.timeline import EntryKind, TimelineEntry
from watchkeeper.store.tables import publications


def incident_values(incident: Incident) -> dict[str, Any]:
    """The `incidents` columns that mirror the domain object (not card_ts or scheduling)."""
    interval = incident.reminder_interval
    return {
        "number": incident.number,
        "title": incident.title,
        "description": incident.description,
        "severity": incident.severity,
        "highest_severity": incident.highest_severity,
        "status": incident.status.value,
        "declared_at": incident.declared_at,
        "declared_by": incident.declared_by,
        "impact": incident.impact,
        "components": list(incident.components),
        "cause": incident.cause,
        "resolution": incident.resolution,
        "milestones": {
            milestone.value: at.astimezone(UTC).isoformat()
            for milestone, at in incident.milestones.items()
        },
        "channel_id": incident.channel_id,
        "channel_name": incident.channel_name,
        "last_update_at": incident.last_update_at,
        "last_reminded_at": incident.last_reminded_at,
        "unanswered_reminders": incident.unanswered_reminders,
        "reminders_enabled": incident.reminders_enabled,
        "reminder_interval_seconds": None if interval is None else round(interval.total_seconds()),
        "snoozed_until": incident.snoozed_until,
        "private": incident.private,
        "last_entry_at": incident.last_entry_at,
        "stale_asked_at": incident.stale_asked_at,
        "archive_kept": incident.archive_kept,
        "archived_at": incident.archived_at,
    }


#: The publication's columns as the incidents' query selects them beside the incident's own.
PUBLICATION_COLUMNS = (
    publications.c.public_id.label("pub_public_id"),
    publications.c.title.label("pub_title"),
    publications.c.listed.label("pub_listed"),
    publications.c.changed_at.label("pub_changed_at"),
    publications.c.postmortem.label("pub_postmortem"),
    publications.c.postmortem_at.label("pub_postmortem_at"),
)


def publication_values(incident_id: int, publication: Publication) -> dict[str, Any]:
    """A `publications` row."""
    return {
        "incident_id": incident_id,
        "public_id": publication.public_id,
        "title": publication.title,
        "listed": publication.listed,
        "changed_at": publication.changed_at,
        "postmortem": publication.postmortem,
        "postmortem_at": publication.postmortem_at,
    }


def to_publication(row: Row[Any]) -> Publication | None:
    """The publication selected beside an incident (`PUBLICATION_COLUMNS`), if it has one."""
    if row.pub_public_id is None:
        return None
    return Publication(
        public_id=row.pub_public_id,
        title=row.pub_title,
        changed_at=row.pub_changed_at,
        listed=row.pub_listed,
        postmortem=row.pub_postmortem,
        postmortem_at=row.pub_postmortem_at,
    )


def entry_values(incident_id: int, entry: TimelineEntry) -> dict[str, Any]:
    """A `timeline_entries` row for an entry (new, or corrected since it was loaded)."""
    return {
        "incident_id": incident_id,
        "kind": entry.kind.value,
        "at": entry.at,
        "author": entry.author,
        "text": entry.text,
        "status": entry.status.value,
        "formal": entry.formal,
        "detail": dict(entry.detail),
        "corrected_by": entry.corrected_by,
        "corrected_at": entry.corrected_at,
        "original_text": entry.original_text,
        "original_at": entry.original_at,
        "removed": entry.removed,
    }


def action_values(incident_id: int, action: Action) -> dict[str, Any]:
    """An `actions` row."""
    return {
        "incident_id": incident_id,
        "number": action.number,
        "text": action.text,
        "owner_id": action.owner_id,
        "added_by": action.added_by,
        "added_at": action.added_at,
        "due": action.due,
        "state": action.state.value,
        "reason": action.reason,
        "owner_zone": action.owner_zone,
        "last_nudged_at": action.last_nudged_at,
    }


def to_entry(row: Row[Any]) -> TimelineEntry:
    """A timeline entry from its row, carrying the row id."""
    return TimelineEntry(
        kind=EntryKind(row.kind),
        at=row.at,
        author=row.author,
        text=row.text,
        status=Status(row.status),
        formal=row.formal,
        detail=dict(row.detail),
        entry_id=row.id,
        corrected_by=row.corrected_by,
        corrected_at=row.corrected_at,
        original_text=row.original_text,
        original_at=row.original_at,
        removed=row.removed,
    )


def to_action(row: Row[Any]) -> Action:
    """An action from its row."""
    return _action(row._mapping)


def _action(values: Mapping[Any, Any]) -> Action:
    return Action(
        values["number"],
        values["text"],
        values["owner_id"],
        values["added_by"],
        values["added_at"],
        due=values["due"],
        state=FollowUpState(values["state"]),
        reason=values["reason"],
        owner_zone=values["owner_zone"],
        last_nudged_at=values["last_nudged_at"],
    )


def roles_from_json(rows: list[dict[str, Any]] | None) -> dict[str, str]:
    """An incident's roles from their rows as `json_rows(role, user_id)` aggregated them."""
    return {row["role"]: row["user_id"] for row in rows or ()}


def actions_from_json(rows: list[dict[str, Any]] | None) -> list[Action]:
    """An incident's follow-ups, by number, from their rows as `json_rows` aggregated them."""
    return [
        _action(
            {
                **row,
                "added_at": _moment(row["added_at"]),
                "due": None if row["due"] is None else date.fromisoformat(row["due"]),
                "last_nudged_at": _maybe_moment(row["last_nudged_at"]),
            }
        )
        for row in sorted(rows or (), key=lambda row: int(row["number"]))
    ]


def _maybe_moment(text: str | None) -> datetime | None:
    return None if text is None else _moment(text)


def _moment(text: str) -> datetime:
    # PostgreSQL writes a timestamptz with its offset; SQLite keeps the naive UTC text it got.
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def to_incident(
    row: Row[Any],
    entries: Iterable[Row[Any]],
    roles: dict[str, str],
    actions: list[Action],
) -> Incident:
    """An incident from its row and its timeline's rows, roles and follow-ups."""
    seconds = row.reminder_interval_seconds
    return Incident(
        number=row.number,
        title=row.title,
        severity=row.severity,
        status=Status(row.status),
        declared_at=row.declared_at,
        declared_by=row.declared_by,
        description=row.description,
        impact=row.impact,
        components=tuple(row.components),
        cause=row.cause,
        resolution=row.resolution,
        highest_severity=row.highest_severity,
        roles=roles,
        milestones={
            Milestone(name): datetime.fromisoformat(at).astimezone(UTC)
            for name, at in row.milestones.items()
        },
        actions=actions,
        timeline=[to_entry(entry) for entry in entries],
        channel_id=row.channel_id,
        channel_name=row.channel_name,
        last_update_at=row.last_update_at,
        last_reminded_at=row.last_reminded_at,
        unanswered_reminders=row.unanswered_reminders,
        reminders_enabled=row.reminders_enabled,
        reminder_interval=None if seconds is None else timedelta(seconds=seconds),
        snoozed_until=row.snoozed_until,
        private=row.private,
        last_entry_at=row.last_entry_at,
        stale_asked_at=row.stale_asked_at,
        archive_kept=row.archive_kept,
        archived_at=row.archived_at,
        # (`row._fields` would build a view of every key on each call.)
        publication=to_publication(row) if hasattr(row, "pub_public_id") else None,
    )
