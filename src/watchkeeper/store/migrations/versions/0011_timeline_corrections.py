"""Timeline corrections: an entry keeps what it said before responders corrected it.

- `timeline_entries.corrected_by`, `corrected_at`: who last corrected the entry, and when.
- `timeline_entries.original_text`, `original_at`: the entry as first recorded (NULL: never
  corrected).
- `timeline_entries.removed`: taken off the timeline, but kept (a correction removed it, or
  nobody pins the message any more and a late Slack event must not bring it back).

Revision ID: 0011
Revises: 0010
Created: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("timeline_entries") as table:
        table.add_column(sa.Column("corrected_by", sa.Text(), nullable=False, server_default=""))
        table.add_column(sa.Column("corrected_at", UTC_DATETIME, nullable=True))
        table.add_column(sa.Column("original_text", sa.Text(), nullable=True))
        table.add_column(sa.Column("original_at", UTC_DATETIME, nullable=True))
        table.add_column(
            sa.Column("removed", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    # Removed entries would come back as if never removed: drop them with the columns.
    op.execute(sa.text("DELETE FROM timeline_entries WHERE removed"))
    with op.batch_alter_table("timeline_entries") as table:
        for column in ("removed", "original_at", "original_text", "corrected_at", "corrected_by"):
            table.drop_column(column)
