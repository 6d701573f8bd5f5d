"""Update reminders: a cadence per incident, snoozing, and the due work that sends them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from watchkeeper.domain.errors import IncidentError
from watchkeeper.domain.incident import Incident
from watchkeeper.domain.reminders import ESCALATE_TO_BROADCAST
from watchkeeper.services.changes import apply_change
from watchkeeper.services.context import Context, Request
from watchkeeper.services.due import BATCH, Done, DueWork, carry_out_due, upcoming
from watchkeeper.services.effects import Effect, EffectKind
from watchkeeper.services.ports import UnitOfWork


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


def _due_at(ctx: Context, incident: Incident) -> datetime | None:
    return ctx.reminders.due_at(incident)


def _send(
    ctx: Context, uow: UnitOfWork, claimed: Sequence[tuple[Incident, datetime]], now: datetime
) -> list[Effect]:
    """Record each claimed reminder on its incident; the effects that post them, as escalated."""
    effects = [e for incident, due in claimed for e in _remind(ctx, incident, due, now)]
    uow.incidents.record_reminders([incident for incident, _ in claimed])
    return effects


#: Update reminders: due a quiet interval after the last formal update or unanswered reminder.
REMINDERS = DueWork("remind", _due_at, _send)


def send_due_reminders(ctx: Context, limit: int = BATCH) -> list[Done]:
    """Send every reminder due now, `limit` incidents per transaction, each exactly once."""
    return carry_out_due(ctx, REMINDERS, limit)


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
    # A private incident's quiet stays in its own channel.
    escalate = ctx.broadcast and not incident.private
    if escalate and incident.unanswered_reminders == ESCALATE_TO_BROADCAST:
        effects.append(
            Effect(EffectKind.REMIND, incident.number, {**payload, "target": "broadcast"})
        )
    return effects


def upcoming_reminders(ctx: Context, until: datetime) -> list[tuple[int, datetime]]:
    """(number, due time) of every reminder due by `until`."""
    return [(n, at) for kind, n, at in upcoming(ctx, until) if kind == REMINDERS.kind]
