"""Subcommands of follow-ups: `action` (agree one, or change one by number) and `actions`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, assert_never

from watchkeeper.services import follow_ups, queries
from watchkeeper.services.context import Context, Request
from watchkeeper.slack.due_dates import FORMS, InvalidDueDate, looks_like_a_day, parse_due
from watchkeeper.slack.follow_up_messages import due_text, follow_up_list
from watchkeeper.slack.markup import mention
from watchkeeper.slack.subcommands.grammar import (
    MENTION,
    CommandError,
    Typed,
    is_plain_mention,
    person,
    plain_mention_problem,
    split_first,
)
from watchkeeper.slack.subcommands.record import Reply, Subcommand, ephemeral, nothing_but

FORM = "/incident action <text> [@owner] [due <date>] | action <n> done|owner @user|due <date>|drop <reason>"
#: The words that, after a number, change follow-up <n> rather than agree a new one.
CHANGES = ("done", "owner", "due", "drop")


@dataclass(frozen=True, slots=True)
class AddAction:
    """Agree a follow-up: what, who owns it (a user ID) and the day it is due, where given."""

    text: str
    owner_id: str | None = None
    due: date | None = None


@dataclass(frozen=True, slots=True)
class CompleteAction:
    """Follow-up `number` is done."""

    number: int


@dataclass(frozen=True, slots=True)
class ReassignAction:
    """Follow-up `number` gets another owner."""

    number: int
    owner_id: str


@dataclass(frozen=True, slots=True)
class RescheduleAction:
    """Follow-up `number` is due another day."""

    number: int
    due: date


@dataclass(frozen=True, slots=True)
class DropAction:
    """Follow-up `number` will not be done, and why."""

    number: int
    reason: str


@dataclass(frozen=True, slots=True)
class FollowUpCommand:
    """What `/incident action …` asks for: a new follow-up, or a change to one."""

    what: AddAction | CompleteAction | ReassignAction | RescheduleAction | DropAction


@dataclass(frozen=True, slots=True)
class ListActions:
    """Show the incident's follow-ups."""


# --- reading ----------------------------------------------------------------------------------


def _read_action(rest: str, typed: Typed, usage: str) -> FollowUpCommand:
    first, after = split_first(rest)
    change, argument = split_first(after)
    if first.isdigit() and change.lower() in CHANGES:
        return FollowUpCommand(_read_change(int(first), change.lower(), argument, typed, usage))
    return FollowUpCommand(_read_new(rest, typed, usage))


def _read_change(
    number: int, change: str, argument: str, typed: Typed, usage: str
) -> CompleteAction | ReassignAction | RescheduleAction | DropAction:
    if change == "done":
        if argument:
            raise CommandError(f"`action {number} done` takes nothing after it.", usage)
        return CompleteAction(number)
    if change == "owner":
        return ReassignAction(number, person(argument, usage))
    if change == "due":
        if not argument:
            raise CommandError(f"Say when it is due: {FORMS}.", usage)
        return RescheduleAction(number, _due(argument, typed, usage))
    if not argument:
        raise CommandError(f"Say why follow-up {number} will not be done, after `drop`.", usage)
    return DropAction(number, argument)


def _read_new(rest: str, typed: Typed, usage: str) -> AddAction:
    text, owner_id, due = rest, None, None
    text, owner_id = _owner_at_end(text, usage)
    cut = _due_clause(text)
    if cut is not None:
        before, when = cut
        try:
            due = parse_due(when, today=_today(typed))
        except InvalidDueDate as error:
            if looks_like_a_day(when) or owner_id is not None:
                raise CommandError(str(error), usage) from None
            # `… due to a race`: words, not a date; the whole text is the follow-up.
        else:
            text = before
    if owner_id is None:  # `<text> due friday @ana` reads as well as `<text> @ana due friday`
        text, owner_id = _owner_at_end(text, usage)
    if not text:
        raise CommandError("Describe the follow-up before its owner and due date.", usage)
    return AddAction(text, owner_id, due)


def _owner_at_end(text: str, usage: str) -> tuple[str, str | None]:
    start = text.rfind("<@")
    if start != -1 and (found := MENTION.fullmatch(text, start)):
        return text[:start].rstrip(), found.group(1)
    last = text.rsplit(None, 1)[-1] if text.strip() else ""
    if is_plain_mention(last):
        raise CommandError(plain_mention_problem(last), usage)
    return text, None


def _due_clause(text: str) -> tuple[str, str] | None:
    """(text before, date after) around the last ` due ` word, if there is one."""
    words = text.split(" ")
    for index in range(len(words) - 2, 0, -1):
        if words[index].lower() == "due":
            return " ".join(words[:index]).rstrip(), " ".join(words[index + 1 :]).strip()
    return None


def _due(text: str, typed: Typed, usage: str) -> date:
    try:
        return parse_due(text, today=_today(typed))
    except InvalidDueDate as error:
        raise CommandError(str(error), usage) from None


def _today(typed: Typed) -> date:
    return typed.now.astimezone(typed.zone).date()


# --- answering --------------------------------------------------------------------------------


def _action(ctx: Context, command: FollowUpCommand, request: Request) -> Reply:
    what = command.what
    match what:
        case AddAction(text, owner_id, due):
            incident = follow_ups.add(ctx, request, text, owner_id, due)
            added = incident.actions[-1]
            owner = f", owner {mention(owner_id)}" if owner_id else ", no owner yet"
            today = ctx.now().astimezone(ctx.zone).date()
            when = f", {due_text(added, today)}" if due else ""
            return ephemeral(
                f"Follow-up {added.number} added to {incident.reference}{owner}{when}. "
                "`/incident actions` lists them."
            )
        case CompleteAction(number):
            incident = follow_ups.complete(ctx, request, number)
            return ephemeral(f"Follow-up {number} of {incident.reference} is done.")
        case ReassignAction(number, owner_id):
            incident = follow_ups.reassign(ctx, request, number, owner_id)
            return ephemeral(
                f"Follow-up {number} of {incident.reference} is now {mention(owner_id)}'s."
            )
        case RescheduleAction(number, due):
            incident = follow_ups.reschedule(ctx, request, number, due)
            return ephemeral(
                f"Follow-up {number} of {incident.reference} is due {due:%a} {due.day} {due:%b}."
            )
        case DropAction(number, reason):
            incident = follow_ups.drop(ctx, request, number, reason)
            return ephemeral(f"Follow-up {number} of {incident.reference} will not be done.")
        case _:
            assert_never(what)


def _actions(ctx: Context, command: ListActions, request: Request) -> Reply:
    incident = queries.incident_in_channel(ctx, request.channel_id, history=False).incident
    text, blocks = follow_up_list(incident, ctx.now().astimezone(ctx.zone).date())
    return ephemeral(text, blocks)


SUBCOMMANDS: tuple[Subcommand[Any], ...] = (
    Subcommand(
        "action",
        FORM,
        "Agree a follow-up (corrective or preventive action), or change follow-up <n>.",
        FollowUpCommand,
        _read_action,
        _action,
    ),
    Subcommand(
        "actions",
        "/incident actions",
        "List the incident's follow-ups, with their owners, due dates and states.",
        ListActions,
        nothing_but(ListActions(), "actions"),
        _actions,
        aliases=("follow-ups",),
    ),
)
