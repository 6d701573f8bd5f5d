"""Follow-ups that get done: a due day, a state (open, done, won't do) and nudges per action.

Actions agreed before this migration are open and have no due day: their owners are nudged
once someone gives them one.

Revision ID: 0007
Revises: 0006
Created: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("actions") as table:
        table.add_column(sa.Column("due", sa.Date(), nullable=True))
        table.add_column(sa.Column("state", sa.Text(), nullable=False, server_default="open"))
        table.add_column(sa.Column("reason", sa.Text(), nullable=False, server_default=""))
        table.add_column(sa.Column("owner_zone", sa.Text(), nullable=True))
        table.add_column(sa.Column("last_nudged_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_actions_owner_id_state", "actions", ["owner_id", "state"])


def downgrade() -> None:
    op.drop_index("ix_actions_owner_id_state", table_name="actions")
    with op.batch_alter_table("actions") as table:
        for column in ("last_nudged_at", "owner_zone", "reason", "state", "due"):
            table.drop_column(column)
