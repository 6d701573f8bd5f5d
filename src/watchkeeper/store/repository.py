"""Incidents in SQL: load and save whole incidents, plus the bookkeeping around them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Row,
    Select,
    delete,
    func,
    select,
    true,
    update,
)
from sqlalchemy.engine import Connection

from watchkeeper.domain.errors import IncidentNotFound
from watchkeeper.domain.follow_ups import Action, FollowUpState
from watchkeeper.domain.incident import Incident, IncidentSummary, Publication, reference
from watchkeeper.domain.status import Status
from watchkeeper.domain.timeline import STATUS_PAGE_KINDS, EntryKind, TimelineEntry
from watchkeeper.services.ports import FollowUpView
from watchkeeper.store import statements
from watchkeeper.store.dialect import prebuilt, upsert_insert
from watchkeeper.store.mapping import (
    action_values,
    actions_from_json,
    entry_values,
    incident_values,
    publication_values,
    roles_from_json,
    to_action,
    to_incident,
)
from watchkeeper.store.snapshot import ACTION_FIELDS, Snapshot
from watchkeeper.store.tables import (
    actions,
    incidents,
    publications,
    roles,
    timeline_entries,
)


class SqlIncidentRepository:
    """Incidents stored in the tables of `watchkeeper.store.tables`, within one unit of work."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._loaded: dict[int, Snapshot] = {}

    # --- numbers ------------------------------------------------------------------------

    def next_number(self) -> int:
        """The next incident number: unique and gap-free even when declarations race."""
        # One statement, so the row lock (PostgreSQL) or the write lock (SQLite) serializes
        # racing declarations; a rolled-back declaration leaves no gap because it never
        # existed, and a committed one is never handed out again.
        value: int | None = self._connection.execute(statements.NEXT_NUMBER).scalar_one_or_none()
        if value is None:
            raise RuntimeError("the incident counter is missing: run `watchkeeper db upgrade`")
        return value

    # --- incidents ----------------------------------------------------------------------

    def add(self, incident: Incident) -> None:
        """Store a newly declared incident; its timeline entries get their ids."""
        values = incident_values(incident)
        incident_id: int = self._connection.execute(statements.ADD_INCIDENT, values).scalar_one()
        # Nothing of it is stored but its own row: its children are all new.
        self._loaded[incident.number] = Snapshot(incident_id, values, {}, (), history=True)
        self._write_children(incident_id, incident)

    def get(self, number: int, *, lock: bool = True, history: bool = True) -> Incident:
        """The incident `number`, locked for this transaction unless `lock=False`.

        `history=False` leaves its timeline unread (empty): changes append to it and a save
        stores only the new entries, so a command costs the same on a long incident.
        """
        found = self._load(statements.BY_NUMBER, {"b_number": number}, lock=lock, history=history)
        if not found:
            raise IncidentNotFound(f"No incident {reference(number)}.")
        return found[0]

    def by_channel(
        self, channel_id: str, *, lock: bool = True, history: bool = True
    ) -> Incident | None:
        """The incident whose channel is `channel_id`, if any (`history` as for `get`)."""
        found = self._load(
            statements.BY_CHANNEL, {"b_channel": channel_id}, lock=lock, history=history
        )
        return found[0] if found else None

    def states_of(self, numbers: Iterable[int]) -> list[Incident]:
        """The incidents numbered `numbers` that exist, without their timelines, unlocked."""
        return self._load(statements.BY_NUMBERS, {"b_numbers": list(numbers)}, history=False)

    def states_and_cards(self, numbers: Iterable[int]) -> tuple[list[Incident], dict[int, str]]:
        """`states_of`, and the timestamps of those incidents' cards that are posted (read
        in the same query: a claim of card refreshes needs them)."""
        params = {"b_numbers": list(numbers)}
        rows = self._connection.execute(statements.BY_NUMBERS.incidents, params).all()
        cards = {row.number: row.card_ts for row in rows if row.card_ts is not None}
        return self._with_children(rows, statements.BY_NUMBERS, params, history=False), cards

    def open_incidents(self, *, history: bool = True) -> list[Incident]:
        """Incidents not resolved, by number (`history` as for `get`)."""
        return self._load(
            statements.reads(incidents.c.status != Status.RESOLVED.value), history=history
        )

    def open_summaries(
        self, limit: int | None, *, private_only: bool = False
    ) -> list[IncidentSummary]:
        """The first `limit` incidents not resolved (None: all), by number, as a list shows
        them: one query of the columns it needs and the commander, no children.
        `private_only`: the private ones alone."""
        query = statements.OPEN_SUMMARIES[private_only, limit is not None]
        rows = self._connection.execute(query, {"b_limit": limit})
        return [
            IncidentSummary(
                number=row.number,
                title=row.title,
                status=Status(row.status),
                severity=row.severity,
                commander=row.commander,
                declared_at=row.declared_at,
                channel_id=row.channel_id,
                declared_by=row.declared_by,
                private=row.private,
            )
            for row in rows
        ]

    def count_open(self) -> int:
        """How many incidents are not resolved."""
        count: int = self._connection.execute(
            select(func.count())
            .select_from(incidents)
            .where(incidents.c.status != Status.RESOLVED.value)
        ).scalar_one()
        return count

    def all_incidents(self, *, history: bool = True) -> list[Incident]:
        """Every incident, by number (`history` as for `get`)."""
        return self._load(statements.reads(true()), history=history)

    def save(self, incident: Incident) -> None:
        """Write the incident back; new timeline entries get their ids in `incident.timeline`.

        Of its own row, only the columns that changed since this unit of work loaded it are written
        (none: no UPDATE; a note changes one column).
        """
        values = incident_values(incident)
        loaded = self._loaded.get(incident.number)
        changed = (
            values
            if loaded is None
            else {name: value for name, value in values.items() if loaded.values[name] != value}
        )
        if loaded is not None and not changed:
            self._write_children(loaded.incident_id, incident)
            return
        params = {f"b_{name}": value for name, value in changed.items()}
        incident_id: int | None = self._connection.execute(
            statements.save_columns(tuple(changed)), {"b_where_number": incident.number, **params}
        ).scalar_one_or_none()
        if incident_id is None:
            raise IncidentNotFound(f"No incident {incident.reference}.")
        self._write_children(incident_id, incident)

    # --- Slack bookkeeping --------------------------------------------------------------

    def set_channel(self, number: int, channel_id: str, channel_name: str) -> None:
        """Record the incident's channel once Slack has created it."""
        self._update_one(number, channel_id=channel_id, channel_name=channel_name)

    def set_card_ts(self, number: int, ts: str) -> None:
        """Record the timestamp of the pinned incident card, so it can be edited later."""
        self._update_one(number, card_ts=ts)

    def card_ts(self, number: int) -> str | None:
        """The timestamp of the incident card, None before it is posted."""
        row = self._connection.execute(
            select(incidents.c.card_ts).where(incidents.c.number == number)
        ).first()
        if row is None:
            raise IncidentNotFound(f"No incident {reference(number)}.")
        ts: str | None = row.card_ts
        return ts

    # --- the status page ------------------------------------------------------------------

    def published(self, since: datetime) -> list[Incident]:
        """Incidents on the status page, open or declared since `since`, with what it shows."""
        return self._load(
            statements.reads(
                publications.c.listed.is_(True)
                & (
                    (incidents.c.status != Status.RESOLVED.value)
                    | (incidents.c.declared_at >= since)
                )
            ),
            entry_kinds=STATUS_PAGE_KINDS,
        )

    def by_public_id(self, public_id: str) -> Incident | None:
        """The incident on the status page under `public_id`, with what the page shows."""
        found = self._load(
            statements.reads(
                (publications.c.public_id == public_id) & publications.c.listed.is_(True)
            ),
            entry_kinds=STATUS_PAGE_KINDS,
        )
        return found[0] if found else None

    def publications_changed_at(self) -> datetime | None:
        """When anything the status page shows last changed; None if nothing was ever on it."""
        changed: datetime | None = self._connection.execute(
            select(func.max(publications.c.changed_at))
        ).scalar_one()
        return changed

    # --- reminders ----------------------------------------------------------------------

    def record_reminders(self, reminded: Sequence[Incident]) -> None:
        """Store, in one statement, that these claimed incidents were just reminded.

        Only the reminder columns change: a sweep loads no timeline and changes nothing else.
        """
        if not reminded:
            return
        self._connection.execute(
            statements.RECORD_REMINDERS,
            [
                {
                    "b_number": incident.number,
                    "b_unanswered": incident.unanswered_reminders,
                    "b_reminded_at": incident.last_reminded_at,
                }
                for incident in reminded
            ],
        )

    # --- tidying -------------------------------------------------------------------------

    def record_tidying(self, tidied: Sequence[Incident]) -> None:
        """Store, in one statement, the claimed incidents' questions asked and archives queued.

        Only those columns change: a sweep loads no timeline and changes nothing else.
        """
        if not tidied:
            return
        self._connection.execute(
            statements.RECORD_TIDYING,
            [
                {
                    "b_number": incident.number,
                    "b_asked_at": incident.stale_asked_at,
                    "b_archived_at": incident.archived_at,
                }
                for incident in tidied
            ],
        )

    # --- follow-ups -----------------------------------------------------------------------

    def record_nudges(self, nudged: Sequence[tuple[Incident, Action]]) -> None:
        """Store, in one statement, when these follow-ups' owners were nudged."""
        if not nudged:
            return
        self._connection.execute(
            statements.RECORD_NUDGES,
            [
                {
                    "b_number": incident.number,
                    "b_action": action.number,
                    "b_at": action.last_nudged_at,
                }
                for incident, action in nudged
            ],
        )

    def follow_ups(
        self, *, owners: Sequence[str] = (), open_only: bool = False
    ) -> list[FollowUpView]:
        """Follow-ups across incidents, by incident and number (`owners`: theirs only)."""
        query = (
            select(
                actions,
                incidents.c.number.label("incident_number"),
                incidents.c.title.label("incident_title"),
                incidents.c.channel_id.label("incident_channel"),
                incidents.c.private.label("incident_private"),
            )
            .join(incidents, incidents.c.id == actions.c.incident_id)
            .order_by(incidents.c.number, actions.c.number)
        )
        if owners:
            query = query.where(actions.c.owner_id.in_(list(owners)))
        if open_only:
            query = query.where(actions.c.state == FollowUpState.OPEN.value)
        return [
            FollowUpView(
                row.incident_number,
                row.incident_title,
                row.incident_channel,
                to_action(row),
                private=row.incident_private,
            )
            for row in self._connection.execute(query)
        ]

    # --- helpers ------------------------------------------------------------------------

    def _update_one(self, number: int, **values: Any) -> None:
        updated = self._connection.execute(
            update(incidents)
            .where(incidents.c.number == number)
            .values(**values, updated_at=func.now())
            .returning(incidents.c.id)
        ).first()
        if updated is None:
            raise IncidentNotFound(f"No incident {reference(number)}.")

    def _load(
        self,
        reads: statements.Reads,
        params: dict[str, Any] | None = None,
        *,
        lock: bool = False,
        history: bool = True,
        entry_kinds: Collection[EntryKind] | None = None,
    ) -> list[Incident]:
        """Incidents `reads` selects (bound with `params`) with their children: four queries,
        however many match.

        The publication comes in the incidents' own query. `entry_kinds` reads only the
        timeline entries of those kinds (what the status page shows, say).
        """
        rows = self._connection.execute(reads.locked if lock else reads.incidents, params).all()
        return self._with_children(rows, reads, params, history=history, entry_kinds=entry_kinds)

    def _with_children(
        self,
        rows: Sequence[Row[Any]],
        reads: statements.Reads,
        params: dict[str, Any] | None,
        *,
        history: bool,
        entry_kinds: Collection[EntryKind] | None = None,
    ) -> list[Incident]:
        """The incidents of `rows` (selected by `reads`), with their children read."""
        if not rows:
            return []
        entries: defaultdict[int, list[Row[Any]]] = defaultdict(list)
        if history:
            timeline = reads.timeline
            if entry_kinds is not None:
                timeline = timeline.where(
                    timeline_entries.c.kind.in_([k.value for k in entry_kinds])
                )
            entries = self._children(timeline, params)
        found = []
        for row in rows:
            incident = to_incident(
                row,
                entries[row.id],
                roles_from_json(row.held_roles),
                actions_from_json(row.agreed_actions),
            )
            found.append(incident)
            self._loaded[incident.number] = Snapshot.of(row.id, incident, history=history)
        return found

    def _children(
        self, query: Select[Any], params: dict[str, Any] | None
    ) -> defaultdict[int, list[Row[Any]]]:
        by_incident: defaultdict[int, list[Row[Any]]] = defaultdict(list)
        for row in self._connection.execute(query, params):
            by_incident[row.incident_id].append(row)
        return by_incident

    def _write_children(self, incident_id: int, incident: Incident) -> None:
        loaded = self._loaded.get(incident.number)
        self._write_timeline(incident_id, incident, stored=loaded.entries if loaded else {})
        self._write_roles(incident_id, incident, stored=loaded.roles if loaded else None)
        self._write_actions(incident_id, incident, stored=loaded.actions if loaded else ())
        if incident.publication is not None and (
            loaded is None or loaded.publication != incident.publication
        ):
            self._write_publication(incident_id, incident.publication)
        history = loaded is None or loaded.history
        self._loaded[incident.number] = Snapshot.of(incident_id, incident, history=history)

    def _write_publication(self, incident_id: int, publication: Publication) -> None:
        values = publication_values(incident_id, publication)
        statement = upsert_insert(self._connection, publications).values(values)
        self._connection.execute(
            statement.on_conflict_do_update(
                index_elements=[publications.c.incident_id],
                set_={name: statement.excluded[name] for name in values if name != "incident_id"},
            )
        )

    def _write_timeline(
        self, incident_id: int, incident: Incident, *, stored: dict[int, TimelineEntry]
    ) -> None:
        # Entries are never deleted: a correction or an unpinned message changes them in
        # place (keeping the original), and only those that changed since loading are written.
        changed = [
            entry
            for entry in incident.timeline
            if entry.entry_id is not None and stored.get(entry.entry_id, entry) != entry
        ]
        if changed:
            self._connection.execute(
                statements.CORRECT_ENTRIES,
                [statements.corrected_values(incident_id, entry) for entry in changed],
            )
        new = [(i, entry) for i, entry in enumerate(incident.timeline) if entry.entry_id is None]
        if not new:
            return
        ids = self._connection.scalars(
            statements.ADD_ENTRIES,
            [entry_values(incident_id, entry) for _, entry in new],
        ).all()
        for (position, entry), entry_id in zip(new, ids, strict=True):
            incident.timeline[position] = replace(entry, entry_id=entry_id)

    def _write_roles(
        self, incident_id: int, incident: Incident, *, stored: dict[str, str] | None
    ) -> None:
        # `stored` None: what the database holds is unknown, so all of it is written.
        if stored is None or set(stored) - set(incident.roles):
            self._connection.execute(
                delete(roles).where(
                    roles.c.incident_id == incident_id,
                    roles.c.role.not_in(list(incident.roles)),
                )
            )
        given = [
            {"incident_id": incident_id, "role": role, "user_id": user_id}
            for role, user_id in incident.roles.items()
            if stored is None or stored.get(role) != user_id
        ]
        if given:
            self._connection.execute(prebuilt(self._connection, statements.write_roles), given)

    def _write_actions(
        self, incident_id: int, incident: Incident, *, stored: tuple[tuple[Any, ...], ...]
    ) -> None:
        # Follow-ups are numbered in order and never removed: those past the stored ones are
        # new; of the stored ones, only those that changed (done, a new owner…) are written.
        written = [
            action
            for position, action in enumerate(incident.actions)
            if position >= len(stored) or stored[position] != ACTION_FIELDS(action)
        ]
        if not written:
            return
        self._connection.execute(
            prebuilt(self._connection, statements.write_actions),
            [action_values(incident_id, action) for action in written],
        )
