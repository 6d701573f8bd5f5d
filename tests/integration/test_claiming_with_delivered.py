"""The courier's claim marks what was delivered done in the same transaction, on real databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from watchkeeper.bootstrap import use_case_context
from watchkeeper.clock import FrozenClock
from watchkeeper.config import load_settings
from watchkeeper.services.context import Actor, Context, Request
from watchkeeper.services.declare import declare_incident
from watchkeeper.services.facts import add_note
from watchkeeper.services.outbox import claim_effects, record_channel
from watchkeeper.store.migrate import upgrade
from watchkeeper.store.tables import outbox

MONDAY = datetime(2025, 11, 24, 8, 0, tzinfo=UTC)
ANA = Actor("UANA", "ana")
LEASE = timedelta(seconds=30)


@pytest.fixture
def ctx(database_url: str, engine: Engine) -> Context:
    upgrade(database_url)
    settings = load_settings({"DATABASE_URL": database_url}, env_file=None)
    return use_case_context(settings, engine, FrozenClock(MONDAY))


def done_ids(engine: Engine) -> set[int]:
    with engine.connect() as connection:
        return set(connection.scalars(select(outbox.c.id).where(outbox.c.done_at.is_not(None))))


def test_a_claim_marks_the_delivered_done_and_takes_their_incidents_next_effects(
    ctx: Context, engine: Engine
) -> None:
    number = declare_incident(ctx, Request(ANA, key="declare"), title="Checkout errors").number
    record_channel(ctx, number, "C0INC1", "inc-1-checkout-errors")
    add_note(ctx, Request(ANA, channel_id="C0INC1", key="note"), "Rolled the pods")

    # One effect per incident and destination at a time: the channel's first one alone.
    first = claim_effects(ctx, "courier-a", LEASE, 10)
    assert len(first) == 1 and done_ids(engine) == set()

    # Delivered, and handed back with the next claim: done, and the next one is ready in it.
    second = claim_effects(ctx, "courier-a", LEASE, 10, delivered=[first[0].id])

    assert done_ids(engine) == {first[0].id}
    assert len(second) == 1 and second[0].id > first[0].id
    assert second[0].incident_number == number


def test_delivered_effects_are_marked_done_even_when_nothing_else_is_ready(
    ctx: Context, engine: Engine
) -> None:
    declare_incident(ctx, Request(ANA, key="declare"), title="Checkout errors")
    claimed = claim_effects(ctx, "courier-a", LEASE, 10)
    assert claimed
    assert claim_effects(ctx, "courier-b", LEASE, 10) == []  # all of it is leased

    assert claim_effects(ctx, "courier-a", LEASE, 10, delivered=[e.id for e in claimed]) == []
    assert done_ids(engine) == {e.id for e in claimed}
