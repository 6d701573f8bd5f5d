"""The Alembic migrations on real databases: up, down and up again, matching `tables`."""

from __future__ import annotations

import os
import subprocess
import sys

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from watchkeeper.store.migrate import current, downgrade, head, upgrade
from watchkeeper.store.tables import metadata

TABLES = {
    "actions",
    "alert_groups",
    "counters",
    "due_work",
    "handled_requests",
    "incidents",
    "outbox",
    "people",
    "publications",
    "roles",
    "timeline_entries",
    "workspace",
}


def tables_in(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_a_fresh_database_has_no_revision(database_url: str) -> None:
    assert current(database_url) is None


def test_upgrade_creates_the_schema_at_head(database_url: str, engine: Engine) -> None:
    upgrade(database_url)

    assert current(database_url) == head()
    assert tables_in(engine) == TABLES


def test_downgrade_to_base_removes_everything_and_upgrade_restores_it(
    database_url: str, engine: Engine
) -> None:
    upgrade(database_url)
    downgrade(database_url, "base")
    assert current(database_url) is None
    assert tables_in(engine) == set()

    upgrade(database_url)
    assert current(database_url) == head()
    assert tables_in(engine) == TABLES


def test_the_migrated_schema_matches_the_tables_module(database_url: str, engine: Engine) -> None:
    upgrade(database_url)

    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)

    assert differences == []


def test_processes_starting_together_on_an_empty_database_migrate_it_once(
    database_url: str,
) -> None:
    # A web and a delivery process (or replicas) started together each migrate first.
    env = {**os.environ, "DATABASE_URL": database_url}
    upgrades = [
        subprocess.Popen(
            [sys.executable, "-m", "watchkeeper.cli", "db", "upgrade"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [process.communicate(timeout=120)[0] for process in upgrades]

    assert [process.returncode for process in upgrades] == [0, 0, 0], outputs
    assert current(database_url) == head()


def test_reminders_planned_before_due_work_had_a_table_keep_their_due_time(
    database_url: str, engine: Engine
) -> None:
    upgrade(database_url, "0004")
    due = "2025-11-24 08:30:00"
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO incidents (number, title, description, severity, highest_severity,"
                " status, declared_at, declared_by, impact, components, cause, resolution,"
                " milestones, unanswered_reminders, reminders_enabled, next_reminder_at,"
                " updated_at) VALUES (7, 'Checkout', '', 'SEV2', 'SEV2', 'investigating',"
                " '2025-11-24 08:00:00', 'U1', '', '[]', '', '', '{}', 0, true, :due, :due)"
            ),
            {"due": due},
        )

    upgrade(database_url)
    with engine.connect() as connection:
        moved = connection.execute(text("SELECT kind, subject, due_at FROM due_work")).all()
    downgrade(database_url, "0004")
    with engine.connect() as connection:
        back = connection.execute(text("SELECT next_reminder_at FROM incidents")).scalar_one()

    assert [(kind, subject) for kind, subject, _ in moved] == [("remind", 7)]
    assert str(moved[0][2]).startswith(due)
    assert str(back).startswith(due)
