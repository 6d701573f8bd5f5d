"""Apply, revert and inspect the Alembic migrations on a database given by URL."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from watchkeeper.store.database import make_engine

#: The migrations ship inside the package, so an installed watchkeeper needs no alembic.ini.
SCRIPT_LOCATION = "watchkeeper.store:migrations"


def alembic_config(url: str) -> Config:
    """An Alembic configuration that migrates the database at `url`."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.set_main_option("path_separator", "os")
    # Passed as an attribute, not `sqlalchemy.url`: ConfigParser would read the `%` of an
    # escaped password as interpolation.
    config.attributes["url"] = url
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at `url` up to `revision`."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Migrate the database at `url` down to `revision` (`base` empties it)."""
    command.downgrade(alembic_config(url), revision)


def current(url: str) -> str | None:
    """The revision the database at `url` is at; None before the first migration."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def head() -> str:
    """The newest revision this version of watchkeeper ships."""
    revision = ScriptDirectory.from_config(alembic_config("")).get_current_head()
    if revision is None:
        raise RuntimeError("the packaged migrations have no head revision")
    return revision
