"""Sending update reminders on real databases: once per due time, across replicas and restarts.

The scheduler is left out: each test sweeps (`send_due_reminders`) and reads
`upcoming_reminders` as the scheduler would, with a FrozenClock moved by hand, and reads the
outbox the reminders go into.
Declared at 08:00 with the default 30-minute interval, the first reminder is due at 08:30.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select
from tests.fixtures.concurrency import run_at_once

from watchkeeper.clock import FrozenClock
from watchkeeper.domain.timeline import EntryKind
from watchkeeper.services.context import Actor, Context, Request
from watchkeeper.services.declare import declare_incident
from watchkeeper.services.facts import add_note, add_pinned_message
from watchkeeper.services.lifecycle import post_update, resolve
from watchkeeper.services.outbox import record_channel
from watchkeeper.services.queries import incident_by_number
from watchkeeper.services.reminders import send_due_reminders, upcoming_reminders
from watchkeeper.store.tables import outbox

DECLARED_AT = datetime(2025, 11, 24, 8, 0, tzinfo=UTC)
ANA = Actor("UANA", "ana")


def at(hour: int, minute: int) -> datetime:
    return datetime(2025, 11, 24, hour, minute, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(DECLARED_AT)


def declare(ctx: Context, title: str = "Checkout errors") -> int:
    """Declare an incident at the clock's time and give it a channel; its number."""
    number = declare_incident(ctx, Request(ANA), title=title).number
    record_channel(ctx, number, f"C{number:04d}", f"inc-{number}")
    return number


def channel_of(number: int) -> Request:
    return Request(ANA, channel_id=f"C{number:04d}")


def reminders_queued(engine: Engine, number: int | None = None) -> list[dict[str, Any]]:
    """The payloads of the reminder effects in the outbox, oldest first."""
    query = select(outbox.c.payload).where(outbox.c.kind == "remind").order_by(outbox.c.id)
    if number is not None:
        query = query.where(outbox.c.incident_number == number)
    with engine.connect() as connection:
        return [dict(row.payload) for row in connection.execute(query)]


def levels(engine: Engine) -> list[tuple[int, str]]:
    return [(int(p["level"]), p["target"]) for p in reminders_queued(engine)]


def remind(ctx: Context, number: int, due_at: datetime) -> tuple[bool, datetime | None]:
    """Sweep as the scheduler does when `number`'s reminder falls due at `due_at`: whether
    this sweep sent that reminder and, if so, when the next one is due."""
    for sent in send_due_reminders(ctx):
        if sent.number == number and sent.due_at == due_at:
            return True, sent.next_due
    return False, None


def test_a_due_reminder_is_queued_once(ctx: Context, engine: Engine, clock: FrozenClock) -> None:
    number = declare(ctx)
    clock.set(at(8, 30))

    assert remind(ctx, number, at(8, 30)) == (True, at(9, 0))
    assert levels(engine) == [(1, "channel")]


def test_the_same_due_time_sends_nothing_the_second_time(
    ctx: Context, engine: Engine, clock: FrozenClock
) -> None:
    number = declare(ctx)
    clock.set(at(8, 30))
    remind(ctx, number, at(8, 30))

    clock.set(at(8, 31))
    # The loser plans nothing: the winner planned the next one.
    assert remind(ctx, number, at(8, 30)) == (False, None)
    assert levels(engine) == [(1, "channel")]


def test_the_reminder_says_since_when_it_has_been_quiet(
    ctx: Context, engine: Engine, clock: FrozenClock
) -> None:
    number = declare(ctx)
    clock.set(at(8, 12))
    post_update(ctx, channel_of(number), "Rolling back to 4.1")
    clock.set(at(8, 42))

    remind(ctx, number, at(8, 42))

    [payload] = reminders_queued(engine)
    assert datetime.fromisoformat(payload["quiet_since"]) == at(8, 12)


def test_after_a_formal_update_the_old_due_time_claims_nothing(
    ctx: Context, engine: Engine, clock: FrozenClock
) -> None:
    number = declare(ctx)
    clock.set(at(8, 20))
    post_update(ctx, channel_of(number), "Rolling back to 4.1")
    clock.set(at(8, 30))

    # A scheduler that planned 08:30 before the update fires anyway: it sends nothing.
    assert remind(ctx, number, at(8, 30)) == (False, None)
    assert reminders_queued(engine) == []
    assert upcoming_reminders(ctx, at(8, 49)) == []
    assert upcoming_reminders(ctx, at(8, 50)) == [(number, at(8, 50))]


def test_a_resolved_incident_claims_no_reminder(
    ctx: Context, engine: Engine, clock: FrozenClock
) -> None:
    number = declare(ctx)
    clock.set(at(8, 20))
    resolve(ctx, channel_of(number), "Rolled back")
    clock.set(at(8, 30))

    assert remind(ctx, number, at(8, 30)) == (False, None)
    assert reminders_queued(engine) == []
    assert upcoming_reminders(ctx, at(12, 0)) == []


