"""Housekeeping: forget what has served its purpose, so the database does not grow forever.

Every command leaves the key that makes Slack's redelivery of it a no-op, and every side effect
its outbox row. A key is only ever needed for minutes; a settled effect's row (with its last
error) is kept a week for whoever investigates a delivery, then dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from watchkeeper.services.context import Context

#: How long a handled request's key is kept: far beyond any redelivery or double click.
REQUEST_KEYS_KEPT = timedelta(days=1)
#: How long a delivered (or abandoned) effect stays in the outbox, for investigations.
SETTLED_EFFECTS_KEPT = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Forgotten:
    """How many records one round of housekeeping dropped."""

    request_keys: int
    settled_effects: int


def forget_old_records(ctx: Context) -> Forgotten:
    """Drop request keys older than a day and effects settled more than a week ago."""
    now = ctx.now()
    with ctx.uow() as uow:
        forgotten = Forgotten(
            uow.incidents.forget_requests(now - REQUEST_KEYS_KEPT),
            uow.outbox.forget_settled(now - SETTLED_EFFECTS_KEPT),
        )
        uow.commit()
    return forgotten
