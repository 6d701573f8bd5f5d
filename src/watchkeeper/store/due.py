"""Due work in SQL: one due time per (kind, subject), planned with each save and claimed once.

Exactly once across replicas: a claim locks the subjects' incident rows (passing over those
another transaction holds, on PostgreSQL), then reads their due times again under that lock,
so a due time another replica already served (and moved on) is no longer due. Every writer of
an incident's due times holds its row lock, so claims and commands never deadlock. Work about
the whole workspace (subject 0) locks its own due row instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import ReturningInsert

from watchkeeper.store.dialect import prebuilt, upsert_for
from watchkeeper.store.tables import due_work, incidents


def _plan(dialect: str) -> ReturningInsert[Any]:
    """The upsert of a due time (executed with many rows at once)."""
    statement = upsert_for(dialect, due_work)
    return statement.on_conflict_do_update(
        index_elements=[due_work.c.kind, due_work.c.subject],
        set_={"due_at": statement.excluded.due_at},
        # A save that leaves a due time as it was writes nothing.
        where=due_work.c.due_at.is_distinct_from(statement.excluded.due_at),
    ).returning(due_work.c.subject)


class SqlDueWork:
    """Due times within one unit of work."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def plan(self, subject: int, due: Mapping[str, datetime | None]) -> None:
        """Store when each kind of work falls due for `subject` (None: not at all), in one go."""
        if not due:
            return
        rows = [{"kind": kind, "subject": subject, "due_at": at} for kind, at in due.items()]
        # One INSERT … VALUES (…), (…) for all of them, from the one-row statement's cached
        # compilation (RETURNING makes SQLAlchemy batch the rows so: "insertmanyvalues").
        self._connection.execute(prebuilt(self._connection, _plan), rows)

    def replan(self, kind: str, due: Sequence[tuple[int, datetime | None]]) -> None:
        """Store, in one statement, the next due times of the subjects just claimed for `kind`."""
        if not due:
            return
        self._connection.execute(
            update(due_work)
            .where(due_work.c.kind == kind, due_work.c.subject == bindparam("b_subject"))
            .values(due_at=bindparam("b_due")),
            [{"b_subject": subject, "b_due": at} for subject, at in due],
        )

    def when(self, kind: str, subject: int) -> datetime | None:
        """When `kind` falls due for `subject`, if it is planned."""
        due: datetime | None = self._connection.execute(
            select(due_work.c.due_at).where(due_work.c.kind == kind, due_work.c.subject == subject)
        ).scalar_one_or_none()
        return due

    def upcoming(self, until: datetime) -> list[tuple[str, int, datetime]]:
        """(kind, subject, due time) of all work due by `until`, soonest first."""
        rows = self._connection.execute(
            select(due_work.c.kind, due_work.c.subject, due_work.c.due_at)
            .where(due_work.c.due_at <= until)
            .order_by(due_work.c.due_at, due_work.c.kind, due_work.c.subject)
        )
        return [(row.kind, row.subject, row.due_at) for row in rows]

    def claim(
        self, kind: str, now: datetime, limit: int, *, per_incident: bool = True
    ) -> list[tuple[int, datetime]]:
        """Lock up to `limit` subjects whose work of `kind` is due at `now`, soonest first.

        Each comes with the due time it had; the caller carries the work out and `replan`s in
        this transaction. Subjects another transaction holds are passed over, and once it
        commits they are no longer due.
        """
        due = (
            select(due_work.c.subject)
            .where(due_work.c.kind == kind, due_work.c.due_at <= now)
            .order_by(due_work.c.due_at, due_work.c.subject)
            .limit(limit)
        )
        if per_incident:
            # FOR UPDATE on PostgreSQL; SQLite has no such clause, and its BEGIN IMMEDIATE
            # already holds the database's single write lock.
            locked = self._connection.scalars(
                select(incidents.c.number)
                .where(incidents.c.number.in_(due.scalar_subquery()))
                .order_by(incidents.c.number)
                .with_for_update(skip_locked=True)
            ).all()
            held = due_work.c.subject.in_(locked)
        else:
            held = due_work.c.subject.in_(due.with_for_update(skip_locked=True).scalar_subquery())
        # Read again under the lock: what another replica served meanwhile is due no more.
        rows = self._connection.execute(
            select(due_work.c.subject, due_work.c.due_at)
            .where(due_work.c.kind == kind, held, due_work.c.due_at <= now)
            .order_by(due_work.c.due_at, due_work.c.subject)
        )
        return [(row.subject, row.due_at) for row in rows]
