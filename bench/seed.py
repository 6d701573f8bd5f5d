"""Filling a database fast: many open incidents with channels, or one with a long timeline.

Seeding is set-up, not what is measured, so incidents are written in bulk straight into the
store's tables (the rows are the store's own mapping of domain objects built with the domain's
own methods) instead of one unit of work per incident.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, update
from sqlalchemy.engine import Connection

from watchkeeper.bootstrap import offline_context
from watchkeeper.config import load_settings
from watchkeeper.domain.incident import Incident
from watchkeeper.domain.milestones import Milestone
from watchkeeper.domain.status import Status
from watchkeeper.services.context import Context
from watchkeeper.store.database import make_engine
from watchkeeper.store.directory import SqlDirectory
from watchkeeper.store.mapping import action_values, entry_values, incident_values
from watchkeeper.store.migrate import upgrade
from watchkeeper.store.repository import SqlIncidentRepository
from watchkeeper.store.statements import INCIDENT_COUNTER
from watchkeeper.store.tables import actions, counters, due_work, incidents, timeline_entries

#: Rows written per statement batch.
BATCH = 1000
#: The people of the Slack stand-in, who type the commands.
PEOPLE = {"UANA": "ana", "UBEN": "ben", "UCARA": "cara", "UDEV": "dev"}


def context_for(database_url: str, settings: Mapping[str, str] | None = None) -> Context:
    """A migrated database and the use cases' context over it (no Slack), with `settings` (the
    variables a benchmarked server is given, such as `WATCHKEEPER_CONFIG`)."""
    upgrade(database_url)
    environ = {"DATABASE_URL": database_url, **(settings or {})}
    return offline_context(load_settings(environ, env_file=None))


@contextmanager
def transaction(database_url: str) -> Iterator[Connection]:
    """A connection to the database, its transaction committed at the end of the block."""
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            yield connection
    finally:
        engine.dispose()


def reminder_interval(ctx: Context) -> timedelta:
    """The interval after which an incident of the default severity is reminded."""
    probe = Incident.declare(
        number=0,
        title="probe",
        severity=ctx.scale.default,
        declared_by="UANA",
        at=datetime.now(UTC),
    )
    return ctx.reminders.interval_for(probe)


def open_incidents(
    ctx: Context,
    database_url: str,
    channels: Sequence[tuple[str, str]],
    declared_at: datetime,
    *,
    furnish: Callable[[int, Incident], None] | None = None,
) -> list[int]:
    """One open incident per (channel ID, channel name), declared at `declared_at`.

    `furnish(position, incident)`, where given, changes each new incident (by its position in
    `channels`) through domain methods before it is stored: follow-ups, say. Each incident's
    due work is stored as the context's policies compute it (the next reminder one interval
    after `declared_at`). Returns the incident numbers in the order of `channels`.
    """
    with transaction(database_url) as connection:
        repository = SqlIncidentRepository(connection)
        first = repository.next_number()
        numbers = list(range(first, first + len(channels)))
        for start in range(0, len(channels), BATCH):
            built: list[Incident] = []
            for position, (number, (channel_id, channel_name)) in enumerate(
                zip(numbers[start : start + BATCH], channels[start : start + BATCH], strict=True),
                start,
            ):
                incident = Incident.declare(
                    number=number,
                    title=f"Bench incident {number}",
                    severity=ctx.scale.default,
                    declared_by="UANA",
                    at=declared_at,
                )
                incident.channel_id, incident.channel_name = channel_id, channel_name
                if furnish is not None:
                    furnish(position, incident)
                built.append(incident)
            ids = connection.scalars(
                insert(incidents).returning(incidents.c.id, sort_by_parameter_order=True),
                [{**incident_values(i), "updated_at": declared_at} for i in built],
            ).all()
            # Every kind of due work the bot registers, as its policy plans it for a new incident.
            due = [
                {
                    "kind": work.kind,
                    "subject": incident.number,
                    "due_at": work.due_at(ctx, incident),
                }
                for incident in built
                for work in ctx.due_work
            ]
            if due:
                connection.execute(insert(due_work), due)
            agreed = [
                action_values(incident_id, action)
                for incident_id, incident in zip(ids, built, strict=True)
                for action in incident.actions
            ]
            if agreed:
                connection.execute(insert(actions), agreed)
            connection.execute(
                insert(timeline_entries),
                [
                    entry_values(incident_id, entry)
                    for incident_id, incident in zip(ids, built, strict=True)
                    for entry in incident.timeline
                ],
            )
        connection.execute(
            update(counters).where(counters.c.name == INCIDENT_COUNTER).values(value=numbers[-1])
        )
        _remember_people(connection)
    return numbers


def long_incident(ctx: Context, database_url: str, entries: int, *, declared_at: datetime) -> int:
    """A resolved incident with `entries` timeline entries of the common kinds."""
    step = timedelta(seconds=2)
    at = declared_at
    with transaction(database_url) as connection:
        repository = SqlIncidentRepository(connection)
        number = repository.next_number()
        incident = Incident.declare(
            number=number,
            title="Checkout errors for a subset of EU customers",
            severity=ctx.scale.default,
            declared_by="UANA",
            at=at,
            description="Card payments fail with a 502 for some customers.",
        )
        incident.assign_role("commander", "UBEN", by="UANA", at=at)
        incident.set_milestone(Milestone.STARTED, at - timedelta(minutes=20), by="UANA", at=at)
        statuses = [Status.IDENTIFIED, Status.MONITORING, Status.INVESTIGATING]
        people = list(PEOPLE)
        while len(incident.timeline) < entries - 3:
            at += step
            n = len(incident.timeline)
            who = people[n % len(people)]
            turn = n % 50
            if turn == 0:
                status = statuses[(n // 50) % len(statuses)]
                if status is not incident.status:
                    incident.change_status(status, by=who, at=at, message=f"Status change {n}.")
                    continue
            if turn == 10:
                incident.post_update(f"Update {n}: error rate is 2% and falling.", by=who, at=at)
            elif turn == 20:
                incident.set_impact(f"Impact {n}: 2% of EU card payments fail.", by=who, at=at)
            elif turn == 30:
                incident.add_action(
                    f"Action {n}: alert on 502s from the PSP.", owner_id=who, by=who, at=at
                )
            else:
                incident.add_note(f"Note {n}: read the gateway logs & <pods>.", by=who, at=at)
        incident.set_cause("A certificate rotation broke the PSP connection.", by="UBEN", at=at)
        incident.set_components(("checkout", "payments"), by="UBEN", at=at)
        incident.resolve(by="UBEN", at=at + step, message="Payments succeed again.")
        repository.add(incident)
        _remember_people(connection)
    return number


def _remember_people(connection: Connection) -> None:
    """The seeded people's names, as reports show them."""
    directory = SqlDirectory(connection)
    for user_id, name in PEOPLE.items():
        directory.remember_person(user_id, name)
