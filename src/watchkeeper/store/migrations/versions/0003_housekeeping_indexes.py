"""Index when requests were handled and effects delivered, so old records can be forgotten.

Every command leaves a row in `handled_requests` (its key makes a redelivery a no-op) and every
side effect a row in `outbox`; housekeeping deletes those past their use, and these indexes
let it find them without scanning either table.

Revision ID: 0003
Revises: 0002
Created: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_handled_requests_handled_at", "handled_requests", ["handled_at"])
    op.create_index("ix_outbox_done_at", "outbox", ["done_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_done_at", table_name="outbox")
    op.drop_index("ix_handled_requests_handled_at", table_name="handled_requests")
