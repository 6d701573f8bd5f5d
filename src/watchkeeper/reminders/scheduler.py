"""APScheduler wiring: one in-memory job per incident's next reminder, re-read from the database.

The database is the truth: every incident row holds when its next reminder is due. Each
replica keeps its own in-memory APScheduler (job stores are never shared between schedulers)
with one date job per incident, planned when this replica changes an incident and re-read from
the database by a periodic sync, so changes made by other replicas and reminders that fell due
while the bot was down are found. A job that fires sweeps: it claims in the database every
reminder due by then, in batches (so a thousand falling due at once cost a few transactions,
not a thousand), and only the claimer sends each, so several replicas send each due reminder
exactly once. The jobs of incidents a sweep already served return at once.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler

from watchkeeper.services.context import Context
from watchkeeper.services.housekeeping import forget_old_records
from watchkeeper.services.reminders import send_due_reminders, upcoming_reminders

log = logging.getLogger(__name__)

#: How far ahead the sync plans reminders; later ones are planned by a later sync.
HORIZON = timedelta(minutes=10)
#: Longest wait between syncs with the database.
MAX_SYNC_EVERY = timedelta(seconds=30)
SYNC_JOB = "sync-reminders"
#: Incidents whose reminders one transaction claims and queues.
SWEEP_BATCH = 500
HOUSEKEEPING_JOB = "housekeeping"
#: How often old request keys and settled effects are forgotten (see services.housekeeping).
HOUSEKEEPING_EVERY = timedelta(hours=1)


def _job_id(number: int) -> str:
    return f"remind:{number}"


class ReminderScheduler:
    """Plans each open incident's next reminder and sends it when due."""

    def __init__(
        self, ctx: Context, *, sync_every: timedelta = MAX_SYNC_EVERY, workers: int = 4
    ) -> None:
        self._ctx = ctx
        self._sync_every = min(sync_every, MAX_SYNC_EVERY)
        # Incidents a sweep served, with the due time it served, whose own job may still come.
        self._swept: dict[int, datetime] = {}
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
        """Plan every reminder the database knows, then keep in step with it."""
        self._scheduler.start()
        self._scheduler.add_job(
            self.sync,
            "interval",
            id=SYNC_JOB,
            seconds=self._sync_every.total_seconds(),
            next_run_time=datetime.now(UTC),
        )
        self._scheduler.add_job(
            self.housekeeping,
            "interval",
            id=HOUSEKEEPING_JOB,
            seconds=HOUSEKEEPING_EVERY.total_seconds(),
            next_run_time=datetime.now(UTC) + timedelta(minutes=1),
        )

    def stop(self) -> None:
        """Stop planning; a reminder being sent finishes first."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)

    def plan(self, number: int, due_at: datetime | None) -> None:
        """Plan (or, with None, drop) an incident's next reminder."""
        if not self._scheduler.running:
            return
        if due_at is None:
            with contextlib.suppress(JobLookupError):  # nothing planned: nothing to drop
                self._scheduler.remove_job(_job_id(number))
            return
        self._scheduler.add_job(
            self._fire,
            "date",
            id=_job_id(number),
            run_date=due_at,
            args=(number, due_at),
            replace_existing=True,
        )

    def sync(self) -> None:
        """Plan what the database says is due soon (changes by other replicas, missed ones)."""
        try:
            upcoming = upcoming_reminders(self._ctx, self._ctx.now() + HORIZON)
        except Exception:  # the database may be restarting; the next sync tries again
            log.exception("could not read upcoming reminders")
            return
        for number, due_at in upcoming:
            job = self._scheduler.get_job(_job_id(number))
            if job is None or job.args != (number, due_at):
                self.plan(number, due_at)

    def housekeeping(self) -> None:
        """Forget request keys and settled effects past their use (the scheduler's other job)."""
        try:
            forgotten = forget_old_records(self._ctx)
        except Exception:  # the database may be restarting; the next round tries again
            log.exception("could not forget old records")
            return
        if forgotten.request_keys or forgotten.settled_effects:
            log.info(
                "forgot %s handled request keys and %s settled effects",
                forgotten.request_keys,
                forgotten.settled_effects,
            )

    def _fire(self, number: int, due_at: datetime) -> None:
        with self._lock:
            if self._swept.pop(number, None) == due_at:
                return  # a sweep started by another incident's job sent this one already
        try:
            sent = send_due_reminders(self._ctx, SWEEP_BATCH)
        except Exception:  # keep the scheduler alive; the sync plans it again
            log.exception("could not send the reminders due (woken for INC-%s)", number)
            return
        with self._lock:
            for reminder in sent:
                if reminder.number != number:
                    self._swept[reminder.number] = reminder.due_at
        for reminder in sent:
            self.plan(reminder.number, reminder.next_due)
