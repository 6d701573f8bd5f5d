"""Alert groups: which incident holds each group of alerts a monitor reports.

- `alert_groups`: one row per (hook source, group), with the incident that holds the group and
  the alerts last known firing in it. Its key is what makes two deliveries of one group, at the
  same moment on two replicas, declare one incident: each locks the row before deciding.

Revision ID: 0008
Revises: 0007
Created: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "alert_groups",
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("group_hash", sa.Text(), nullable=False),
        sa.Column("group_key", sa.Text(), nullable=False),
        sa.Column("incident_number", sa.Integer(), nullable=True),
        sa.Column("firing", sa.JSON(), nullable=False),
        sa.Column("firing_count", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_number"],
            ["incidents.number"],
            name="fk_alert_groups_incident_number_incidents",
        ),
        sa.PrimaryKeyConstraint("source", "group_hash", name="pk_alert_groups"),
    )
    op.create_index("ix_alert_groups_incident_number", "alert_groups", ["incident_number"])
    op.create_index("ix_alert_groups_updated_at", "alert_groups", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_alert_groups_updated_at", table_name="alert_groups")
    op.drop_index("ix_alert_groups_incident_number", table_name="alert_groups")
    op.drop_table("alert_groups")
