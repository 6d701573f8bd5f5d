"""What differs between the databases: `INSERT … ON CONFLICT`, counting touched rows, and
rows aggregated into JSON.

`prebuilt` keeps one statement object per database for the hot path: SQLAlchemy remembers a
statement's cache key on the object, so one built once (with `bindparam`s, executed with
parameters) skips rebuilding and re-walking the statement on every command.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import JSON, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, CursorResult, Result
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


def upsert_insert(connection: Connection, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT into `table` that can take `on_conflict_do_nothing/do_update` on this database."""
    return upsert_for(connection.dialect.name, table)


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


class json_rows(FunctionElement[Any]):  # noqa: N801 (an SQL function, named as SQL's are)
    """An aggregate of the rows it runs over: one JSON array of objects, each keyed by the
    names of the columns given (`json_rows(roles.c.role, roles.c.user_id)`).

    In a correlated scalar subquery it reads an incident's small children (roles, follow-ups)
    in the incident's own query instead of one more round trip each. Values arrive as JSON
    does: moments and days as ISO text, in no particular order; no rows is NULL or `[]`.
    """

    type = JSON()
    inherit_cache = True
    name = "json_rows"


def _json_pairs(element: json_rows, compiler: SQLCompiler, **kw: Any) -> str:
    return ", ".join(
        f"'{column.name}', {compiler.process(column, **kw)}" for column in element.clauses
    )


@compiles(json_rows, "postgresql")
def _json_rows_postgresql(element: json_rows, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_agg(json_build_object({_json_pairs(element, compiler, **kw)}))"


@compiles(json_rows, "sqlite")
def _json_rows_sqlite(element: json_rows, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_group_array(json_object({_json_pairs(element, compiler, **kw)}))"


Statement = TypeVar("Statement")

_prebuilt: dict[tuple[Callable[..., Any], str], Any] = {}
_prebuilding = threading.Lock()


def prebuilt(connection: Connection, build: Callable[[str], Statement]) -> Statement:
    """The statement `build` makes for this connection's database, built once per process."""
    key = (build, connection.dialect.name)
    statement = _prebuilt.get(key)
    if statement is None:
        with _prebuilding:
            statement = _prebuilt.setdefault(key, build(key[1]))
    return statement  # type: ignore[no-any-return]
