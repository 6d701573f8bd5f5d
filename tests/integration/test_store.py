"""The SQL store on real databases: incidents, bookkeeping, reminders and the outbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, dataclass, fields
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Engine, event
from tests.fixtures.concurrency import run_at_once

from watchkeeper.domain.errors import IncidentNotFound
from watchkeeper.domain.follow_ups import FollowUpState
from watchkeeper.domain.incident import COMMANDER, Incident
from watchkeeper.domain.milestones import Milestone
from watchkeeper.domain.severity import DEFAULT_SCALE
from watchkeeper.domain.status import Status
from watchkeeper.domain.timeline import EntryKind
from watchkeeper.store.unit_of_work import SqlUnitOfWork

UowFactory = Callable[[], SqlUnitOfWork]

T0 = datetime(2025, 11, 24, 8, 8, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class Effect:
    """Stands in for the services' effect: the attributes the outbox reads."""

    kind: str
    incident_number: int | None
    payload: dict[str, Any]
    dedupe_key: str | None = None
    destination: str = "slack"


def declare(uow_factory: UowFactory, at: datetime = T0, title: str = "Checkout errors") -> int:
    with uow_factory() as uow:
        number = uow.incidents.next_number()
        incident = Incident.declare(
            number=number, title=title, severity="SEV2", declared_by="U1", at=at
        )
        uow.incidents.add(incident)
        uow.commit()
    return number


def load(uow_factory: UowFactory, number: int) -> Incident:
    with uow_factory() as uow:
        return uow.incidents.get(number, lock=False)


def pin(incident: Incident, ts: str, at: datetime) -> None:
    incident.add_pinned_message(
        message_ts=ts, text=f"pinned {ts}", author="U9", posted_at=at, permalink=f"https://x/{ts}"
    )


def work_through(incident: Incident) -> None:
    """Give every field of the incident a value other than its default."""
    incident.description = "Deliveries are delayed for US customers."
    incident.change_status(Status.IDENTIFIED, by="U2", at=T0 + 5 * MINUTE, message="Found it")
    incident.change_severity("SEV1", scale=DEFAULT_SCALE, by="U2", at=T0 + 6 * MINUTE)
    incident.assign_role("commander", "U3", by="U2", at=T0 + 7 * MINUTE)
    incident.assign_role("scribe", "U4", by="U3", at=T0 + 8 * MINUTE)
    incident.set_impact("Emails arrive late", by="U3", at=T0 + 9 * MINUTE)
    incident.set_components(("api", "mail-relay"), by="U3", at=T0 + 10 * MINUTE)
    incident.set_cause("A full disk on the relay", by="U3", at=T0 + 11 * MINUTE)
    incident.add_note("Paged storage on-call", by="U4", at=T0 + 12 * MINUTE)
    incident.add_action("Alert on disk usage", owner_id="U5", by="U3", at=T0 + 13 * MINUTE)
    incident.add_action("Write a runbook", owner_id=None, by="U3", at=T0 + 14 * MINUTE)
    incident.set_milestone(Milestone.STARTED, T0 - 30 * MINUTE, by="U3", at=T0 + 15 * MINUTE)
    pin(incident, "1700000000.000100", T0 + 2 * MINUTE)
    incident.change_status(Status.MONITORING, by="U3", at=T0 + 20 * MINUTE)
    incident.resolve(by="U3", at=T0 + 60 * MINUTE, message="Disk cleaned, queue drained")
    incident.publish("pub7Xy-_", "Delayed emails", by="U3", at=T0 + 61 * MINUTE)
    incident.publish_postmortem("A full disk held back mail.", by="U3", at=T0 + 62 * MINUTE)
    incident.make_private(by="U3", at=T0 + 63 * MINUTE)
    incident.channel_id = "C0123"
    incident.channel_name = "inc-1-checkout-errors"
    incident.switch_reminders(interval=timedelta(minutes=45))
    incident.switch_reminders(enabled=False)
    incident.snooze(T0 + 90 * MINUTE)
    incident.record_reminder(T0 + 70 * MINUTE)
    incident.ask_if_still_going(T0 + 50 * MINUTE)
    incident.keep_channel(by="U3", at=T0 + 63 * MINUTE)
    incident.mark_archived(T0 + 64 * MINUTE)


# --- incidents ----------------------------------------------------------------------------


