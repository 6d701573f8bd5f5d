"""The public status page: which incidents are on it, under which id and title, and what the bot
knows of its workspace (its name titles the page when no name is configured).

Revision ID: 0006
Revises: 0005
Created: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "publications",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("changed_at", UTC_DATETIME, nullable=False),
        sa.Column("postmortem", sa.Text(), nullable=False),
        sa.Column("postmortem_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name="fk_publications_incident_id_incidents",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("incident_id", name="pk_publications"),
        sa.UniqueConstraint("public_id", name="uq_publications_public_id"),
    )
    op.create_index("ix_publications_changed_at", "publications", ["changed_at"])
    op.create_table(
        "workspace",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_workspace"),
    )


def downgrade() -> None:
    op.drop_table("workspace")
    op.drop_index("ix_publications_changed_at", table_name="publications")
    op.drop_table("publications")
