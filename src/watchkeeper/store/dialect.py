"""The `INSERT … ON CONFLICT` statement of the database a session is bound to."""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def upsert_insert(session: Session, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT into `table` that can take `on_conflict_do_nothing/do_update` on this database."""
    # Both databases spell it the same, but SQLAlchemy keeps the clause in each dialect's Insert.
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"the store supports SQLite and PostgreSQL, not {name}")
