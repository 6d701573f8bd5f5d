"""Use cases of the side-effect courier: claim due effects, settle them, remember Slack refs."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from watchkeeper.services.context import Context
from watchkeeper.services.effects import Effect, EffectKind
from watchkeeper.services.ports import ClaimedEffect


def claim_effects(
    ctx: Context,
    worker_id: str,
    lease: timedelta,
    limit: int,
    delivered: Collection[int] = (),
) -> Sequence[ClaimedEffect]:
    """Take up to `limit` ready effects, one per incident, oldest first, with their incidents.

    Each comes with its incident's state read in the claiming transaction (without the
    timeline), and a card refresh with its card's timestamp, so a batch of deliveries costs one
    read, not one each. A change committed after the claim queues effects of its own, which
    will read it. The effects `delivered` since the last claim are marked done first, in the
    same transaction: their incidents' next effects are ready for this very claim.
    """
    with ctx.uow() as uow:
        now = ctx.now()
        if delivered:
            uow.outbox.complete(delivered, now)
        claimed = uow.outbox.claim(worker_id, now, lease, limit)
        numbers = {e.incident_number for e in claimed if e.incident_number is not None}
        found, cards = uow.incidents.states_and_cards(numbers) if numbers else ([], {})
        states = {incident.number: incident for incident in found}
        uow.commit()
    return [
        effect.with_incident(
            states.get(effect.incident_number or 0), cards.get(effect.incident_number or 0)
        )
        for effect in claimed
    ]


def effects_ready(ctx: Context) -> bool:
    """Whether an effect could be claimed now: a read, so a look that finds none takes no lock."""
    with ctx.uow(read_only=True) as uow:
        ready_at = uow.outbox.next_ready_at()
    return ready_at is not None and ready_at <= ctx.now()


def renew_claims(
    ctx: Context, worker_id: str, effect_ids: Collection[int], lease: timedelta
) -> int:
    """Keep the effects still being delivered leased to `worker_id`; how many it still holds."""
    with ctx.uow() as uow:
        renewed = uow.outbox.renew(worker_id, effect_ids, ctx.now(), lease)
        uow.commit()
    return renewed


def remember_progress(ctx: Context, effect_id: int, payload: Mapping[str, Any]) -> None:
    """Store what a delivery has done so far, so a retry resumes instead of repeating it."""
    with ctx.uow() as uow:
        uow.outbox.remember(effect_id, payload)
        uow.commit()


#: The payload key under which an effect notes that the people it could not invite were named.
LEFT_OUT_TOLD = "left_out_told"


def tell_left_out(
    ctx: Context, effect: ClaimedEffect, left_out: Sequence[tuple[str, str]], tell: str
) -> None:
    """Queue, once per effect, the notice naming who could not be invited and why."""
    if effect.payload.get(LEFT_OUT_TOLD) or effect.incident_number is None:
        return
    with ctx.uow() as uow:
        # In one transaction with the mark, so a retry of the effect neither skips nor repeats it.
        uow.outbox.remember(effect.id, {**effect.payload, LEFT_OUT_TOLD: True})
        notice = {"notice": "left_out", "left_out": [list(pair) for pair in left_out], "tell": tell}
        uow.outbox.add(Effect(EffectKind.NOTICE, effect.incident_number, notice), ctx.now())
        uow.commit()
    ctx.on_effects()


def effects_delivered(ctx: Context, effect_ids: Collection[int]) -> None:
    """These effects reached Slack; none runs again."""
    with ctx.uow() as uow:
        uow.outbox.complete(effect_ids, ctx.now())
        uow.commit()


def effect_delayed(
    ctx: Context, effect_id: int, error: str, delay: timedelta, *, outage: bool = False
) -> None:
    """The effect failed for now; try it again after `delay`, or, after an `outage` of its
    destination, as soon as another delivery succeeds."""
    with ctx.uow() as uow:
        uow.outbox.retry_later(effect_id, error, ctx.now() + delay, outage=outage)
        uow.commit()


def effect_abandoned(ctx: Context, effect: ClaimedEffect, error: str) -> None:
    """The effect can never succeed as it stands: stop trying, and tell its incident's channel."""
    # The incident's queue moves on; the notice of what failed and what to fix comes after it,
    # unless what failed was such a notice: one telling is enough.
    with ctx.uow() as uow:
        uow.outbox.give_up(effect.id, error, ctx.now())
        tell = effect.incident_number is not None and not is_problem_notice(effect)
        if tell:
            problem = {"problem": error, "failed": effect.kind}
            if effect.payload.get("target"):
                problem["target"] = effect.payload["target"]
            uow.outbox.add(Effect(EffectKind.NOTICE, effect.incident_number, problem), ctx.now())
        uow.commit()
    if tell:
        ctx.on_effects()


def is_problem_notice(effect: ClaimedEffect) -> bool:
    """True for the notice that tells an incident's channel that a delivery failed for good."""
    return effect.kind == EffectKind.NOTICE and "problem" in effect.payload


def queue_state(ctx: Context) -> tuple[int, datetime | None]:
    """How many effects wait, and when the next one is ready."""
    with ctx.uow(read_only=True) as uow:
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


def channel_owner(ctx: Context, channel_id: str) -> int | None:
    """The number of the incident whose channel this is, if any."""
    with ctx.uow(read_only=True) as uow:
        incident = uow.incidents.by_channel(channel_id, lock=False)
    return incident.number if incident is not None else None


def card_of(ctx: Context, number: int) -> str | None:
    """The timestamp of the incident's card message, if posted."""
    with ctx.uow(read_only=True) as uow:
        return uow.incidents.card_ts(number)
