"""Make room: effects know their destination, and due work has a table of its own.

- `outbox.destination`: an incident's effects wait for one another per destination only, so a
  webhook receiver that is down never holds back the incident's Slack messages. Existing
  effects all went to Slack.
- `due_work`: one due time per (kind, subject) for every kind of scheduled work. Update
  reminders were the only kind, kept in `incidents.next_reminder_at`; they move here as kind
  `remind`, and the column goes.

Revision ID: 0005
Revises: 0004
Created: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)
_PENDING = "done_at IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("outbox") as table:
        table.add_column(
            sa.Column("destination", sa.Text(), nullable=False, server_default="slack")
        )
    op.drop_index("ix_outbox_pending_by_incident", table_name="outbox")
    op.create_index(
        "ix_outbox_pending_by_incident",
        "outbox",
        ["incident_number", "destination", "id"],
        sqlite_where=sa.text(_PENDING),
        postgresql_where=sa.text(_PENDING),
    )

    op.create_table(
        "due_work",
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("subject", sa.Integer(), nullable=False),
        sa.Column("due_at", UTC_DATETIME, nullable=True),
        sa.PrimaryKeyConstraint("kind", "subject", name="pk_due_work"),
    )
    op.create_index("ix_due_work_kind_due_at", "due_work", ["kind", "due_at"])
    op.execute(
        "INSERT INTO due_work (kind, subject, due_at) "
        "SELECT 'remind', number, next_reminder_at FROM incidents "
        "WHERE next_reminder_at IS NOT NULL"
    )
    op.drop_index("ix_incidents_next_reminder_at", table_name="incidents")
    with op.batch_alter_table("incidents") as table:
        table.drop_column("next_reminder_at")


def downgrade() -> None:
    with op.batch_alter_table("incidents") as table:
        table.add_column(sa.Column("next_reminder_at", UTC_DATETIME, nullable=True))
    op.create_index("ix_incidents_next_reminder_at", "incidents", ["next_reminder_at"])
    op.execute(
        "UPDATE incidents SET next_reminder_at = (SELECT due_at FROM due_work "
        "WHERE due_work.kind = 'remind' AND due_work.subject = incidents.number)"
    )
    op.drop_index("ix_due_work_kind_due_at", table_name="due_work")
    op.drop_table("due_work")
    op.drop_index("ix_outbox_pending_by_incident", table_name="outbox")
    op.create_index(
        "ix_outbox_pending_by_incident",
        "outbox",
        ["incident_number", "id"],
        sqlite_where=sa.text(_PENDING),
        postgresql_where=sa.text(_PENDING),
    )
    with op.batch_alter_table("outbox") as table:
        table.drop_column("destination")
