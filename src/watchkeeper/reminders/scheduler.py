"""APScheduler wiring: one in-memory job per incident's next reminder, re-read from the database.

The database is the truth: every incident row holds when its next reminder is due. Each
replica keeps its own in-memory APScheduler (job stores are never shared between schedulers)
with one date job per incident, planned when this replica changes an incident and re-read from
the database by a periodic sync, so changes made by other replicas and reminders that fell due
while the bot was down are found. A job that fires claims the reminder in the database first;
only the winner sends it, so several replicas send each due reminder exactly once.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler

from watchkeeper.services.context import Context
from watchkeeper.services.reminders import send_reminder, upcoming_reminders

log = logging.getLogger(__name__)

#: How far ahead the sync plans reminders; later ones are planned by a later sync.
HORIZON = timedelta(minutes=10)
#: Longest wait between syncs with the database.
MAX_SYNC_EVERY = timedelta(seconds=30)
SYNC_JOB = "sync-reminders"


def _job_id(number: int) -> str:
    return f"remind:{number}"


class ReminderScheduler:
    """Plans each open incident's next reminder and sends it when due."""

    def __init__(
        self, ctx: Context, *, sync_every: timedelta = MAX_SYNC_EVERY, workers: int = 4
    ) -> None:
        self._ctx = ctx
        self._sync_every = min(sync_every, MAX_SYNC_EVERY)
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

    def _fire(self, number: int, due_at: datetime) -> None:
        try:
            sent, next_due = send_reminder(self._ctx, number, due_at)
        except Exception:  # keep the scheduler alive; the sync plans it again
            log.exception("could not send the reminder for INC-%s", number)
            return
        if sent:
            self.plan(number, next_due)
