"""Real databases for the store's tests: a SQLite file and a throwaway PostgreSQL database.

Scheduled work's tests (reminders, follow-up nudges) run bot processes as replicas: `ctx` is
one, `second_replica` another on the same database; each module gives its own `clock`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine

from watchkeeper.bootstrap import use_case_context
from watchkeeper.clock import FrozenClock
from watchkeeper.config import Settings, load_settings
from watchkeeper.services.context import Context
from watchkeeper.store.database import make_engine
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
    return lambda: SqlUnitOfWork(engine)


@pytest.fixture
def settings(database_url: str) -> Settings:
    """The settings of a replica: the test database and `#incidents` for broadcasts."""
    return load_settings(
        {"DATABASE_URL": database_url, "WATCHKEEPER_BROADCAST_CHANNEL": "#incidents"},
        env_file=None,
    )


@pytest.fixture
def ctx(settings: Settings, engine: Engine, clock: FrozenClock) -> Context:
    """The use cases' context of one bot process, wired as bootstrap wires it."""
    upgrade(settings.database_url)
    return use_case_context(settings, engine, clock)


@pytest.fixture
def second_replica(settings: Settings, ctx: Context, clock: FrozenClock) -> Iterator[Context]:
    """Another process on the same database: its own engine and connections."""
    engine = make_engine(settings.database_url)
    try:
        yield use_case_context(settings, engine, clock)
    finally:
        engine.dispose()
