"""What differs between the databases: `INSERT … ON CONFLICT`, and counting touched rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult, Result
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


def rowcount(result: Result[Any]) -> int:
    """Rows a DELETE or UPDATE touched (a DML statement's result is a cursor result)."""
    assert isinstance(result, CursorResult)
    return int(result.rowcount)
