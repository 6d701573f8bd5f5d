"""Use cases of the side-effect courier: claim due effects, settle them, remember Slack refs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from watchkeeper.services.context import Context
from watchkeeper.services.ports import ClaimedEffect


def claim_effects(
    ctx: Context, worker_id: str, lease: timedelta, limit: int
) -> Sequence[ClaimedEffect]:
    """Take up to `limit` ready effects, one per incident, oldest first."""
    with ctx.uow() as uow:
        claimed = uow.outbox.claim(worker_id, ctx.now(), lease, limit)
        uow.commit()
    return claimed


def effect_delivered(ctx: Context, effect_id: int) -> None:
    """The effect reached Slack; it never runs again."""
    with ctx.uow() as uow:
        uow.outbox.complete(effect_id, ctx.now())
        uow.commit()


def effect_delayed(ctx: Context, effect_id: int, error: str, delay: timedelta) -> None:
    """The effect failed for now; try it again after `delay`."""
    with ctx.uow() as uow:
        uow.outbox.retry_later(effect_id, error, ctx.now() + delay)
        uow.commit()


def effect_abandoned(ctx: Context, effect_id: int, error: str) -> None:
    """The effect can never succeed as it stands; stop trying so its incident's queue moves on."""
    with ctx.uow() as uow:
        uow.outbox.give_up(effect_id, error, ctx.now())
        uow.commit()


def queue_state(ctx: Context) -> tuple[int, datetime | None]:
    """How many effects wait, and when the next one is ready."""
    with ctx.uow() as uow:
        return uow.outbox.pending_count(), uow.outbox.next_ready_at()


def record_channel(ctx: Context, number: int, channel_id: str, channel_name: str) -> None:
    """The incident's channel exists: commands in it now find the incident."""
    with ctx.uow() as uow:
        uow.incidents.set_channel(number, channel_id, channel_name)
        uow.commit()


def record_card(ctx: Context, number: int, ts: str) -> None:
    """The incident card was posted: later changes update that message."""
    with ctx.uow() as uow:
        uow.incidents.set_card_ts(number, ts)
        uow.commit()


def card_of(ctx: Context, number: int) -> str | None:
    """The timestamp of the incident's card message, if posted."""
    with ctx.uow() as uow:
        return uow.incidents.card_ts(number)