def test_an_incident_with_every_field_set_round_trips(uow_factory: UowFactory) -> None:
    number = declare(uow_factory)
    with uow_factory() as uow:
        incident = uow.incidents.get(number)
        work_through(incident)
        uow.incidents.save(incident)
        uow.commit()

    # Guards the test itself: a field added to Incident must be set here to be checked.
    for field in fields(Incident):
        default = field.default_factory() if field.default_factory is not MISSING else field.default
        if default is not MISSING:
            assert getattr(incident, field.name) != default, f"set {field.name} in work_through"
    assert load(uow_factory, number) == incident


def test_new_timeline_entries_get_ids_and_come_back_in_recorded_order(
    uow_factory: UowFactory,
) -> None:
    number = declare(uow_factory)
    with uow_factory() as uow:
        incident = uow.incidents.get(number)
        incident.add_note("first", by="U1", at=T0 + 10 * MINUTE)
        pin(incident, "1.1", T0 + MINUTE)  # recorded last, happened second
        uow.incidents.save(incident)
        uow.commit()

    ids = [entry.entry_id for entry in incident.timeline]
    assert all(entry_id is not None for entry_id in ids)
    assert ids == sorted(ids, key=lambda entry_id: entry_id or 0)
    assert len(set(ids)) == len(ids)
    assert load(uow_factory, number).timeline == incident.timeline


def test_times_come_back_as_aware_utc(uow_factory: UowFactory) -> None:
    cest = timezone(timedelta(hours=2))
    number = declare(uow_factory, at=datetime(2025, 11, 24, 10, 8, tzinfo=cest))

    loaded = load(uow_factory, number)

    assert loaded.declared_at == T0
    assert loaded.declared_at.tzinfo is UTC
    assert loaded.timeline[0].at.tzinfo is UTC


def test_follow_ups_and_roles_come_back_as_saved_across_commands(
    uow_factory: UowFactory,
) -> None:
    # Roles and follow-ups are read in the incident's own query (as JSON on both databases):
    # every field, every state and each moment must survive it, in order, change after change.
    number = declare(uow_factory)
    cest = timezone(timedelta(hours=2))
    with uow_factory() as uow:
        incident = uow.incidents.get(number)
        incident.assign_role(COMMANDER, "U3", by="U1", at=T0 + MINUTE)
        for n in range(1, 12):  # past nine: numbers must not come back in text order
            incident.add_action(
                f"Step {n}", owner_id=f"U{n}", by="U3", at=T0 + n * MINUTE, due=date(2025, 12, n)
            )
        uow.incidents.save(incident)
        uow.commit()
    with uow_factory() as uow:
        incident = uow.incidents.get(number, history=False)
        incident.assign_role("scribe", "U4", by="U3", at=T0 + 20 * MINUTE)
        incident.assign_role(COMMANDER, "U5", by="U3", at=T0 + 21 * MINUTE)
        incident.complete_action(1, by="U3", at=T0 + 22 * MINUTE)
        incident.drop_action(2, "Covered by step 3", by="U3", at=T0 + 23 * MINUTE)
        incident.reschedule_action(10, date(2026, 1, 5), by="U3", at=T0 + 24 * MINUTE)
        incident.actions[3].owner_zone = "America/Los_Angeles"
        incident.actions[3].last_nudged_at = datetime(2025, 12, 4, 9, 0, 0, 123456, tzinfo=cest)
        uow.incidents.save(incident)
        uow.commit()

    loaded = load(uow_factory, number)
    assert loaded.roles == {COMMANDER: "U5", "scribe": "U4"}
    assert loaded.actions == incident.actions
    assert [action.number for action in loaded.actions] == list(range(1, 12))
    assert loaded.actions[3].last_nudged_at == datetime(2025, 12, 4, 7, 0, 0, 123456, tzinfo=UTC)
    assert loaded.actions[3].last_nudged_at.tzinfo is UTC
    assert loaded.actions[0].added_at.tzinfo is UTC
    assert (loaded.actions[0].state, loaded.actions[1].reason) == (
        FollowUpState.DONE,
        "Covered by step 3",
    )


def test_an_incident_without_roles_or_follow_ups_has_none(uow_factory: UowFactory) -> None:
    number = declare(uow_factory)

    loaded = load(uow_factory, number)
    assert (loaded.roles, loaded.actions) == ({}, [])


