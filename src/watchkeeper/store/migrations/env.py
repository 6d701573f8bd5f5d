"""Alembic environment: migrates the database whose URL `watchkeeper.store.migrate` passes in."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from watchkeeper.store.database import make_engine, normalize_url
from watchkeeper.store.tables import metadata

config = context.config

#: PostgreSQL advisory lock held while migrating (any fixed number; "watchkp" in ASCII).
MIGRATION_LOCK = 0x7761_7463_686B_70


def _url() -> str:
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL: migrate through watchkeeper.store.migrate")
    return str(url)


def run_offline() -> None:
    """Print the SQL instead of running it (`alembic upgrade --sql`)."""
    context.configure(
        url=normalize_url(_url()),
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Run the migrations in one transaction, on an engine made like the app's."""
    engine = make_engine(_url())
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=metadata,
                # Autogenerate writes SQLite-safe ALTERs (copy and move) when it targets SQLite.
                render_as_batch=True,
                # The engine's own BEGIN makes SQLite DDL transactional too: a failed
                # migration leaves the schema as it was.
                transactional_ddl=True,
            )
            with context.begin_transaction():
                if connection.dialect.name == "postgresql":
                    # Processes started together migrate in turn; the later ones read the
                    # version after the first committed and find nothing left to do. (SQLite's
                    # BEGIN IMMEDIATE already makes them take turns.)
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
                    )
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
