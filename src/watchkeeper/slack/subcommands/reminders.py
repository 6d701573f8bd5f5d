"""Subcommands that set this incident's update reminders: remind and snooze."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from watchkeeper.domain.incident import Incident
from watchkeeper.services import reminders
from watchkeeper.services.context import Context, Request
from watchkeeper.slack.blocks import when
from watchkeeper.slack.subcommands.grammar import CommandError, Typed, duration
from watchkeeper.slack.subcommands.record import Reply, Subcommand, ephemeral


@dataclass(frozen=True, slots=True)
class Remind:
    """Switch reminders on (`enabled=True`) or off (`False`), or set their `interval`."""

    enabled: bool | None = None
    interval: timedelta | None = None


@dataclass(frozen=True, slots=True)
class Snooze:
    """Hold reminders back for `duration`."""

    duration: timedelta


def _read_remind(rest: str, typed: Typed, usage: str) -> Remind:
    switch = rest.lower()
    if switch in ("on", "off"):
        return Remind(enabled=switch == "on")
    if not rest:
        raise CommandError("Give an interval such as 45m, or on or off.", usage)
    return Remind(interval=duration(rest, usage))


def _read_snooze(rest: str, typed: Typed, usage: str) -> Snooze:
    if not rest:
        raise CommandError("Say for how long, such as 30m or 1h.", usage)
    return Snooze(duration(rest, usage))


def _remind(ctx: Context, command: Remind, request: Request) -> Reply:
    incident = reminders.set_reminders(
        ctx, request, enabled=command.enabled, interval=command.interval
    )
    return ephemeral(_reminder_state(ctx, incident))


def _snooze(ctx: Context, command: Snooze, request: Request) -> Reply:
    return ephemeral(
        _reminder_state(ctx, reminders.snooze_reminders(ctx, request, command.duration))
    )


def _reminder_state(ctx: Context, incident: Incident) -> str:
    due = ctx.reminders.due_at(incident)
    if due is None:
        return f"Reminders for {incident.reference} are off. `/incident remind on` turns them on."
    return f"Next update reminder for {incident.reference}: {when(due, ctx.zone)}."


SUBCOMMANDS: tuple[Subcommand[Any], ...] = (
    Subcommand(
        "remind",
        "/incident remind <interval|off|on>",
        "Set this incident's reminders.",
        Remind,
        _read_remind,
        _remind,
    ),
    Subcommand(
        "snooze",
        "/incident snooze <duration>",
        "Hold reminders back for a while.",
        Snooze,
        _read_snooze,
        _snooze,
    ),
)
