"""The unit of work: one transaction over incidents, the outbox and due work, all or nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from watchkeeper.services.ports import StorageUnavailable
from watchkeeper.store.alerts import SqlAlertGroups
from watchkeeper.store.database import READ_ONLY
from watchkeeper.store.directory import KnownPeople, SqlDirectory
from watchkeeper.store.due import SqlDueWork
from watchkeeper.store.outbox import SqlOutbox
from watchkeeper.store.repository import SqlIncidentRepository

log = logging.getLogger(__name__)


class SqlUnitOfWork:
    """`with uow:` takes a connection; leaving without `commit()` rolls everything back.

    The store maps rows itself, so a unit of work is a Core connection and its transaction
    (begun by the first statement), not an ORM session: a session's bookkeeping cost a
    command more than some of its statements.
    """

    incidents: SqlIncidentRepository
    directory: SqlDirectory
    outbox: SqlOutbox
    due: SqlDueWork
    alerts: SqlAlertGroups

    def __init__(
        self,
        engine: Engine,
        *,
        read_only: bool = False,
        known_people: KnownPeople | None = None,
    ) -> None:
        self._engine = engine
        self._read_only = read_only
        self._known_people = known_people
        self._connection: Connection | None = None
        self._after_commit: list[Callable[[], None]] = []

    def __enter__(self) -> Self:
        if self._connection is not None:
            raise RuntimeError("this unit of work is already open; nest a new one instead")
        try:
            connection = self._engine.connect()
        except Exception as error:
            unavailable = _unavailable(error)
            if unavailable is None:
                raise
            raise unavailable from error
        if self._read_only:
            # Its transaction begins as one that only reads (see database.py).
            connection.execution_options(**{READ_ONLY: True})
        self._connection = connection
        self.incidents = SqlIncidentRepository(connection)
        self.directory = SqlDirectory(connection, self._known_people)
        self.outbox = SqlOutbox(connection)
        self.due = SqlDueWork(connection)
        self.alerts = SqlAlertGroups(connection)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        connection, self._connection = self._open(), None
        self._after_commit = []  # what was left uncommitted tells nobody
        try:
            # A no-op after commit(); otherwise nothing half-done survives.
            connection.rollback()
        except DBAPIError:
            pass  # the connection is gone: the database rolls back what it never committed
        finally:
            connection.close()
        unavailable = _unavailable(exc)
        if unavailable is not None:
            raise unavailable from exc

    def commit(self) -> None:
        """Make everything done in this unit of work permanent, then run what waited for it."""
        self._open().commit()
        waiting, self._after_commit = self._after_commit, []
        for action in waiting:
            try:
                action()
            except Exception:  # committed is committed: what it tells is a hint, not the state
                log.exception("after a commit, %s failed (the change stands)", _name(action))

    def rollback(self) -> None:
        """Throw away everything done since the last commit, and what waited for it."""
        self._open().rollback()
        self._after_commit = []

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run `action` once what is done so far is committed; never if it is rolled back."""
        self._open()
        self._after_commit.append(action)

    def _open(self) -> Connection:
        if self._connection is None:
            raise RuntimeError("use the unit of work inside `with`")
        return self._connection


def _unavailable(error: BaseException | None) -> StorageUnavailable | None:
    """The refusal for an error that says the database cannot serve now (None: any other).

    A pool with every connection in use past its timeout is one: the work is retried later
    like any database outage, never given up on as an unforeseen failure.
    """
    if isinstance(error, PoolTimeout):
        return StorageUnavailable("the database's connections are all in use")
    if isinstance(error, (OperationalError, InterfaceError)) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    ):
        return StorageUnavailable(f"the database did not answer: {type(error.orig).__name__}")
    return None


def _name(action: Callable[[], None]) -> str:
    return getattr(action, "__qualname__", repr(action))
