"""Real databases for the store's tests: a SQLite file and a throwaway PostgreSQL database."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine

from watchkeeper.store.database import make_engine, make_session_factory
from watchkeeper.store.migrate import upgrade
from watchkeeper.store.unit_of_work import SqlUnitOfWork


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """The app's engine on the test database, disposed before the database is dropped."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def uow_factory(database_url: str, engine: Engine) -> Callable[[], SqlUnitOfWork]:
    """Units of work on a database migrated to the head revision."""
    upgrade(database_url)
    session_factory = make_session_factory(engine)
    return lambda: SqlUnitOfWork(session_factory)
