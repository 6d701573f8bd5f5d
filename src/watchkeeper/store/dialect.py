"""What differs between the databases: `INSERT … ON CONFLICT`, and counting touched rows.

`prebuilt` keeps one statement object per database for the hot path: SQLAlchemy remembers a
statement's cache key on the object, so one built once (with `bindparam`s, executed with
parameters) skips rebuilding and re-walking the statement on every command.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult, Result
from sqlalchemy.orm import Session


def upsert_insert(session: Session, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT into `table` that can take `on_conflict_do_nothing/do_update` on this database."""
    return upsert_for(session.get_bind().dialect.name, table)


def upsert_for(name: str, table: Table) -> postgresql.Insert | sqlite.Insert:
    """`upsert_insert` for the database named `name` (`postgresql`, `sqlite`)."""
    # Both databases spell it the same, but SQLAlchemy keeps the clause in each dialect's Insert.
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"the store supports SQLite and PostgreSQL, not {name}")


def rowcount(result: Result[Any]) -> int:
    """Rows a DELETE or UPDATE touched (a DML statement's result is a cursor result)."""
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


Statement = TypeVar("Statement")

_prebuilt: dict[tuple[Callable[..., Any], str], Any] = {}
_prebuilding = threading.Lock()


def prebuilt(session: Session, build: Callable[[str], Statement]) -> Statement:
    """The statement `build` makes for this session's database, built once per process."""
    key = (build, session.get_bind().dialect.name)
    statement = _prebuilt.get(key)
    if statement is None:
        with _prebuilding:
            statement = _prebuilt.setdefault(key, build(key[1]))
    return statement  # type: ignore[no-any-return]