def test_the_third_unanswered_reminder_also_goes_to_the_broadcast_channel(
    ctx: Context, engine: Engine, clock: FrozenClock
) -> None:
    number = declare(ctx)
    due = at(8, 30)
    for _ in range(3):
        clock.set(due)
        sent, next_due = remind(ctx, number, due)
        assert (sent, next_due) == (True, due + timedelta(minutes=30))
        assert next_due is not None
        due = next_due

    assert levels(engine) == [(1, "channel"), (2, "channel"), (3, "channel"), (3, "broadcast")]


def test_a_private_incidents_reminders_escalate_in_its_own_channel_only(
    ctx: Context, engine: Engine, clock: FrozenClock
) -> None:
    number = declare_incident(ctx, Request(ANA), title="Leaked key", private=True).number
    record_channel(ctx, number, f"C{number:04d}", f"inc-{number}")
    due = at(8, 30)
    for _ in range(3):
        clock.set(due)
        sent, next_due = remind(ctx, number, due)
        assert sent and next_due is not None
        due = next_due

    assert levels(engine) == [(1, "channel"), (2, "channel"), (3, "channel")]


def test_a_formal_update_starts_the_escalation_again(
    ctx: Context, engine: Engine, clock: FrozenClock
) -> None:
    number = declare(ctx)
    clock.set(at(8, 30))
    remind(ctx, number, at(8, 30))
    clock.set(at(9, 0))
    remind(ctx, number, at(9, 0))
    clock.set(at(9, 5))
    post_update(ctx, channel_of(number), "Rollback finished")
    clock.set(at(9, 35))

    remind(ctx, number, at(9, 35))

    assert levels(engine) == [(1, "channel"), (2, "channel"), (1, "channel")]


def test_a_reminder_missed_while_down_fires_once_and_the_next_follows_it(
    ctx: Context, engine: Engine, clock: FrozenClock
) -> None:
    number = declare(ctx)
    # Down from before 08:30 until 11:07: five intervals passed, one reminder is owed.
    clock.set(at(11, 7))

    assert upcoming_reminders(ctx, clock.now()) == [(number, at(8, 30))]
    assert remind(ctx, number, at(8, 30)) == (True, at(11, 37))
    assert upcoming_reminders(ctx, clock.now()) == []
    assert levels(engine) == [(1, "channel")]


# --- sweeps: every reminder due, claimed in batches ---------------------------------------


def test_a_sweep_sends_every_due_reminder_once_in_batches(
    ctx: Context, engine: Engine, clock: FrozenClock
) -> None:
    numbers = [declare(ctx, f"Checkout errors {n}") for n in range(7)]
    clock.set(at(8, 10))
    post_update(ctx, channel_of(numbers[0]), "Rolling back")  # due at 08:40, not yet
    resolve(ctx, channel_of(numbers[1]), "Rolled back")  # no reminder at all
    clock.set(at(8, 31))

    sent = send_due_reminders(ctx, limit=2)

    waiting = numbers[2:]
    assert sorted(r.number for r in sent) == waiting
    assert {(r.due_at, r.next_due) for r in sent} == {(at(8, 30), at(9, 1))}
    for number in waiting:
        assert [p["target"] for p in reminders_queued(engine, number)] == ["channel"]
    assert reminders_queued(engine, numbers[0]) == []
    assert send_due_reminders(ctx, limit=2) == []  # nothing due twice
    # Stored: the next ones are due an interval after this reminder, 08:40's as it was.
    assert sorted(upcoming_reminders(ctx, at(9, 1))) == sorted(
        [(numbers[0], at(8, 40)), *((n, at(9, 1)) for n in waiting)]
    )


def test_replicas_sweeping_at_once_send_each_due_reminder_once(
    ctx: Context, second_replica: Context, engine: Engine, clock: FrozenClock
) -> None:
    numbers = [declare(ctx, f"Checkout errors {n}") for n in range(30)]
    clock.set(at(8, 30))

    first, second = run_at_once(
        [
            lambda replica=replica: send_due_reminders(replica, limit=4)
            for replica in (ctx, second_replica)
        ]
    )

    # Exactly one replica sent each, and it plans the next one.
    assert sorted(r.number for r in first + second) == numbers
    assert {r.next_due for r in first + second} == {at(9, 0)}
    for number in numbers:
        assert len(reminders_queued(engine, number)) == 1, f"INC-{number}"


def test_a_sweep_leaves_the_timeline_and_pinned_messages_as_they_were(
    ctx: Context, clock: FrozenClock
) -> None:
    number = declare(ctx)
    pin = Request(ANA, channel_id=f"C{number:04d}")
    add_pinned_message(
        ctx,
        pin,
        message_ts="1763971800.000100",
        text="Queue at 48k",
        author="UBEN",
        permalink="https://acme.slack.com/archives/C1/p1763971800000100",
    )
    add_note(ctx, channel_of(number), "Queue depth falling")
    before = [(e.kind, e.text) for e in incident_by_number(ctx, number).incident.timeline]
    assert before[1:] == [
        (EntryKind.PINNED, "Queue at 48k"),
        (EntryKind.NOTE, "Queue depth falling"),
    ]
    clock.set(at(8, 30))

    send_due_reminders(ctx)

    after = [(e.kind, e.text) for e in incident_by_number(ctx, number).incident.timeline]
    assert after == before
    assert incident_by_number(ctx, number).incident.unanswered_reminders == 1
