"""Persistence: SQLAlchemy tables, the incident repository, the outbox and the unit of work.

- `database`: engines (SQLite pragmas and BEGIN IMMEDIATE, PostgreSQL pool)
- `tables`: the schema; `migrations/` and `migrate`: the Alembic migrations that create it
- `repository`: `SqlIncidentRepository`, whole incidents in and out (`mapping` converts rows,
  `statements` holds its statements built once, `snapshot` what a save compares with)
- `directory`: `SqlDirectory`, people's and the workspace's names, and the requests handled
- `outbox`: `SqlOutbox`, Slack calls committed with the state change, delivered later
- `alerts`: `SqlAlertGroups`, which incident holds each group of alerts a monitor reports
- `unit_of_work`: `SqlUnitOfWork`, one transaction over all of them
"""

from watchkeeper.store.database import check_database, make_engine
from watchkeeper.store.migrate import current, downgrade, upgrade
from watchkeeper.store.outbox import PendingEffect, SqlOutbox
from watchkeeper.store.repository import SqlIncidentRepository
from watchkeeper.store.unit_of_work import SqlUnitOfWork

__all__ = [
    "PendingEffect",
    "SqlIncidentRepository",
    "SqlOutbox",
    "SqlUnitOfWork",
    "check_database",
    "current",
    "downgrade",
    "make_engine",
    "upgrade",
]
