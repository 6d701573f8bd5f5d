"""The scheduler hears that work moved only once the change that moved it is committed.

A job planned for a change that is then rolled back, or woken before the change commits,
would read the due time the change replaced: a reminder could wait for the next sync.
On both databases: `ctx.on_due` records what it is told and, at that moment, what another
transaction reads of the due time.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from watchkeeper.clock import FrozenClock
from watchkeeper.services.context import Actor, Context, Request
from watchkeeper.services.declare import declare_incident
from watchkeeper.services.lifecycle import post_update
from watchkeeper.services.outbox import record_channel
from watchkeeper.services.reminders import REMINDERS

DECLARED_AT = datetime(2025, 11, 24, 8, 0, tzinfo=UTC)
ANA = Actor("UANA", "ana")
CHANNEL = "C0001"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(DECLARED_AT)


class Told:
    """What the scheduler was told, with the reminder's due time a fresh transaction read then."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.calls: list[tuple[str, int, datetime | None, datetime | None]] = []

    def __call__(self, kind: str, number: int, due: datetime | None) -> None:
        with self.ctx.uow(read_only=True) as uow:
            stored = uow.due.when(kind, number)
        self.calls.append((kind, number, due, stored))

    def reminders(self) -> list[tuple[datetime | None, datetime | None]]:
        return [(due, stored) for kind, _, due, stored in self.calls if kind == REMINDERS.kind]


def declared(ctx: Context) -> int:
    number = declare_incident(ctx, Request(ANA), title="Checkout errors").number
    record_channel(ctx, number, CHANNEL, "inc-1-checkout-errors")
    return number


def test_the_scheduler_is_told_a_new_due_time_when_it_is_already_stored(
    ctx: Context, clock: FrozenClock
) -> None:
    told = Told(ctx)
    ctx.on_due = told
    declared(ctx)
    clock.advance(timedelta(minutes=10))

    post_update(ctx, Request(ANA, channel_id=CHANNEL), "Rolled back the deploy")

    first, moved = DECLARED_AT + timedelta(minutes=30), DECLARED_AT + timedelta(minutes=40)
    assert told.reminders() == [(first, first), (moved, moved)]


def test_a_change_left_uncommitted_tells_the_scheduler_nothing(
    ctx: Context, clock: FrozenClock
) -> None:
    number = declared(ctx)
    told = Told(ctx)
    ctx.on_due = told
    clock.advance(timedelta(minutes=10))

    with ctx.uow() as uow:
        incident = uow.incidents.get(number)
        incident.post_update("Rolled back the deploy", by=ANA.user_id, at=clock.now())
        ctx.save(uow, incident)  # and then the command fails before its commit

    assert told.calls == []
    with ctx.uow(read_only=True) as uow:
        assert uow.due.when(REMINDERS.kind, number) == DECLARED_AT + timedelta(minutes=30)


def test_a_failing_listener_leaves_the_change_committed(
    ctx: Context, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    number = declared(ctx)

    def unreachable(kind: str, number: int, due: datetime | None) -> None:
        raise OSError("the delivery process's pipe is closed")

    ctx.on_due = unreachable
    clock.advance(timedelta(minutes=10))
    with caplog.at_level(logging.ERROR):
        post_update(ctx, Request(ANA, channel_id=CHANNEL), "Rolled back the deploy")

    with ctx.uow(read_only=True) as uow:
        assert uow.due.when(REMINDERS.kind, number) == DECLARED_AT + timedelta(minutes=40)
        assert uow.incidents.get(number, lock=False).last_update_at == clock.now()
    assert "after a commit" in caplog.text
