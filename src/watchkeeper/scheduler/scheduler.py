"""APScheduler wiring: one in-memory job per due (kind, incident), re-read from the database.

The database is the truth: `due_work` holds when each kind of work (update reminders, and
whatever else is registered in the context) next falls due for each incident. Each replica
keeps its own in-memory APScheduler (job stores are never shared between schedulers) with one
date job per due time, planned when this replica saves an incident and re-read from the
database by a periodic sync, so changes made by other replicas and work that fell due while
the bot was down are found. A job that fires sweeps its kind: it claims in the database every
subject due by then, in batches (a thousand due at once cost a few transactions, not a
thousand), and only the claimer carries each out, so several replicas do each exactly once.
The jobs of subjects a sweep already served return at once. Periodic jobs (housekeeping) are
registered beside them. Times come from the context's clock; APScheduler, which runs on the
machine's, is given each due time as "this long from now" on the context's clock, so a clock
moved ahead (a test, a replayed outage) makes the work it passed due at once.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler

from watchkeeper.services.context import Context
from watchkeeper.services.due import (
    BATCH,
    WORKSPACE,
    carry_out_due,
    carry_out_workspace_work,
    due_time,
    plan_workspace_work,
    upcoming,
)

log = logging.getLogger(__name__)

#: How far ahead the sync plans due work; later work is planned by a later sync.
HORIZON = timedelta(minutes=10)
#: Longest wait between syncs with the database.
MAX_SYNC_EVERY = timedelta(seconds=30)
SYNC_JOB = "sync-due-work"
#: How soon a subject passed over (held by another transaction) is tried again.
HELD_RETRY = timedelta(seconds=1)
#: How much later than the context's clock says a planned job may run before the sync plans it
#: again: the context's clock was moved ahead (a test, a replayed outage) past its due time.
CLOCK_SLACK = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class Periodic:
    """Work done every `every`, first `first_after` after start, by every replica."""

    name: str
    run: Callable[[], None]
    every: timedelta
    first_after: timedelta = timedelta(minutes=1)


def _job_id(kind: str, subject: int) -> str:
    return f"{kind}:{subject}"


class Scheduler:
    """Plans each registered kind of due work per incident, and the periodic jobs."""

    def __init__(
        self,
        ctx: Context,
        *,
        periodic: Sequence[Periodic] = (),
        sync_every: timedelta = MAX_SYNC_EVERY,
        workers: int = 4,
    ) -> None:
        self._ctx = ctx
        self._work = {work.kind: work for work in ctx.due_work}
        self._workspace = {work.kind: work for work in ctx.workspace_work}
        self._periodic = periodic
        self._sync_every = min(sync_every, MAX_SYNC_EVERY)
        # Subjects a sweep served, with the due time it served, whose own job may still come.
        self._swept: dict[tuple[str, int], datetime] = {}
        self._lock = threading.Lock()
        self._scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(workers)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone=UTC,
        )

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running)

    def start(self) -> None:
        """Plan all the work the database knows, then keep in step with it."""
        now = datetime.now(UTC)
        self._scheduler.start()
        self._scheduler.add_job(
            self.sync,
            "interval",
            id=SYNC_JOB,
            seconds=self._sync_every.total_seconds(),
            next_run_time=now,
        )
        for work in self._workspace.values():
            try:
                self.plan(work.kind, WORKSPACE, plan_workspace_work(self._ctx, work))
            except Exception:  # the database may be restarting; the sync plans it later
                log.exception("could not plan %s", work.kind)
        for job in self._periodic:
            self._scheduler.add_job(
                self._guarded(job),
                "interval",
                id=job.name,
                seconds=job.every.total_seconds(),
                next_run_time=now + job.first_after,
            )

    def stop(self) -> None:
        """Stop planning; work being carried out finishes first."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)

    def plan(self, kind: str, subject: int, due_at: datetime | None) -> None:
        """Plan (or, with None, drop) when a subject's work of `kind` falls due."""
        if not self._scheduler.running or (kind not in self._work and kind not in self._workspace):
            return
        if due_at is None:
            with contextlib.suppress(JobLookupError):  # nothing planned: nothing to drop
                self._scheduler.remove_job(_job_id(kind, subject))
            return
        # Work due beyond the horizon (a quiet incident's question a day away, which every
        # entry moves) is left to the sync, which plans it once it is near: a new job now would
        # wake the scheduler's thread from inside a command's ack. A job planned for an earlier
        # time that no longer holds finds nothing due when it fires.
        if due_at - self._ctx.now() > HORIZON:
            return
        # Most saves leave the due time as it was (a note moves no reminder): a look-up, not
        # a new job, for the same reason. A job the context's clock has overtaken (moved ahead)
        # is planned again all the same.
        planned = self._scheduler.get_job(_job_id(kind, subject))
        if (
            planned is not None
            and planned.args == (kind, subject, due_at)
            and not self._late(planned.next_run_time, due_at)
        ):
            return
        self._scheduler.add_job(
            self._fire,
            "date",
            id=_job_id(kind, subject),
            run_date=self._on_the_machines_clock(due_at),
            args=(kind, subject, due_at),
            replace_existing=True,
        )

    def _on_the_machines_clock(self, due_at: datetime) -> datetime:
        return datetime.now(UTC) + (due_at - self._ctx.now())

    def sync(self) -> None:
        """Plan what the database says is due soon (changes by other replicas, missed work)."""
        try:
            due_soon = upcoming(self._ctx, self._ctx.now() + HORIZON)
        except Exception:  # the database may be restarting; the next sync tries again
            log.exception("could not read the work due soon")
            return
        for kind, subject, due_at in due_soon:
            job = self._scheduler.get_job(_job_id(kind, subject))
            if (
                job is None
                or job.args != (kind, subject, due_at)
                or self._late(job.next_run_time, due_at)
            ):
                self.plan(kind, subject, due_at)

    def _late(self, planned: datetime | None, due_at: datetime) -> bool:
        """Whether a job planned for `planned` (machine time) runs later than `due_at` asks."""
        return planned is not None and planned - self._on_the_machines_clock(due_at) > CLOCK_SLACK

    def _fire(self, kind: str, subject: int, due_at: datetime) -> None:
        if kind in self._workspace:
            self._fire_workspace(kind)
            return
        with self._lock:
            if self._swept.pop((kind, subject), None) == due_at:
                return  # a sweep started by another subject's job did this one already
        try:
            done = carry_out_due(self._ctx, self._work[kind], BATCH)
        except Exception:  # keep the scheduler alive; the sync plans it again
            log.exception("could not carry out the %s work due (woken for INC-%s)", kind, subject)
            return
        with self._lock:
            for each in done:
                if each.number != subject:
                    self._swept[(kind, each.number)] = each.due_at
        for each in done:
            self.plan(kind, each.number, each.next_due)
        if all(each.number != subject for each in done):
            self._again_if_held(kind, subject)

    def _again_if_held(self, kind: str, subject: int) -> None:
        """Try a subject the sweep passed over again shortly, if its work is still due.

        A sweep passes over incidents another transaction holds (another kind's sweep at the
        same moment, a command, another replica); when that one commits, the work is either
        done (another replica's sweep) or still due, and then it must not wait for the sync.
        """
        try:
            still = due_time(self._ctx, kind, subject)
        except Exception:  # the sync plans it again
            log.exception("could not read when %s work is due for INC-%s", kind, subject)
            return
        if still is None or still > self._ctx.now():
            self.plan(kind, subject, still)
            return
        self._scheduler.add_job(
            self._fire,
            "date",
            id=_job_id(kind, subject),
            run_date=datetime.now(UTC) + HELD_RETRY,
            args=(kind, subject, still),
            replace_existing=True,
        )

    def _fire_workspace(self, kind: str) -> None:
        try:
            done = carry_out_workspace_work(self._ctx, self._workspace[kind])
        except Exception:  # keep the scheduler alive; the sync plans it again
            log.exception("could not carry out the %s work due", kind)
            return
        for each in done:
            self.plan(kind, WORKSPACE, each.next_due)

    @staticmethod
    def _guarded(job: Periodic) -> Callable[[], None]:
        def run() -> None:
            try:
                job.run()
            except Exception:  # the database may be restarting; the next round tries again
                log.exception("%s failed; it runs again in %s", job.name, job.every)

        return run
