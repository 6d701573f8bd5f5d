"""Route a typed `/incident` command to its use case and word the reply the responder sees."""

from __future__ import annotations

from typing import Any

from watchkeeper.domain.incident import Incident
from watchkeeper.domain.timeline import EntryKind
from watchkeeper.reports.timeline import describe
from watchkeeper.services import facts, lifecycle, queries, reminders
from watchkeeper.services.context import Context, Request
from watchkeeper.services.declare import declare_incident
from watchkeeper.slack import commands as cmd
from watchkeeper.slack.blocks import incident_card, incident_list, shorten, when
from watchkeeper.slack.markup import escape, mention
from watchkeeper.slack.parser import help_text

Reply = dict[str, Any]

#: How many entries `/incident timeline` shows before pointing at the full export.
TIMELINE_SHOWN = 40
#: Longest line of `/incident timeline`: 40 of them stay well inside one message.
ENTRY_SHOWN = 300


def ephemeral(text: str, blocks: list[dict[str, Any]] | None = None) -> Reply:
    """A reply only the responder sees."""
    reply: Reply = {"response_type": "ephemeral", "text": text}
    if blocks:
        reply["blocks"] = blocks
    return reply


def answer(ctx: Context, command: cmd.Command, request: Request) -> Reply:
    """Carry out the command and say what happened."""
    match command:
        case cmd.Help(topic=topic):
            return ephemeral(escape(help_text(topic)))
        case cmd.Declare(title=title, severity=severity):
            incident = declare_incident(ctx, request, title=title, severity=severity)
            return ephemeral(
                f"*{incident.reference}* declared ({incident.severity}): {escape(incident.title)}. "
                "Its channel is opening now and you will be invited."
            )
        case cmd.ListIncidents():
            return ephemeral(incident_list(queries.open_incidents(ctx), ctx.now()))
        case cmd.ShowTimeline():
            return ephemeral(_timeline(ctx, request))
        case cmd.ShowSummary():
            view = queries.incident_in_channel(ctx, request.channel_id, history=False)
            fallback, blocks = incident_card(view.incident, ctx.zone)
            return ephemeral(fallback, [b for b in blocks if b["type"] != "actions"])
        case _:
            return ephemeral(_change(ctx, command, request))


def _change(ctx: Context, command: cmd.Command, request: Request) -> str:
    """Run a command that changes the incident; the channel hears of it from the courier."""
    match command:
        case cmd.ChangeStatus(status=status, message=message):
            incident = lifecycle.change_status(ctx, request, status, message)
            return f"{incident.reference} is now *{incident.status.label}*."
        case cmd.PostUpdate(message=message):
            incident = lifecycle.post_update(ctx, request, message)
            return f"Update posted to {incident.reference}; the reminder clock restarts."
        case cmd.Resolve(message=message):
            incident = lifecycle.resolve(ctx, request, message)
            return (
                f"{incident.reference} is resolved. The status-page report and the postmortem "
                "draft are being posted in the channel."
            )
        case cmd.Reopen(message=message):
            incident = lifecycle.reopen(ctx, request, message)
            return f"{incident.reference} is reopened and back to Investigating; reminders resume."
        case cmd.ChangeSeverity(severity=severity):
            incident = facts.change_severity(ctx, request, severity)
            return f"{incident.reference} is now *{incident.severity}*."
        case cmd.AssignRole(role=role, user_id=user_id):
            incident = facts.assign_role(ctx, request, role, user_id)
            return f"{mention(user_id)} is now {escape(role)} of {incident.reference}."
        case cmd.SetImpact(text=text):
            incident = facts.set_impact(ctx, request, text)
            return f"Impact recorded for {incident.reference}."
        case cmd.SetComponents(components=components):
            incident = facts.set_components(ctx, request, components)
            return f"Affected components of {incident.reference}: {escape(', '.join(incident.components))}."
        case cmd.SetCause(text=text):
            incident = facts.set_cause(ctx, request, text)
            return f"Root cause recorded for {incident.reference}."
        case cmd.AddNote(text=text):
            incident = facts.add_note(ctx, request, text)
            return f"Note added to the {incident.reference} timeline."
        case cmd.AddAction(text=text, owner_id=owner_id):
            incident = facts.add_action(ctx, request, text, owner_id)
            owner = f", owner {mention(owner_id)}" if owner_id else ""
            return f"Action {len(incident.actions)} added to {incident.reference}{owner}."
        case cmd.SetMilestone(milestone=milestone, at=moment):
            incident = facts.set_milestone(ctx, request, milestone, moment)
            return f"{incident.reference}: {milestone.value} set to {when(moment, ctx.zone)}."
        case cmd.PublishPostmortem():
            incident = lifecycle.publish_postmortem(ctx, request)
            return f"Publishing the {incident.reference} reports from the current data."
        case cmd.Remind(enabled=enabled, interval=interval):
            incident = reminders.set_reminders(ctx, request, enabled=enabled, interval=interval)
            return _reminder_state(ctx, incident)
        case cmd.Snooze(duration=duration):
            incident = reminders.snooze_reminders(ctx, request, duration)
            return _reminder_state(ctx, incident)
    raise AssertionError(f"no route for {command!r}")  # every command type is matched above


def _reminder_state(ctx: Context, incident: Incident) -> str:
    due = ctx.reminders.due_at(incident)
    if due is None:
        return f"Reminders for {incident.reference} are off. `/incident remind on` turns them on."
    return f"Next update reminder for {incident.reference}: {when(due, ctx.zone)}."


def _timeline(ctx: Context, request: Request) -> str:
    view = queries.incident_in_channel(ctx, request.channel_id)
    entries = sorted(view.incident.timeline, key=lambda e: e.at)
    shown = entries[-TIMELINE_SHOWN:]
    lines = [
        shorten(
            f"• {when(e.at, ctx.zone)}: {escape(describe(e, names=view.names, zone=ctx.zone))}",
            ENTRY_SHOWN,
        )
        for e in shown
    ]
    head = f"*{view.incident.reference} timeline* ({len(entries)} entries)"
    if len(entries) > len(shown):
        head += f", the last {len(shown)}; `/incident postmortem` publishes all of it"
    pinned = sum(1 for e in entries if e.kind is EntryKind.PINNED)
    if pinned:
        head += f"; {pinned} pinned messages"
    return head + "\n" + "\n".join(lines)
