"""Follow-up nudges and the weekly digest on real databases: once per due time, across replicas
and restarts, none for follow-ups done or dropped.

As in `test_reminders`, the scheduler is left out: each test sweeps (`carry_out_due`) as the
scheduler's job does, with a FrozenClock moved by hand, and reads the outbox the nudges go into.
Monday 30 Nov 2026, 09:00 UTC; follow-ups fall due on Wednesday 2 Dec, nudged at 10:00.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select
from tests.fixtures.concurrency import run_at_once

from watchkeeper.bootstrap import use_case_context
from watchkeeper.clock import FrozenClock
from watchkeeper.config import Settings
from watchkeeper.services import follow_ups, privacy
from watchkeeper.services.context import Actor, Context, Request
from watchkeeper.services.declare import declare_incident
from watchkeeper.services.due import carry_out_due, carry_out_workspace_work, plan_workspace_work
from watchkeeper.services.facts import assign_role
from watchkeeper.services.follow_ups import DIGEST, NUDGES
from watchkeeper.services.lifecycle import resolve
from watchkeeper.services.outbox import record_channel
from watchkeeper.services.queries import incident_by_number
from watchkeeper.store.database import make_engine
from watchkeeper.store.tables import outbox

MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
WEDNESDAY = date(2026, 12, 2)
ANA = Actor("UANA", "ana")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in December 2026 (day 30 is in November), in UTC."""
    return datetime(2026, 11 if day == 30 else 12, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(MONDAY)


def declare(ctx: Context, title: str = "Checkout errors") -> int:
    number = declare_incident(ctx, Request(ANA), title=title).number
    record_channel(ctx, number, f"C{number:04d}", f"inc-{number}")
    return number


def in_channel(number: int, actor: Actor = ANA) -> Request:
    return Request(actor, channel_id=f"C{number:04d}")


def agree(
    ctx: Context, number: int, owner: str | None = "UBEN", due: date | None = WEDNESDAY
) -> int:
    """Agree a follow-up in incident `number`; its number."""
    incident = follow_ups.add(ctx, in_channel(number), "Alert on queue depth", owner, due)
    return incident.actions[-1].number


def nudges(engine: Engine, number: int | None = None) -> list[dict[str, Any]]:
    """The payloads of the direct messages queued, oldest first."""
    query = select(outbox.c.payload).where(outbox.c.kind == "direct_message").order_by(outbox.c.id)
    if number is not None:
        query = query.where(outbox.c.incident_number == number)
    with engine.connect() as connection:
        return [dict(row.payload) for row in connection.execute(query)]


def digests(engine: Engine) -> list[dict[str, Any]]:
    query = select(outbox.c.payload).where(outbox.c.kind == "digest").order_by(outbox.c.id)
    with engine.connect() as connection:
        return [dict(row.payload) for row in connection.execute(query)]


def sweep(ctx: Context, limit: int = 500) -> list[int]:
    """Carry out the nudges due, as the scheduler's job does; the incidents served."""
    return [done.number for done in carry_out_due(ctx, NUDGES, limit)]


def test_the_owner_is_nudged_once_on_the_due_day_at_ten(
    ctx: Context, engine: Engine, clock: FrozenClock
) -> None:
    number = declare(ctx)
    agree(ctx, number)

    clock.set(at(2, 9, 59))
    assert sweep(ctx) == []
    clock.set(at(2, 10))
    assert sweep(ctx) == [number]
    assert sweep(ctx) == []

    assert nudges(engine) == [{"about": "nudge", "user": "UBEN", "action": 1}]


def test_an_overdue_follow_up_is_nudged_again_each_week(
    ctx: Context, engine: Engine, clock: FrozenClock
) -> None:
    number = declare(ctx)
    agree(ctx, number)
    for day in (2, 9, 16):
        clock.set(at(day, 10))
        assert sweep(ctx) == [number]
        clock.set(at(day, 12))
        assert sweep(ctx) == []

    assert len(nudges(engine)) == 3


def test_follow_ups_done_or_dropped_are_not_nudged(
    ctx: Context, engine: Engine, clock: FrozenClock
) -> None:
    number = declare(ctx)
    first, second = agree(ctx, number), agree(ctx, number)
    follow_ups.complete(ctx, in_channel(number), first)
    follow_ups.drop(ctx, in_channel(number), second, "the new queue replaces it")

    clock.set(at(2, 10))
    assert sweep(ctx) == []
    assert nudges(engine) == []


def test_follow_ups_change_after_the_incident_is_resolved(
    ctx: Context, engine: Engine, clock: FrozenClock
) -> None:
    number = declare(ctx)
    resolve(ctx, in_channel(number), "Rolled back")
    action = agree(ctx, number)
    follow_ups.reschedule(ctx, in_channel(number), action, date(2026, 12, 7))

    clock.set(at(2, 10))
    assert sweep(ctx) == []
    clock.set(at(7, 10))
    assert sweep(ctx) == [number]
    incident = incident_by_number(ctx, number).incident
    assert incident.actions[0].due == date(2026, 12, 7)


def test_without_an_owner_the_commander_is_nudged(
    ctx: Context, engine: Engine, clock: FrozenClock
) -> None:
    number = declare(ctx)
    assign_role(ctx, in_channel(number), "commander", "UCARA")
    agree(ctx, number, owner=None)

    clock.set(at(2, 10))
    sweep(ctx)
    assert [n["user"] for n in nudges(engine)] == ["UCARA"]


def test_a_follow_up_already_due_when_agreed_is_nudged_at_once(
    ctx: Context, engine: Engine, clock: FrozenClock
) -> None:
    number = declare(ctx)
    clock.set(at(30, 11))  # Monday, after the 10:00 nudge hour
    agree(ctx, number, due=date(2026, 11, 30))

    assert sweep(ctx) == [number]
    assert sweep(ctx) == []
    assert len(nudges(engine)) == 1


def test_a_new_owner_is_told_at_once_of_an_overdue_follow_up(
    ctx: Context, engine: Engine, clock: FrozenClock
) -> None:
    number = declare(ctx)
    action = agree(ctx, number)
    clock.set(at(2, 10))
    sweep(ctx)
    clock.set(at(3, 15))
    follow_ups.reassign(ctx, in_channel(number), action, "UCARA")

    assert sweep(ctx) == [number]
    assert [n["user"] for n in nudges(engine)] == ["UBEN", "UCARA"]


def test_the_owners_time_zone_moves_the_nudge_to_their_morning(
    ctx: Context, engine: Engine, clock: FrozenClock
) -> None:
    number = declare(ctx)
    action = agree(ctx, number)
    follow_ups.learn_owner_zone(ctx, number, action, "UBEN", "America/Los_Angeles")

    clock.set(at(2, 10))  # 02:00 in Los Angeles
    assert sweep(ctx) == []
    clock.set(at(2, 18))  # 10:00 there
    assert sweep(ctx) == [number]


def test_nudges_missed_while_down_are_sent_once_after(
    settings: Settings, ctx: Context, engine: Engine, clock: FrozenClock
) -> None:
    numbers = [declare(ctx, f"Checkout errors {n}") for n in range(3)]
    for number in numbers:
        agree(ctx, number)

    # Down from Monday to the 20th: the due-day nudge and the next weekly one were missed.
    clock.set(at(20, 9))
    restarted = use_case_context(settings, make_engine(settings.database_url), clock)
    assert sorted(sweep(restarted)) == numbers
    assert sweep(restarted) == []
    for number in numbers:
        assert len(nudges(engine, number)) == 1, f"INC-{number}"
    # The next is a week after the due day's weekday, not one per missed week.
    clock.set(at(23, 10))
    assert sorted(sweep(restarted)) == numbers


def test_replicas_sweeping_at_once_nudge_each_owner_once(
    ctx: Context, second_replica: Context, engine: Engine, clock: FrozenClock
) -> None:
    numbers = [declare(ctx, f"Checkout errors {n}") for n in range(30)]
    for number in numbers:
        agree(ctx, number)
    clock.set(at(2, 10))

    first, second = run_at_once(
        [lambda replica=replica: sweep(replica, limit=4) for replica in (ctx, second_replica)]
    )

    assert sorted(first + second) == numbers
    for number in numbers:
        assert len(nudges(engine, number)) == 1, f"INC-{number}"


def test_the_weekly_digest_goes_out_once_across_replicas_with_the_overdue_ones(
    ctx: Context, second_replica: Context, engine: Engine, clock: FrozenClock
) -> None:
    overdue = declare(ctx, "Overdue")
    agree(ctx, overdue)
    on_time = declare(ctx, "Not yet due")
    agree(ctx, on_time, due=date(2026, 12, 31))
    done = declare(ctx, "Done")
    follow_ups.complete(ctx, in_channel(done), agree(ctx, done))
    secret = declare(ctx, "Leaked key")  # private: the workspace does not read of it
    agree(ctx, secret)
    privacy.make_private(ctx, in_channel(secret))
    planned = {plan_workspace_work(replica, DIGEST) for replica in (ctx, second_replica)}
    assert planned == {at(7, 9)}  # next Monday at 09:00, planned once

    clock.set(at(7, 9))
    run_at_once(
        [lambda r=replica: carry_out_workspace_work(r, DIGEST) for replica in (ctx, second_replica)]
    )

    [digest] = digests(engine)
    assert digest["on"] == "2026-12-07"
    assert [(item["incident"], item["action"]) for item in digest["overdue"]] == [(overdue, 1)]
    assert plan_workspace_work(ctx, DIGEST) == at(7, 9) + timedelta(days=7)
