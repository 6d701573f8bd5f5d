"""Remember which effects wait out an outage, so the first success after it wakes them.

A delivery that failed because Slack could not answer waits a backoff before its next try; once
Slack answers again, whichever delivery succeeds first brings every such effect forward, so an
incident channel catches up within seconds of the outage's end instead of a backoff later.

Revision ID: 0004
Revises: 0003
Created: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PENDING_AND_WAITING = "done_at IS NULL AND waiting IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("outbox") as table:
        table.add_column(sa.Column("waiting", sa.Text(), nullable=True))
    op.create_index(
        "ix_outbox_waiting_pending",
        "outbox",
        ["waiting"],
        sqlite_where=sa.text(_PENDING_AND_WAITING),
        postgresql_where=sa.text(_PENDING_AND_WAITING),
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_waiting_pending", table_name="outbox")
    with op.batch_alter_table("outbox") as table:
        table.drop_column("waiting")
