"""Initial schema: incidents, their timeline, roles and actions, and the bot's bookkeeping.

Revision ID: 0001
Revises:
Created: 2025-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out rather than imported from watchkeeper.store.tables: a migration is a snapshot
# and must not change when the tables module does. UTC datetimes are timestamptz here.
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("severity", sa.Text, nullable=False),
        sa.Column("highest_severity", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("declared_at", UTC_DATETIME, nullable=False),
        sa.Column("declared_by", sa.Text, nullable=False),
        sa.Column("impact", sa.Text, nullable=False),
        sa.Column("components", sa.JSON, nullable=False),
        sa.Column("cause", sa.Text, nullable=False),
        sa.Column("resolution", sa.Text, nullable=False),
        sa.Column("milestones", sa.JSON, nullable=False),
        sa.Column("channel_id", sa.Text, nullable=True),
        sa.Column("channel_name", sa.Text, nullable=True),
        sa.Column("card_ts", sa.Text, nullable=True),
        sa.Column("last_update_at", UTC_DATETIME, nullable=True),
        sa.Column("last_reminded_at", UTC_DATETIME, nullable=True),
        sa.Column("unanswered_reminders", sa.Integer, nullable=False),
        sa.Column("reminders_enabled", sa.Boolean, nullable=False),
        sa.Column("reminder_interval_seconds", sa.Integer, nullable=True),
        sa.Column("snoozed_until", UTC_DATETIME, nullable=True),
        sa.Column("next_reminder_at", UTC_DATETIME, nullable=True),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_incidents"),
        sa.UniqueConstraint("number", name="uq_incidents_number"),
    )
    # Unique where set: both databases let any number of rows have no channel (NULL).
    op.create_index("uq_incidents_channel_id", "incidents", ["channel_id"], unique=True)
    op.create_index("ix_incidents_next_reminder_at", "incidents", ["next_reminder_at"])

    op.create_table(
        "timeline_entries",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("incident_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("formal", sa.Boolean, nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_timeline_entries"),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name="fk_timeline_entries_incident_id_incidents",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_timeline_entries_incident_id_at", "timeline_entries", ["incident_id", "at"])

    op.create_table(
        "roles",
        sa.Column("incident_id", sa.Integer, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("user_id", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("incident_id", "role", name="pk_roles"),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name="fk_roles_incident_id_incidents",
            ondelete="CASCADE",
        ),
    )

    op.create_table(
        "actions",
        sa.Column("incident_id", sa.Integer, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("owner_id", sa.Text, nullable=True),
        sa.Column("added_by", sa.Text, nullable=False),
        sa.Column("added_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("incident_id", "number", name="pk_actions"),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name="fk_actions_incident_id_incidents",
            ondelete="CASCADE",
        ),
    )

    counters = op.create_table(
        "counters",
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("value", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_counters"),
    )
    # Incident numbers start at 1: the first declaration increments this row.
    op.bulk_insert(counters, [{"name": "incident", "value": 0}])

    op.create_table(
        "people",
        sa.Column("user_id", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_people"),
    )

    op.create_table(
        "handled_requests",
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("handled_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_handled_requests"),
    )

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("incident_number", sa.Integer, nullable=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", UTC_DATETIME, nullable=False),
        sa.Column("claimed_by", sa.Text, nullable=True),
        sa.Column("claimed_until", UTC_DATETIME, nullable=True),
        sa.Column("done_at", UTC_DATETIME, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("dedupe_key", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
    )
    op.create_index("ix_outbox_incident_number", "outbox", ["incident_number"])
    op.create_index("ix_outbox_next_attempt_at", "outbox", ["next_attempt_at"])
    # A dedupe key is unique among effects still to deliver; delivered ones free it.
    op.create_index(
        "uq_outbox_dedupe_key_pending",
        "outbox",
        ["dedupe_key"],
        unique=True,
        sqlite_where=sa.text("done_at IS NULL"),
        postgresql_where=sa.text("done_at IS NULL"),
    )


def downgrade() -> None:
    # Children before the incidents they reference; indexes go with their tables.
    for table in (
        "outbox",
        "handled_requests",
        "people",
        "counters",
        "actions",
        "roles",
        "timeline_entries",
        "incidents",
    ):
        op.drop_table(table)
