"""Engines for SQLite (the embedded default) and PostgreSQL (several replicas)."""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import ConnectionPoolEntry

DEFAULT_URL = "sqlite:///watchkeeper.db"

#: How long a SQLite writer waits for the lock: under Slack's 3 s ack, so a command that cannot
#: get it answers "try again" instead of timing out in Slack and committing after all.
SQLITE_BUSY_TIMEOUT_MS = 2_500
#: Connections per process: Bolt's listener threads, the scheduler and the courier's workers.
#: Kept open up to the pool's size: under a burst, a connection past it is opened and closed
#: for one transaction (a PostgreSQL backend started and ended each time), so the size covers
#: the transactions a busy process runs at once. `serve`'s delivery process gets as many: with
#: 10 + 5 a burst once left thousands of side effects undelivered after a minute.
POSTGRES_POOL_SIZE = 20
POSTGRES_MAX_OVERFLOW = 10
POSTGRES_CONNECT_TIMEOUT_S = 10


def normalize_url(url: str) -> URL:
    """Parse a database URL, sending bare `postgres://` and `postgresql://` to psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str = DEFAULT_URL) -> Engine:
    """An engine tuned for the database the URL names."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    if parsed.get_backend_name() == "postgresql":
        return _postgres_engine(parsed)
    return create_engine(parsed, pool_pre_ping=True)


def check_database(engine: Engine) -> None:
    """Raise if the database does not answer (for `/healthz`)."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def _postgres_engine(url: URL) -> Engine:
    # Without a connect timeout a silently dropped route hangs `/healthz` and every request.
    connect_args = (
        {} if "connect_timeout" in url.query else {"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S}
    )
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=POSTGRES_POOL_SIZE,
        max_overflow=POSTGRES_MAX_OVERFLOW,
        pool_recycle=1800,
        connect_args=connect_args,
    )


def _sqlite_engine(url: URL) -> Engine:
    # Bolt listeners, the scheduler and the outbox worker share connections across threads.
    engine = create_engine(url, connect_args={"check_same_thread": False})
    turns = _WriterTurns(SQLITE_BUSY_TIMEOUT_MS / 1000)
    event.listen(engine, "connect", _configure_sqlite_connection)
    event.listen(engine, "begin", turns.begin)
    event.listen(engine, "commit", turns.end)
    event.listen(engine, "rollback", turns.end)
    # However a connection leaves its transaction (closed, invalidated), its turn ends with it.
    event.listen(engine.pool, "checkin", turns.returned)
    event.listen(engine.pool, "invalidate", turns.invalidated)
    return engine


def _configure_sqlite_connection(
    dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry
) -> None:
    """Hand transaction control to SQLAlchemy and set the pragmas every connection needs."""
    # pysqlite's own BEGIN is deferred and skipped for SELECT; `_begin_immediate` replaces it.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        # WAL lets readers run while one writer writes; NORMAL is durable enough under WAL.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()


#: Execution option of a connection whose transaction only reads.
READ_ONLY = "watchkeeper_read_only"


_TURN = "watchkeeper_writer_turn"


class _WriterTurns:
    """Writers of this process take SQLite's write lock in turn; readers take no turn.

    A deferred transaction that reads and then writes fails at once with "database is locked"
    when another writer got there first (the busy timeout does not apply to a lock upgrade), so
    writers begin IMMEDIATE. Left to SQLite, queued writers poll with growing sleeps and the
    unlucky ones time out under a burst while others go first; taking a turn on a lock of this
    process first makes them wait their turn instead. A transaction that only reads (marked
    with `READ_ONLY`) begins deferred: in WAL mode it reads a snapshot while writers carry on.
    """

    def __init__(self, timeout_s: float) -> None:
        self._lock = threading.Lock()
        self._timeout_s = timeout_s

    def begin(self, connection: Connection) -> None:
        if connection.get_execution_options().get(READ_ONLY, False):
            connection.exec_driver_sql("BEGIN")
            return
        if not self._lock.acquire(timeout=self._timeout_s):
            raise OperationalError(
                "BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked")
            )
        connection.info[_TURN] = True
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            self._release(connection.info)
            raise

    def end(self, connection: Connection) -> None:
        self._release(connection.info)

    def returned(self, _dbapi_connection: object, record: ConnectionPoolEntry) -> None:
        self._release(record.info)

    def invalidated(
        self, _dbapi_connection: object, record: ConnectionPoolEntry, _error: object
    ) -> None:
        self._release(record.info)

    def _release(self, info: dict[Any, Any]) -> None:
        if info.pop(_TURN, False):
            self._lock.release()