def test_an_unpinned_message_is_kept_off_the_timeline(uow_factory: UowFactory) -> None:
    number = declare(uow_factory)
    with uow_factory() as uow:
        incident = uow.incidents.get(number)
        pin(incident, "1.1", T0 + MINUTE)
        pin(incident, "2.2", T0 + 2 * MINUTE)
        uow.incidents.save(incident)
        uow.commit()
    with uow_factory() as uow:
        incident = uow.incidents.get(number)
        incident.remove_pinned_message("1.1")
        uow.incidents.save(incident)
        uow.commit()

    # Kept, marked removed, so that a late pin event does not bring it back.
    loaded = load(uow_factory, number)
    assert [(e.detail.get("message_ts"), e.removed) for e in loaded.timeline[1:]] == [
        ("1.1", True),
        ("2.2", False),
    ]
    shown = loaded.shown_timeline()
    assert [entry.kind for entry in shown] == [EntryKind.DECLARED, EntryKind.PINNED]
    assert shown[1].detail["message_ts"] == "2.2"


def test_racing_declarations_get_distinct_sequential_numbers(uow_factory: UowFactory) -> None:
    threads, each = 10, 5

    def declare_several() -> list[int]:
        return [declare(uow_factory) for _ in range(each)]

    numbers = run_at_once([declare_several] * threads)

    assert sorted(n for batch in numbers for n in batch) == list(range(1, threads * each + 1))


def test_concurrent_changes_to_one_incident_are_all_kept(uow_factory: UowFactory) -> None:
    number = declare(uow_factory)
    threads = 8

    def count_a_reminder() -> None:
        with uow_factory() as uow:
            incident = uow.incidents.get(number)  # locked until commit
            incident.record_reminder(T0 + MINUTE)
            uow.incidents.save(incident)
            uow.commit()

    run_at_once([count_a_reminder] * threads)

    assert load(uow_factory, number).unanswered_reminders == threads


def test_an_unknown_incident_is_not_found(uow_factory: UowFactory) -> None:
    with uow_factory() as uow, pytest.raises(IncidentNotFound, match=r"^No incident INC-7\.$"):
        uow.incidents.get(7)


def test_an_incident_is_found_by_its_channel(uow_factory: UowFactory) -> None:
    number = declare(uow_factory)
    with uow_factory() as uow:
        uow.incidents.set_channel(number, "C042", "inc-1-checkout-errors")
        uow.commit()

    with uow_factory() as uow:
        found = uow.incidents.by_channel("C042")
        assert found is not None
        assert (found.number, found.channel_name) == (number, "inc-1-checkout-errors")
        assert uow.incidents.by_channel("C999") is None


def test_open_incidents_leave_out_resolved_ones(uow_factory: UowFactory) -> None:
    first, second, third = (declare(uow_factory) for _ in range(3))
    with uow_factory() as uow:
        incident = uow.incidents.get(second)
        incident.resolve(by="U1", at=T0 + MINUTE)
        uow.incidents.save(incident)
        uow.commit()

    with uow_factory() as uow:
        assert [i.number for i in uow.incidents.open_incidents()] == [first, third]
        assert [i.number for i in uow.incidents.all_incidents()] == [first, second, third]


def test_open_summaries_are_the_first_open_incidents_with_their_commanders(
    uow_factory: UowFactory,
) -> None:
    first, second, third, fourth = (declare(uow_factory, title=f"Outage {n}") for n in range(4))
    with uow_factory() as uow:
        resolved = uow.incidents.get(second)
        resolved.resolve(by="U1", at=T0 + MINUTE)
        uow.incidents.save(resolved)
        led = uow.incidents.get(third)
        led.assign_role(COMMANDER, "UBEN", by="U1", at=T0 + MINUTE)
        led.assign_role("scribe", "UCARA", by="U1", at=T0 + MINUTE)
        uow.incidents.save(led)
        uow.incidents.set_channel(first, "C1", "inc-1-outage-0")
        uow.commit()

    with uow_factory() as uow:
        assert uow.incidents.count_open() == 3
        shown = uow.incidents.open_summaries(limit=2)

    assert [s.number for s in shown] == [first, third]
    assert [s.reference for s in shown] == [f"INC-{first}", f"INC-{third}"]
    assert [s.commander for s in shown] == [None, "UBEN"]
    assert [s.channel_id for s in shown] == ["C1", None]
    assert shown[0].title == "Outage 0" and shown[0].severity == "SEV2"
    assert shown[0].status.is_open and shown[0].declared_at == T0
    assert fourth not in [s.number for s in shown]


