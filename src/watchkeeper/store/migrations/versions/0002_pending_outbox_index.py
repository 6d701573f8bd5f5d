"""Index the outbox's undelivered effects by incident, for the courier's claim.

The claim skips an effect while an older undelivered effect of the same incident exists. On
PostgreSQL that check re-scanned a whole index per row once thousands of effects waited (the
benchmarks measured 1.1 s per claim with 10,000 waiting); this partial index answers it directly.

Revision ID: 0002
Revises: 0001
Created: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_outbox_pending_by_incident",
        "outbox",
        ["incident_number", "id"],
        sqlite_where=sa.text("done_at IS NULL"),
        postgresql_where=sa.text("done_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_pending_by_incident", table_name="outbox")
