"""Alert groups on real databases: held one delivery at a time, counted for the quiet rule, and
forgotten once quiet and released."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from tests.fixtures.concurrency import run_at_once

from watchkeeper.bootstrap import use_case_context
from watchkeeper.clock import FrozenClock
from watchkeeper.config import load_settings
from watchkeeper.domain.alert_policy import AlertPolicy
from watchkeeper.domain.alerts import Alert, AlertReport
from watchkeeper.services.alerts import receive_alerts
from watchkeeper.services.context import Actor, Context, Request
from watchkeeper.services.housekeeping import forget_old_records
from watchkeeper.services.lifecycle import resolve
from watchkeeper.services.queries import incident_by_number
from watchkeeper.store.migrate import upgrade
from watchkeeper.store.tables import alert_groups

MONDAY = datetime(2025, 11, 24, 8, 0, tzinfo=UTC)
POLICY = AlertPolicy("alertmanager", max_incidents_per_hour=2)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(MONDAY)


@pytest.fixture
def ctx(database_url: str, engine: Engine, clock: FrozenClock) -> Context:
    upgrade(database_url)
    settings = load_settings({"DATABASE_URL": database_url}, env_file=None)
    return use_case_context(settings, engine, clock)


def report(group: str, *firing: str, resolved: tuple[str, ...] = ()) -> AlertReport:
    alerts = tuple(
        Alert(fp, "firing", {"alertname": "Down", "instance": fp}) for fp in firing
    ) + tuple(Alert(fp, "resolved", {"alertname": "Down", "instance": fp}) for fp in resolved)
    status = "firing" if firing else "resolved"
    return AlertReport("alertmanager", group, status, alerts, common_labels={"alertname": "Down"})


def groups(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(alert_groups)) or 0)


def test_a_group_key_of_any_length_is_held(ctx: Context) -> None:
    long_key = "{}/{" + ",".join(f'l{n}="{"v" * 50}"' for n in range(200)) + "}"

    first = receive_alerts(ctx, POLICY, report(long_key, "a"))
    again = receive_alerts(ctx, POLICY, report(long_key, "a"))

    assert (first.outcome, again.outcome) == ("declared", "unchanged")


def test_the_quiet_rule_counts_the_last_hour_only(ctx: Context, clock: FrozenClock) -> None:
    outcomes = [receive_alerts(ctx, POLICY, report(f"g{n}", f"fp{n}")).outcome for n in range(3)]
    clock.advance(timedelta(minutes=61))
    later = receive_alerts(ctx, POLICY, report("g9", "fp9"))

    assert outcomes == ["declared", "declared", "joined"]
    assert later.outcome == "declared"
    assert later.incident == "INC-3"


def test_a_storm_with_no_open_incident_to_join_declares_nothing_until_the_hour_passes(
    ctx: Context, clock: FrozenClock
) -> None:
    for n in range(2):
        receive_alerts(ctx, POLICY, report(f"g{n}", f"fp{n}"))
        resolve(ctx, _in_channel_of(ctx, n + 1), "done")

    quiet = receive_alerts(ctx, POLICY, report("g5", "fp5"))
    repeat = receive_alerts(ctx, POLICY, report("g5", "fp5"))
    clock.advance(timedelta(minutes=61))
    after = receive_alerts(ctx, POLICY, report("g5", "fp5"))

    assert quiet.outcome == "quiet" and "none is open to join" in quiet.reason
    assert repeat.outcome == "quiet"  # the group was not taken in: its repeat may declare later
    assert after.outcome == "declared"


def test_quiet_groups_no_open_incident_holds_are_forgotten_after_a_week(
    ctx: Context, clock: FrozenClock, engine: Engine
) -> None:
    receive_alerts(ctx, POLICY, report("open", "a"))  # INC-1 stays open, its alert resolves
    receive_alerts(ctx, POLICY, report("open", resolved=("a",)))
    receive_alerts(ctx, POLICY, report("done", "b"))  # INC-2 resolved, its alert too
    receive_alerts(ctx, POLICY, report("done", resolved=("b",)))
    resolve(ctx, _in_channel_of(ctx, 2), "over")
    receive_alerts(ctx, POLICY, report("firing", "c"))  # the quiet rule: joins INC-1, firing

    clock.advance(timedelta(days=6))
    assert forget_old_records(ctx).alert_groups == 0
    clock.advance(timedelta(days=2))
    assert forget_old_records(ctx).alert_groups == 1
    assert groups(engine) == 2


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_racing_reports_of_one_group_take_turns(ctx: Context) -> None:
    receive_alerts(ctx, POLICY, report("web", "a"))
    grown = report("web", "a", "b", "c")

    outcomes = run_at_once([lambda: receive_alerts(ctx, POLICY, grown).outcome for _ in range(8)])

    assert sorted(outcomes) == ["recorded"] + ["unchanged"] * 7
    entries = [
        e.text for e in incident_by_number(ctx, 1).incident.timeline if e.kind.value == "alert"
    ]
    assert len(entries) == 2


def _in_channel_of(ctx: Context, number: int) -> Request:
    """A request from the incident's channel (given one, as Slack would have made it)."""
    from watchkeeper.services.outbox import record_channel

    record_channel(ctx, number, f"C{number:04d}", f"inc-{number}")
    return Request(Actor("UANA", "ana"), channel_id=f"C{number:04d}")
