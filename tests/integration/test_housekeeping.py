"""Housekeeping on real databases: old request keys and settled effects go, nothing else does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from watchkeeper.bootstrap import use_case_context
from watchkeeper.clock import FrozenClock
from watchkeeper.config import load_settings
from watchkeeper.services.context import Actor, Context, DuplicateRequest, Request
from watchkeeper.services.declare import declare_incident
from watchkeeper.services.facts import add_note
from watchkeeper.services.housekeeping import forget_old_records
from watchkeeper.services.outbox import claim_effects, effects_delivered, record_channel
from watchkeeper.store.migrate import upgrade
from watchkeeper.store.tables import handled_requests, outbox

MONDAY = datetime(2025, 11, 24, 8, 0, tzinfo=UTC)
ANA = Actor("UANA", "ana")
LEASE = timedelta(seconds=30)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(MONDAY)


@pytest.fixture
def ctx(database_url: str, engine: Engine, clock: FrozenClock) -> Context:
    upgrade(database_url)
    settings = load_settings({"DATABASE_URL": database_url}, env_file=None)
    return use_case_context(settings, engine, clock)


def keys(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(connection.scalars(select(handled_requests.c.key)))


def effects(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(outbox)) or 0)


def deliver_everything(ctx: Context) -> None:
    while claimed := claim_effects(ctx, "courier-test", LEASE, 100):
        effects_delivered(ctx, [effect.id for effect in claimed])


def test_request_keys_are_forgotten_after_a_day(
    ctx: Context, engine: Engine, clock: FrozenClock
) -> None:
    number = declare_incident(ctx, Request(ANA, key="command:old"), title="Checkout errors").number
    record_channel(ctx, number, "C0INC1", "inc-1-checkout-errors")
    for n in range(4):
        add_note(ctx, Request(ANA, channel_id="C0INC1", key=f"command:old-{n}"), f"Note {n}")
    clock.set(MONDAY + timedelta(hours=23))
    add_note(ctx, Request(ANA, channel_id="C0INC1", key="command:recent"), "Rolled back")
    clock.set(MONDAY + timedelta(days=1, minutes=1))

    forgotten = forget_old_records(ctx, batch=2)  # three transactions' worth

    assert forgotten.request_keys == 5
    assert keys(engine) == {"command:recent"}
    with pytest.raises(DuplicateRequest):  # a key still kept still guards its request
        add_note(ctx, Request(ANA, channel_id="C0INC1", key="command:recent"), "Rolled back")


def test_settled_effects_go_after_a_week_and_undelivered_ones_stay(
    ctx: Context, engine: Engine, clock: FrozenClock
) -> None:
    number = declare_incident(ctx, Request(ANA), title="Checkout errors").number
    record_channel(ctx, number, "C0INC1", "inc-1-checkout-errors")
    for n in range(3):
        add_note(ctx, Request(ANA, channel_id="C0INC1"), f"Note {n}")
    deliver_everything(ctx)
    delivered_monday = effects(engine)
    assert delivered_monday > 3  # more than one transaction's worth below
    clock.set(MONDAY + timedelta(days=6))
    add_note(ctx, Request(ANA, channel_id="C0INC1"), "Still quiet")  # stays undelivered
    waiting = effects(engine) - delivered_monday
    clock.set(MONDAY + timedelta(days=7, minutes=1))

    forgotten = forget_old_records(ctx, batch=2)

    assert forgotten.settled_effects == delivered_monday
    assert effects(engine) == waiting
    assert forget_old_records(ctx).settled_effects == 0
