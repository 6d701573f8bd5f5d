"""Housekeeping: forget what has served its purpose, so the database does not grow forever.

Every command leaves the key that makes Slack's redelivery of it a no-op, and every side effect
its outbox row. A key is only ever needed for minutes; a settled effect's row (with its last
error) is kept a week for whoever investigates a delivery, then dropped. A group of alerts
whose alerts all resolved, and that no open incident holds, is forgotten after a quiet week.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from watchkeeper.services.context import Context
from watchkeeper.services.ports import UnitOfWork

#: How long a handled request's key is kept: far beyond any redelivery or double click.
REQUEST_KEYS_KEPT = timedelta(days=1)
#: How long a delivered (or abandoned) effect stays in the outbox, for investigations.
SETTLED_EFFECTS_KEPT = timedelta(days=7)
#: How long a group of alerts with nothing firing, held by no open incident, is remembered: a
#: repeat of its last report within this time changes nothing; after it, the group starts anew.
QUIET_ALERT_GROUPS_KEPT = timedelta(days=7)
#: Rows forgotten per transaction.
BATCH = 2000
#: How often housekeeping runs.
EVERY = timedelta(hours=1)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Forgotten:
    """How many records one round of housekeeping dropped."""

    request_keys: int
    settled_effects: int
    alert_groups: int = 0


def forget_old_records(ctx: Context, batch: int = BATCH) -> Forgotten:
    """Drop request keys older than a day, effects settled more than a week ago, and alert
    groups quiet for a week that no open incident holds.

    A few thousand rows per transaction: the first round after an upgrade may find a year of
    them, and commands must not wait behind one long delete for the write lock.
    """
    now = ctx.now()
    request_keys = _in_batches(
        ctx, lambda uow: uow.directory.forget_requests(now - REQUEST_KEYS_KEPT, batch), batch
    )
    settled_effects = _in_batches(
        ctx, lambda uow: uow.outbox.forget_settled(now - SETTLED_EFFECTS_KEPT, batch), batch
    )
    alert_groups = _in_batches(
        ctx, lambda uow: uow.alerts.forget(now - QUIET_ALERT_GROUPS_KEPT, batch), batch
    )
    return Forgotten(request_keys, settled_effects, alert_groups)


def housekeep(ctx: Context) -> None:
    """One round of housekeeping, and a log line when it forgot anything."""
    forgotten = forget_old_records(ctx)
    if forgotten.request_keys or forgotten.settled_effects or forgotten.alert_groups:
        log.info(
            "forgot %s handled request keys, %s settled effects and %s quiet alert groups",
            forgotten.request_keys,
            forgotten.settled_effects,
            forgotten.alert_groups,
        )


def _in_batches(ctx: Context, forget: Callable[[UnitOfWork], int], batch: int) -> int:
    total = 0
    while True:
        with ctx.uow() as uow:
            gone = forget(uow)
            uow.commit()
        total += gone
        if gone < batch:
            return total
