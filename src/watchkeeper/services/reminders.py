"""Use cases for update reminders: a cadence per incident, snoozing, and sending one when due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from watchkeeper.domain.errors import IncidentError
from watchkeeper.domain.incident import Incident
from watchkeeper.domain.reminders import ESCALATE_TO_BROADCAST
from watchkeeper.services.changes import apply_change
from watchkeeper.services.context import Context, Request
from watchkeeper.services.effects import Effect, EffectKind


def set_reminders(
    ctx: Context, request: Request, *, enabled: bool | None, interval: timedelta | None
) -> Incident:
    """Switch this incident's reminders on or off, or give it its own interval."""

    def change(incident: Incident, now: datetime) -> None:
        if not incident.is_open:
            raise IncidentError(f"{incident.reference} is resolved; it gets no reminders.")
        incident.switch_reminders(enabled=enabled, interval=interval)

    return apply_change(
        ctx, request, change, notice=lambda incident: _reminder_notice(ctx, incident)
    )


def snooze_reminders(ctx: Context, request: Request, duration: timedelta) -> Incident:
    """No reminder for this incident until `duration` from now."""

    def change(incident: Incident, now: datetime) -> None:
        if not incident.is_open:
            raise IncidentError(f"{incident.reference} is resolved; it gets no reminders.")
        if not incident.reminders_enabled:
            raise IncidentError(
                f"Reminders for {incident.reference} are off; `/incident remind on` turns them on."
            )
        incident.snooze(now + duration)

    return apply_change(
        ctx, request, change, notice=lambda incident: _reminder_notice(ctx, incident)
    )


def _reminder_notice(ctx: Context, incident: Incident) -> dict[str, str]:
    due = ctx.reminders.due_at(incident)
    return {
        "notice": "reminders",
        "next": due.isoformat() if due else "",
        "interval": str(int(ctx.reminders.interval_for(incident).total_seconds())),
    }


@dataclass(frozen=True, slots=True)
class SentReminder:
    """A reminder a sweep sent: which incident, the due time it had, when the next is due."""

    number: int
    due_at: datetime
    next_due: datetime | None


def send_due_reminders(ctx: Context, limit: int = 500) -> list[SentReminder]:
    """Send every reminder due now, `limit` incidents per transaction, each exactly once.

    The claim in the database makes each due reminder go out once however many schedulers
    sweep at the same moment: one transaction locks a batch of due incidents (rows another
    replica holds are passed over, and whatever it sent is no longer due once it commits) and
    records their next due times. The reminders are effects in that same transaction, so a
    Slack failure delays them but never loses or doubles them.
    """
    sent: list[SentReminder] = []
    while True:
        now = ctx.now()
        with ctx.uow() as uow:
            claimed = uow.incidents.claim_due_reminders(now, limit)
            effects = [e for incident, due in claimed for e in _remind(ctx, incident, due, now)]
            uow.outbox.add_all(effects, now)
            next_due = [(incident, ctx.reminders.due_at(incident)) for incident, _ in claimed]
            uow.incidents.record_reminders(next_due)
            uow.commit()
        batch = [
            SentReminder(incident.number, due, after)
            for (incident, due), (_, after) in zip(claimed, next_due, strict=True)
        ]
        if batch:
            ctx.on_effects()
        sent.extend(batch)
        if len(batch) < limit:
            return sent


def _remind(ctx: Context, incident: Incident, due_at: datetime, now: datetime) -> list[Effect]:
    """Record the claimed reminder on `incident`; the effects that post it, as escalated."""
    quiet_since = incident.last_update_at or incident.declared_at
    incident.record_reminder(now)
    payload = {
        "level": incident.unanswered_reminders,
        "quiet_since": quiet_since.isoformat(),
        "due_at": due_at.isoformat(),
    }
    effects = [Effect(EffectKind.REMIND, incident.number, {**payload, "target": "channel"})]
    # Once per quiet spell: the broadcast channel hears that updates stopped, not every reminder.
    if ctx.broadcast and incident.unanswered_reminders == ESCALATE_TO_BROADCAST:
        effects.append(
            Effect(EffectKind.REMIND, incident.number, {**payload, "target": "broadcast"})
        )
    return effects


def upcoming_reminders(ctx: Context, until: datetime) -> list[tuple[int, datetime]]:
    """(number, due time) of every reminder due by `until`, for the scheduler to plan."""
    with ctx.uow(read_only=True) as uow:
        return uow.incidents.due_reminders(until)
