"""Work that falls due: a policy per kind, one due time per (kind, incident), carried out once.

A kind of due work is one `DueWork` record: when it falls due for an incident (`due_at`, a
small pure function of the incident) and what doing it means (`carry_out`, run in the claiming
transaction; it returns the effects to queue). Bootstrap registers the kinds in the context;
every save plans each kind's due time, and `carry_out_due` claims and does what is due, each
exactly once however many schedulers sweep at the same moment.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from watchkeeper.domain.incident import Incident
from watchkeeper.services.context import Context
from watchkeeper.services.effects import Effect
from watchkeeper.services.ports import UnitOfWork

#: Subjects claimed and carried out per transaction.
BATCH = 500
#: The subject of work about the whole workspace (no incident is numbered 0).
WORKSPACE = 0

#: Does the work for claimed incidents (each with the due time it had) at `now`; persists what
#: it changed through the unit of work and returns the effects to queue.
CarryOut = Callable[
    [Context, UnitOfWork, Sequence[tuple[Incident, datetime]], datetime], list[Effect]
]


@dataclass(frozen=True, slots=True)
class DueWork:
    """One kind of scheduled work about an incident."""

    kind: str
    due_at: Callable[[Context, Incident], datetime | None]
    carry_out: CarryOut


@dataclass(frozen=True, slots=True)
class WorkspaceWork:
    """One kind of scheduled work about the whole workspace (a weekly digest, say)."""

    kind: str
    next_after: Callable[[Context, datetime], datetime | None]
    carry_out: Callable[[Context, UnitOfWork, datetime], list[Effect]]


@dataclass(frozen=True, slots=True)
class Done:
    """Work a sweep carried out: for which incident, the due time it had, when it is next due."""

    kind: str
    number: int
    due_at: datetime
    next_due: datetime | None


def carry_out_due(ctx: Context, work: DueWork, limit: int = BATCH) -> list[Done]:
    """Carry out every `work` due now, `limit` incidents per transaction, each exactly once.

    Claiming, the work's effects and the next due times are one transaction: a destination's
    failure delays the effects but never loses or doubles them.
    """
    done: list[Done] = []
    while True:
        now = ctx.now()
        with ctx.uow() as uow:
            claimed = uow.due.claim(work.kind, now, limit)
            due_at = dict(claimed)
            incidents = uow.incidents.states_of(due_at) if due_at else []
            pairs = [(incident, due_at[incident.number]) for incident in incidents]
            effects = work.carry_out(ctx, uow, pairs, now)
            next_due = [(incident.number, work.due_at(ctx, incident)) for incident in incidents]
            uow.due.replan(work.kind, next_due)
            uow.outbox.add_all(effects, now)
            uow.commit()
        batch = [Done(work.kind, number, due_at[number], after) for number, after in next_due]
        if effects:
            ctx.on_effects()
        done.extend(batch)
        if len(claimed) < limit:
            return done


def plan_workspace_work(ctx: Context, work: WorkspaceWork) -> datetime | None:
    """Make sure `work` is planned (once, however many replicas start); when it is due."""
    with ctx.uow() as uow:
        due = uow.due.when(work.kind, WORKSPACE)
        if due is None:
            due = work.next_after(ctx, ctx.now())
            uow.due.plan(WORKSPACE, {work.kind: due})
            uow.commit()
    return due


def carry_out_workspace_work(ctx: Context, work: WorkspaceWork) -> list[Done]:
    """Carry out `work` if it is due now, exactly once across replicas; plan the next time."""
    now = ctx.now()
    with ctx.uow() as uow:
        claimed = uow.due.claim(work.kind, now, 1, per_incident=False)
        if not claimed:
            return []
        effects = work.carry_out(ctx, uow, now)
        after = work.next_after(ctx, now)
        uow.due.replan(work.kind, [(WORKSPACE, after)])
        uow.outbox.add_all(effects, now)
        uow.commit()
    if effects:
        ctx.on_effects()
    return [Done(work.kind, WORKSPACE, claimed[0][1], after)]


def due_time(ctx: Context, kind: str, subject: int) -> datetime | None:
    """When `kind` next falls due for `subject` (an incident's number, or `WORKSPACE`)."""
    with ctx.uow(read_only=True) as uow:
        return uow.due.when(kind, subject)


def upcoming(ctx: Context, until: datetime) -> list[tuple[str, int, datetime]]:
    """(kind, incident number, due time) of all work due by `until`, for the scheduler."""
    with ctx.uow(read_only=True) as uow:
        return uow.due.upcoming(until)
