"""Channels that tidy themselves: quiet spells and archived channels.

- `incidents.last_entry_at`: when the timeline last moved (filled in from the entries kept),
  which the question to a quiet incident's commander is counted from
- `incidents.stale_asked_at`: when that question was asked, once per quiet spell
- `incidents.archive_kept`: `/incident keep` was used; the channel is never archived
- `incidents.archived_at`: when the channel's archiving was queued

Incidents resolved before this migration get no archive until they are saved again.

Revision ID: 0010
Revises: 0009
Created: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("incidents") as table:
        table.add_column(sa.Column("last_entry_at", UTC_DATETIME, nullable=True))
        table.add_column(sa.Column("stale_asked_at", UTC_DATETIME, nullable=True))
        table.add_column(
            sa.Column("archive_kept", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        table.add_column(sa.Column("archived_at", UTC_DATETIME, nullable=True))
    incidents = sa.table(
        "incidents", sa.column("id", sa.Integer()), sa.column("last_entry_at", UTC_DATETIME)
    )
    entries = sa.table(
        "timeline_entries", sa.column("incident_id", sa.Integer()), sa.column("at", UTC_DATETIME)
    )
    latest = (
        sa.select(sa.func.max(entries.c.at))
        .where(entries.c.incident_id == incidents.c.id)
        .scalar_subquery()
    )
    op.execute(sa.update(incidents).values(last_entry_at=latest))


def downgrade() -> None:
    with op.batch_alter_table("incidents") as table:
        for column in ("archived_at", "archive_kept", "stale_asked_at", "last_entry_at"):
            table.drop_column(column)
