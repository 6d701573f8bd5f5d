"""The stable JSON export of an incident: every field and every timeline entry.

Keys are the Incident's field names; times are ISO 8601 in UTC (`2025-11-24T08:08:00Z`), the
reminder interval is in seconds, enums are their values, and `users` names every user ID the
document mentions (`null` when the name is unknown). `schema` changes only when a key is
renamed or removed; new keys may appear within a schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from watchkeeper.domain.follow_ups import Action
from watchkeeper.domain.incident import Incident, Publication
from watchkeeper.domain.milestones import MILESTONE_ORDER
from watchkeeper.domain.timeline import TimelineEntry
from watchkeeper.reports.times import iso_utc

SCHEMA_VERSION = 1

#: Detail keys that hold a user ID, so the export can name everyone it mentions.
_USER_DETAILS = ("user", "previous", "owner")


def incident_document(incident: Incident, *, names: Mapping[str, str]) -> dict[str, Any]:
    """The incident as a JSON-ready document, with the names of the users it mentions."""
    return {
        "schema": SCHEMA_VERSION,
        "reference": incident.reference,
        "number": incident.number,
        "title": incident.title,
        "description": incident.description,
        "status": incident.status.value,
        "severity": incident.severity,
        "highest_severity": incident.highest_severity,
        "private": incident.private,
        "declared_at": iso_utc(incident.declared_at),
        "declared_by": incident.declared_by,
        "impact": incident.impact,
        "components": list(incident.components),
        "cause": incident.cause,
        "resolution": incident.resolution,
        "roles": dict(incident.roles),
        "milestones": {
            "explicit": {
                m.value: iso_utc(incident.milestones[m])
                for m in MILESTONE_ORDER
                if m in incident.milestones
            },
            "effective": {m.value: _iso_or_none(incident.milestone(m)) for m in MILESTONE_ORDER},
        },
        "actions": [_action(action) for action in incident.actions],
        "timeline": [_entry(entry) for entry in incident.timeline],
        "channel_id": incident.channel_id,
        "channel_name": incident.channel_name,
        "last_update_at": _iso_or_none(incident.last_update_at),
        "last_reminded_at": _iso_or_none(incident.last_reminded_at),
        "unanswered_reminders": incident.unanswered_reminders,
        "reminders_enabled": incident.reminders_enabled,
        "reminder_interval_seconds": (
            int(incident.reminder_interval.total_seconds())
            if incident.reminder_interval is not None
            else None
        ),
        "snoozed_until": _iso_or_none(incident.snoozed_until),
        "last_entry_at": _iso_or_none(incident.last_entry_at),
        "stale_asked_at": _iso_or_none(incident.stale_asked_at),
        "archive_kept": incident.archive_kept,
        "archived_at": _iso_or_none(incident.archived_at),
        "publication": _publication(incident.publication),
        "users": {user: names.get(user) for user in sorted(_mentioned_users(incident))},
    }


def _publication(publication: Publication | None) -> dict[str, Any] | None:
    if publication is None:
        return None
    return {
        "public_id": publication.public_id,
        "title": publication.title,
        "listed": publication.listed,
        "changed_at": iso_utc(publication.changed_at),
        "postmortem": publication.postmortem,
        "postmortem_at": _iso_or_none(publication.postmortem_at),
    }


def _action(action: Action) -> dict[str, Any]:
    return {
        "number": action.number,
        "text": action.text,
        "owner": action.owner_id,
        "added_by": action.added_by,
        "added_at": iso_utc(action.added_at),
        "due": action.due.isoformat() if action.due else None,
        "state": action.state.value,
        "reason": action.reason or None,
    }


def _entry(entry: TimelineEntry) -> dict[str, Any]:
    return {
        "id": entry.entry_id,
        "kind": entry.kind.value,
        "at": iso_utc(entry.at),
        "author": entry.author,
        "text": entry.text,
        "status": entry.status.value,
        "formal": entry.formal,
        "on_status_page": entry.on_status_page,
        "detail": dict(entry.detail),
        # A correction keeps the original: who corrected it, when, and what it said before.
        "edited": entry.edited,
        "removed": entry.removed,
        "corrected_by": entry.corrected_by or None,
        "corrected_at": _iso_or_none(entry.corrected_at),
        "original_text": entry.original_text,
        "original_at": _iso_or_none(entry.original_at),
    }


def _mentioned_users(incident: Incident) -> set[str]:
    users = {incident.declared_by, *incident.roles.values()}
    for action in incident.actions:
        users.update(filter(None, (action.owner_id, action.added_by)))
    for entry in incident.timeline:
        users.add(entry.author)
        users.add(entry.corrected_by)
        users.update(entry.detail[key] for key in _USER_DETAILS if entry.detail.get(key))
    users.discard("")
    return users


def _iso_or_none(moment: datetime | None) -> str | None:
    return iso_utc(moment) if moment is not None else None
