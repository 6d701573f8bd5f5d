"""What the bot has heard of besides incidents: people's names, the workspace's name, and the
requests it has already handled (so a Slack retry or a double click is refused)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import ReturningInsert

from watchkeeper.store.dialect import prebuilt, rowcount, upsert_for, upsert_insert
from watchkeeper.store.tables import handled_requests, people, workspace

_NAMES = select(people.c.user_id, people.c.name).where(
    people.c.user_id.in_(bindparam("b_users", expanding=True))
)


def _claim_request(dialect: str) -> ReturningInsert[Any]:
    # ON CONFLICT rather than catching IntegrityError: a failed INSERT would abort the whole
    # PostgreSQL transaction, and with it the work this request is about to do.
    return (
        upsert_for(dialect, handled_requests)
        .on_conflict_do_nothing(index_elements=[handled_requests.c.key])
        .returning(handled_requests.c.key)
    )


class KnownPeople:
    """Display names this process has seen stored, shared by its units of work.

    Every command remembers who typed it; once the stored name is known to match, the
    command skips the lookup. Only names read back from the database enter, so a rolled-back
    transaction leaves nothing wrong behind; a full cache starts over.
    """

    def __init__(self, limit: int = 10_000) -> None:
        self._names: dict[str, str] = {}
        self._limit = limit

    def matches(self, user_id: str, name: str) -> bool:
        return self._names.get(user_id) == name

    def stored(self, user_id: str, name: str) -> None:
        if len(self._names) >= self._limit:
            self._names.clear()
        self._names[user_id] = name


class SqlDirectory:
    """People's and the workspace's names and the handled requests, within one unit of work."""

    def __init__(self, connection: Connection, known_people: KnownPeople | None = None) -> None:
        self._connection = connection
        self._known_people = known_people or KnownPeople()

    # --- requests -----------------------------------------------------------------------

    def claim_request(self, key: str, now: datetime) -> bool:
        """Mark a request key handled; False if it was already (a Slack retry or double click)."""
        inserted = self._connection.execute(
            prebuilt(self._connection, _claim_request), {"key": key, "handled_at": now}
        ).first()
        return inserted is not None

    def forget_requests(self, handled_before: datetime, limit: int) -> int:
        """Drop up to `limit` keys of requests handled before `handled_before`; how many went."""
        # Slack redelivers within minutes and a trigger lives seconds: an old key guards nothing.
        oldest = (
            select(handled_requests.c.key)
            .where(handled_requests.c.handled_at < handled_before)
            .limit(limit)
        )
        gone = self._connection.execute(
            delete(handled_requests).where(handled_requests.c.key.in_(oldest))
        )
        return rowcount(gone)

    # --- people -------------------------------------------------------------------------

    def remember_person(self, user_id: str, name: str) -> None:
        """Remember a user's display name for reports."""
        if self._known_people.matches(user_id, name):
            return
        known = self._connection.execute(
            select(people.c.name).where(people.c.user_id == user_id)
        ).scalar_one_or_none()
        if known == name:
            # Even an upsert that changes nothing locks the row on PostgreSQL, making every
            # command by the same person wait for the previous one; a read takes no lock.
            self._known_people.stored(user_id, name)
            return
        statement = upsert_insert(self._connection, people).values(user_id=user_id, name=name)
        self._connection.execute(
            statement.on_conflict_do_update(
                index_elements=[people.c.user_id],
                set_={"name": statement.excluded.name},
                # Skips rewriting an unchanged row on every command.
                where=people.c.name != statement.excluded.name,
            )
        )

    def names(self, user_ids: Iterable[str]) -> dict[str, str]:
        """Display names known for `user_ids`; unknown users are left out."""
        wanted = set(user_ids)
        if not wanted:
            return {}
        rows = self._connection.execute(_NAMES, {"b_users": list(wanted)})
        return {row.user_id: row.name for row in rows}

    # --- the workspace ------------------------------------------------------------------

    def remember_workspace(self, name: str) -> None:
        """Keep the workspace's name (it titles the status page unless one is configured)."""
        statement = upsert_insert(self._connection, workspace).values(key="name", value=name)
        self._connection.execute(
            statement.on_conflict_do_update(
                index_elements=[workspace.c.key],
                set_={"value": statement.excluded.value},
                where=workspace.c.value != statement.excluded.value,
            )
        )

    def workspace_name(self) -> str | None:
        """The workspace's name as the bot last learned it, if it ever did."""
        name: str | None = self._connection.execute(
            select(workspace.c.value).where(workspace.c.key == "name")
        ).scalar_one_or_none()
        return name