def test_card_timestamps_are_read_with_many_incidents_at_once(uow_factory: UowFactory) -> None:
    posted, unposted = declare(uow_factory), declare(uow_factory)
    with uow_factory() as uow:
        uow.incidents.set_card_ts(posted, "1700000000.000200")
        uow.commit()

    with uow_factory() as uow:
        states, cards = uow.incidents.states_and_cards([posted, unposted])
        assert [incident.number for incident in states] == [posted, unposted]
        assert cards == {posted: "1700000000.000200"}
        # Another read starts afresh: a card of an incident it did not read is not reported.
        assert uow.incidents.states_and_cards([unposted])[1] == {}


def test_listing_incidents_takes_the_same_queries_however_many_there_are(
    uow_factory: UowFactory, engine: Engine
) -> None:
    def queries_to_list() -> int:
        statements: list[str] = []

        def record(*args: Any) -> None:
            statements.append(args[2])

        event.listen(engine, "before_cursor_execute", record)
        try:
            with uow_factory() as uow:
                listed = uow.incidents.all_incidents()
        finally:
            event.remove(engine, "before_cursor_execute", record)
        assert all(len(incident.timeline) == 1 for incident in listed)
        return len(statements)

    declare(uow_factory)
    with_one = queries_to_list()
    for _ in range(4):
        declare(uow_factory)

    assert queries_to_list() == with_one


def test_the_card_timestamp_is_remembered(uow_factory: UowFactory) -> None:
    number = declare(uow_factory)
    with uow_factory() as uow:
        assert uow.incidents.card_ts(number) is None
        uow.incidents.set_card_ts(number, "1700000000.000200")
        uow.commit()

    with uow_factory() as uow:
        assert uow.incidents.card_ts(number) == "1700000000.000200"


def test_a_person_keeps_their_latest_name(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        uow.directory.remember_person("U1", "Ada")
        uow.directory.remember_person("U2", "Grace")
        uow.directory.remember_person("U1", "Ada Lovelace")
        uow.commit()

    with uow_factory() as uow:
        assert uow.directory.names(["U1", "U2", "U3"]) == {"U1": "Ada Lovelace", "U2": "Grace"}


def test_nothing_is_kept_without_commit(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        number = uow.incidents.next_number()
        uow.incidents.add(
            Incident.declare(number=number, title="Lost", severity="SEV3", declared_by="U1", at=T0)
        )

    with uow_factory() as uow:
        assert uow.incidents.all_incidents() == []
        assert uow.incidents.next_number() == number


# --- handled requests ---------------------------------------------------------------------


def test_a_request_key_is_claimed_once(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        assert uow.directory.claim_request("trigger-1", T0) is True
        uow.commit()

    with uow_factory() as uow:
        assert uow.directory.claim_request("trigger-1", T0 + MINUTE) is False


def test_a_refused_request_key_leaves_the_transaction_usable(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        uow.directory.claim_request("trigger-1", T0)
        assert uow.directory.claim_request("trigger-1", T0) is False
        uow.directory.remember_person("U1", "Ada")
        uow.commit()

    with uow_factory() as uow:
        assert uow.directory.names(["U1"]) == {"U1": "Ada"}


# --- reminders ----------------------------------------------------------------------------


def schedule(uow_factory: UowFactory, number: int, due: datetime | None) -> None:
    with uow_factory() as uow:
        uow.due.plan(number, {"remind": due})
        uow.commit()


def due_reminders(uow: Any, until: datetime) -> list[tuple[int, datetime]]:
    return [(n, at) for kind, n, at in uow.due.upcoming(until) if kind == "remind"]


def test_due_reminders_are_those_of_open_incidents_whose_time_has_come(
    uow_factory: UowFactory,
) -> None:
    due, later, resolved = (declare(uow_factory) for _ in range(3))
    schedule(uow_factory, due, T0)
    schedule(uow_factory, later, T0 + 60 * MINUTE)
    with uow_factory() as uow:
        incident = uow.incidents.get(resolved)
        incident.resolve(by="U1", at=T0)
        uow.incidents.save(incident)
        uow.due.plan(resolved, {"remind": None})  # as a save plans it: resolved, never due
        uow.commit()

    with uow_factory() as uow:
        assert due_reminders(uow, T0 + MINUTE) == [(due, T0)]


def test_saving_without_a_reminder_time_keeps_the_scheduled_one(uow_factory: UowFactory) -> None:
    number = declare(uow_factory)
    schedule(uow_factory, number, T0)
    with uow_factory() as uow:
        uow.incidents.save(uow.incidents.get(number))
        uow.commit()

    with uow_factory() as uow:
        assert due_reminders(uow, T0) == [(number, T0)]


def test_a_due_reminder_is_claimed_by_exactly_one_of_racing_callers(
    uow_factory: UowFactory,
) -> None:
    number = declare(uow_factory)
    schedule(uow_factory, number, T0)
    callers = 4

    def claim() -> bool:
        with uow_factory() as uow:
            claimed = uow.due.claim("remind", T0 + MINUTE, limit=10)
            uow.due.replan("remind", [(subject, None) for subject, _ in claimed])
            uow.commit()
        return claimed == [(number, T0)]

    outcomes = run_at_once([claim] * callers)

    assert sorted(outcomes) == [False] * (callers - 1) + [True]


def test_a_rescheduled_reminder_cannot_be_claimed_at_its_old_time(
    uow_factory: UowFactory,
) -> None:
    number = declare(uow_factory)
    schedule(uow_factory, number, T0)
    schedule(uow_factory, number, T0 + 30 * MINUTE)  # a formal update moved the clock

    with uow_factory() as uow:
        assert uow.due.claim("remind", T0 + 20 * MINUTE, limit=10) == []
        claimed = uow.due.claim("remind", T0 + 40 * MINUTE, limit=10)
        assert claimed == [(number, T0 + 30 * MINUTE)]


# --- outbox -------------------------------------------------------------------------------


def enqueue(uow_factory: UowFactory, *effects: Effect, at: datetime = T0) -> None:
    with uow_factory() as uow:
        for effect in effects:
            uow.outbox.add(effect, at)
        uow.commit()


def claim(uow_factory: UowFactory, now: datetime = T0, worker: str = "w1") -> list[str]:
    """Claim and commit; the kinds claimed, in order."""
    with uow_factory() as uow:
        claimed = uow.outbox.claim(worker, now, LEASE, limit=10)
        uow.commit()
    return [effect.kind for effect in claimed]


def settle(uow_factory: UowFactory, how: Callable[[SqlUnitOfWork, int], None]) -> None:
    """Apply `how` to every effect claimed by a fresh claim at T0."""
    with uow_factory() as uow:
        for effect in uow.outbox.claim("w1", T0, LEASE, limit=10):
            how(uow, effect.id)
        uow.commit()


def test_an_incidents_effects_go_out_one_at_a_time_in_order(uow_factory: UowFactory) -> None:
    enqueue(
        uow_factory,
        Effect("create_channel", 1, {}),
        Effect("post_card", 1, {}),
        Effect("create_channel", 2, {}),
        Effect("broadcast", None, {}),
    )
    with uow_factory() as uow:
        first = uow.outbox.claim("w1", T0, LEASE, limit=10)
        held_back = uow.outbox.claim("w2", T0, LEASE, limit=10)
        for effect in first:
            uow.outbox.complete([effect.id], T0)
        uow.commit()

    assert [effect.kind for effect in first] == ["create_channel", "create_channel", "broadcast"]
    assert held_back == []
    assert claim(uow_factory) == ["post_card"]


@pytest.mark.parametrize("count", [3, 40])  # one INSERT of a few rows; a batch of many
def test_a_commands_effects_are_queued_at_once_in_order_each_key_once(
    uow_factory: UowFactory, count: int
) -> None:
    announcements = [Effect("announce", 1, {"n": n}) for n in range(count)]
    card = Effect("update_card", 1, {"n": "card"}, dedupe_key="card:1")
    pending_card = Effect("update_card", 2, {"n": "pending"}, dedupe_key="card:2")
    enqueue(uow_factory, pending_card)
    with uow_factory() as uow:
        # The keyed ones go after the rest; a key already pending (or given twice) adds nothing.
        uow.outbox.add_all([card, *announcements, card, pending_card], T0)
        uow.commit()

    delivered = []
    with uow_factory() as uow:
        while claimed := uow.outbox.claim("w1", T0, LEASE, limit=100):
            delivered += [(e.incident_number, e.payload["n"]) for e in claimed]
            uow.outbox.complete([e.id for e in claimed], T0)
        uow.commit()
    assert [n for incident, n in delivered if incident == 1] == [*range(count), "card"]
    assert [n for incident, n in delivered if incident == 2] == ["pending"]


def test_an_effect_waiting_to_retry_holds_back_its_incident(uow_factory: UowFactory) -> None:
    enqueue(uow_factory, Effect("create_channel", 1, {}), Effect("post_card", 1, {}))
    settle(uow_factory, lambda uow, id_: uow.outbox.retry_later(id_, "ratelimited", T0 + MINUTE))

    assert claim(uow_factory, now=T0 + MINUTE / 2) == []
    with uow_factory() as uow:
        retried = uow.outbox.claim("w1", T0 + MINUTE, LEASE, limit=10)
    assert [(effect.kind, effect.attempts) for effect in retried] == [("create_channel", 1)]


def test_giving_up_on_an_effect_releases_its_incidents_queue(uow_factory: UowFactory) -> None:
    enqueue(uow_factory, Effect("create_channel", 1, {}), Effect("post_card", 1, {}))
    settle(uow_factory, lambda uow, id_: uow.outbox.give_up(id_, "name_taken", T0))

    assert claim(uow_factory) == ["post_card"]


def test_a_claimed_effect_is_handed_out_again_only_after_its_lease(
    uow_factory: UowFactory,
) -> None:
    enqueue(uow_factory, Effect("broadcast", None, {"text": "hi"}))

    assert claim(uow_factory, worker="w1") == ["broadcast"]
    assert claim(uow_factory, now=T0 + LEASE - MINUTE, worker="w2") == []
    assert claim(uow_factory, now=T0 + LEASE, worker="w2") == ["broadcast"]


def test_two_workers_never_claim_the_same_effect(uow_factory: UowFactory) -> None:
    count = 40
    enqueue(uow_factory, *(Effect(f"post-{i}", None, {"i": i}) for i in range(count)))

    def work(worker: str) -> list[int]:
        claimed: list[int] = []
        while True:
            with uow_factory() as uow:
                batch = uow.outbox.claim(worker, T0, LEASE, limit=3)
                uow.commit()
            if not batch:
                return claimed
            claimed.extend(effect.id for effect in batch)

    first, second = run_at_once([lambda: work("w1"), lambda: work("w2")])

    assert set(first).isdisjoint(second)
    assert len(first) + len(second) == count


def test_an_effect_whose_dedupe_key_is_pending_is_skipped(uow_factory: UowFactory) -> None:
    card = Effect("update_card", 1, {}, dedupe_key="card:1")
    enqueue(uow_factory, card)

    with uow_factory() as uow:
        assert uow.outbox.add(card, T0) is False
        assert uow.outbox.pending_count() == 1


def test_a_delivered_effect_frees_its_dedupe_key(uow_factory: UowFactory) -> None:
    card = Effect("update_card", 1, {}, dedupe_key="card:1")
    enqueue(uow_factory, card)
    settle(uow_factory, lambda uow, id_: uow.outbox.complete([id_], T0))

    with uow_factory() as uow:
        assert uow.outbox.add(card, T0 + MINUTE) is True
        assert uow.outbox.pending_count() == 1


def test_a_claimed_effect_no_longer_absorbs_a_later_one(uow_factory: UowFactory) -> None:
    # The claimed card refresh may have read the incident already: a later change needs its own.
    card = Effect("update_card", 1, {}, dedupe_key="card:1")
    enqueue(uow_factory, card)
    with uow_factory() as uow:
        uow.outbox.claim("w1", T0, LEASE, limit=10)
        uow.commit()

    with uow_factory() as uow:
        assert uow.outbox.add(card, T0 + MINUTE) is True
        assert uow.outbox.pending_count() == 2


def test_next_ready_at_is_the_earliest_retry_or_lease_end(uow_factory: UowFactory) -> None:
    enqueue(uow_factory, Effect("create_channel", 1, {}), Effect("broadcast", None, {}))
    with uow_factory() as uow:
        first, second = uow.outbox.claim("w1", T0, LEASE, limit=10)
        uow.outbox.retry_later(first.id, "timeout", T0 + 10 * MINUTE)
        uow.commit()

    with uow_factory() as uow:
        assert uow.outbox.next_ready_at() == T0 + LEASE
        uow.outbox.complete([second.id], T0)
        assert uow.outbox.next_ready_at() == T0 + 10 * MINUTE
        uow.outbox.complete([first.id], T0)
        assert uow.outbox.next_ready_at() is None


def test_an_effect_claimed_again_after_its_lease_ran_out_says_so(uow_factory: UowFactory) -> None:
    enqueue(uow_factory, Effect("broadcast", None, {}))
    with uow_factory() as uow:
        [first] = uow.outbox.claim("w1", T0, LEASE, limit=10)
        uow.commit()
    with uow_factory() as uow:
        [again] = uow.outbox.claim("w2", T0 + LEASE, LEASE, limit=10)
        uow.outbox.retry_later(again.id, "timeout", T0 + LEASE)
        uow.commit()
    with uow_factory() as uow:
        [retried] = uow.outbox.claim("w3", T0 + LEASE, LEASE, limit=10)

    assert (first.reclaimed, again.reclaimed, retried.reclaimed) == (False, True, False)


def test_only_the_holder_of_a_lease_renews_it(uow_factory: UowFactory) -> None:
    enqueue(uow_factory, Effect("create_channel", 1, {}), Effect("create_channel", 2, {}))
    with uow_factory() as uow:
        first, second = uow.outbox.claim("w1", T0, LEASE, limit=10)
        uow.outbox.complete([second.id], T0)
        assert uow.outbox.renew("w2", [first.id], T0 + MINUTE, LEASE) == 0
        assert uow.outbox.renew("w1", [first.id, second.id], T0 + MINUTE, LEASE) == 1
        uow.commit()

    assert claim(uow_factory, now=T0 + LEASE, worker="w2") == []
    assert claim(uow_factory, now=T0 + MINUTE + LEASE, worker="w2") == ["create_channel"]


def test_progress_remembered_by_a_delivery_is_in_the_payload_of_the_next_claim(
    uow_factory: UowFactory,
) -> None:
    enqueue(uow_factory, Effect("publish_reports", 1, {"a": 1}))
    with uow_factory() as uow:
        [first] = uow.outbox.claim("w1", T0, LEASE, limit=10)
        uow.outbox.remember(first.id, {**first.payload, "uploaded_files": ["F1", "F2"]})
        uow.outbox.retry_later(first.id, "timeout", T0)
        uow.commit()
    with uow_factory() as uow:
        [retried] = uow.outbox.claim("w1", T0, LEASE, limit=10)

    assert retried.payload == {"a": 1, "uploaded_files": ["F1", "F2"]}
    assert retried.attempts == 1


# --- saving what changed --------------------------------------------------------------------


def test_an_incident_changed_without_its_history_keeps_its_earlier_timeline_and_pins(
    uow_factory: UowFactory,
) -> None:
    number = declare(uow_factory)
    with uow_factory() as uow:
        incident = uow.incidents.get(number)
        incident.add_pinned_message(
            message_ts="1763971800.000100",
            text="Queue at 48k",
            author="UBEN",
            posted_at=T0,
            permalink="https://acme.slack.com/archives/C1/p1763971800000100",
        )
        incident.add_action("Alert on queue depth", owner_id="UBEN", by="UANA", at=T0)
        uow.incidents.save(incident)
        uow.commit()
    with uow_factory() as uow:
        partial = uow.incidents.get(incident.number, history=False)
        assert partial.timeline == []
        partial.add_note("Queue depth falling", by="UANA", at=T0 + MINUTE)
        partial.add_action("Canary config pushes", owner_id=None, by="UANA", at=T0 + MINUTE)
        partial.assign_role("commander", "UBEN", by="UANA", at=T0 + MINUTE)
        uow.incidents.save(partial)
        uow.commit()
    with uow_factory() as uow:
        stored = uow.incidents.get(incident.number)
    kinds = [entry.kind for entry in stored.timeline]
    assert kinds.count(EntryKind.PINNED) == 1
    assert kinds[-3:] == [EntryKind.NOTE, EntryKind.ACTION, EntryKind.ROLE_ASSIGNED]
    assert len(stored.timeline) == len(incident.timeline) + 3
    assert [a.text for a in stored.actions] == ["Alert on queue depth", "Canary config pushes"]
    assert stored.roles["commander"] == "UBEN"


def test_a_user_who_changes_name_is_stored_under_the_new_one(uow_factory: UowFactory) -> None:
    for name in ("ana", "ana", "ana.b"):
        with uow_factory() as uow:
            uow.directory.remember_person("UANA", name)
            uow.commit()
    with uow_factory() as uow:
        assert uow.directory.names(["UANA"]) == {"UANA": "ana.b"}
