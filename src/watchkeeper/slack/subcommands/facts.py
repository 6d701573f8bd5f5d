"""Subcommands that record what responders learn: severity, roles, impact, components, notes,
causes and milestones (follow-ups have their own module)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from watchkeeper.domain.milestones import Milestone
from watchkeeper.domain.permissions import Permission
from watchkeeper.services import facts
from watchkeeper.services.context import Context, Request
from watchkeeper.slack.blocks import when
from watchkeeper.slack.markup import escape, mention
from watchkeeper.slack.subcommands.grammar import (
    CommandError,
    Typed,
    choose,
    listed,
    match,
    person,
    split_first,
)
from watchkeeper.slack.subcommands.record import Reply, Subcommand, ephemeral, text_of
from watchkeeper.slack.times import InvalidTime, accepted_forms, parse_time


@dataclass(frozen=True, slots=True)
class ChangeSeverity:
    """Move to another severity level (spelled as the configured scale spells it)."""

    severity: str


@dataclass(frozen=True, slots=True)
class AssignRole:
    """Give a role to a responder; role `commander` is the incident lead."""

    role: str
    user_id: str


@dataclass(frozen=True, slots=True)
class SetImpact:
    """Say what users experience."""

    text: str


@dataclass(frozen=True, slots=True)
class SetComponents:
    """Name the affected components, in the order given, without repeats."""

    components: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AddNote:
    """Add a timeline entry that is not a formal update."""

    text: str


@dataclass(frozen=True, slots=True)
class SetCause:
    """Record the root cause."""

    text: str


@dataclass(frozen=True, slots=True)
class SetMilestone:
    """Correct when a milestone happened (`at` is timezone-aware, in UTC)."""

    milestone: Milestone
    at: datetime


# --- reading ----------------------------------------------------------------------------------


def _read_severity(rest: str, typed: Typed, usage: str) -> ChangeSeverity:
    if not rest:
        raise CommandError(f"Say which level: {listed(typed.severities)}.", usage)
    return ChangeSeverity(choose(rest, typed.severities, "a severity level", usage))


def _read_commander(rest: str, typed: Typed, usage: str) -> AssignRole:
    role = match("commander", typed.roles) or "commander"
    return AssignRole(role, person(rest, usage))


def _read_role(rest: str, typed: Typed, usage: str) -> AssignRole:
    word, who = split_first(rest)
    if not word:
        raise CommandError(f"Say which role: {listed(typed.roles)}.", usage)
    return AssignRole(choose(word, typed.roles, "a role", usage), person(who, usage))


def _read_components(rest: str, typed: Typed, usage: str) -> SetComponents:
    # Newlines separate too: a pasted list arrives one component per line.
    named = (part.strip() for line in rest.splitlines() for part in line.split(","))
    seen: dict[str, str] = {}
    for component in named:
        if component:
            seen.setdefault(component.casefold(), component)
    if not seen:
        raise CommandError("Name at least one affected component.", usage)
    return SetComponents(tuple(seen.values()))


def _read_milestone(rest: str, typed: Typed, usage: str) -> SetMilestone:
    word, moment = split_first(rest)
    milestones = [m.value for m in Milestone]
    if not word:
        raise CommandError(f"Say which milestone: {listed(milestones)}.", usage)
    milestone = Milestone(choose(word, milestones, "a milestone", usage))
    if not moment:
        problem = f"Say when {milestone.value} happened. {accepted_forms(typed.zone)}"
        raise CommandError(problem, usage)
    try:
        return SetMilestone(milestone, parse_time(moment, now=typed.now, zone=typed.zone))
    except InvalidTime as error:
        raise CommandError(str(error), usage) from None


# --- answering --------------------------------------------------------------------------------


def _severity(ctx: Context, command: ChangeSeverity, request: Request) -> Reply:
    incident = facts.change_severity(ctx, request, command.severity)
    return ephemeral(f"{incident.reference} is now *{incident.severity}*.")


def _assign(ctx: Context, command: AssignRole, request: Request) -> Reply:
    incident = facts.assign_role(ctx, request, command.role, command.user_id)
    return ephemeral(
        f"{mention(command.user_id)} is now {escape(command.role)} of {incident.reference}."
    )


def _impact(ctx: Context, command: SetImpact, request: Request) -> Reply:
    incident = facts.set_impact(ctx, request, command.text)
    return ephemeral(f"Impact recorded for {incident.reference}.")


def _components(ctx: Context, command: SetComponents, request: Request) -> Reply:
    incident = facts.set_components(ctx, request, command.components)
    named = escape(", ".join(incident.components))
    return ephemeral(f"Affected components of {incident.reference}: {named}.")


def _note(ctx: Context, command: AddNote, request: Request) -> Reply:
    incident = facts.add_note(ctx, request, command.text)
    return ephemeral(f"Note added to the {incident.reference} timeline.")


def _cause(ctx: Context, command: SetCause, request: Request) -> Reply:
    incident = facts.set_cause(ctx, request, command.text)
    return ephemeral(f"Root cause recorded for {incident.reference}.")


def _milestone(ctx: Context, command: SetMilestone, request: Request) -> Reply:
    incident = facts.set_milestone(ctx, request, command.milestone, command.at)
    moment = when(command.at, ctx.zone)
    return ephemeral(f"{incident.reference}: {command.milestone.value} set to {moment}.")


SUBCOMMANDS: tuple[Subcommand[Any], ...] = (
    Subcommand(
        "severity",
        "/incident severity <level>",
        "Change the severity.",
        ChangeSeverity,
        _read_severity,
        _severity,
        aliases=("sev",),
        permission=Permission.SEVERITY,
    ),
    Subcommand(
        "commander",
        "/incident commander @user",
        "Make someone the incident commander.",
        AssignRole,
        _read_commander,
        _assign,
        aliases=("lead",),
        permission=Permission.ASSIGN_ROLES,
    ),
    Subcommand(
        "role",
        "/incident role <role> @user",
        "Give someone a role.",
        AssignRole,
        _read_role,
        _assign,
        permission=Permission.ASSIGN_ROLES,
    ),
    Subcommand(
        "impact",
        "/incident impact <text>",
        "Say what users experience.",
        SetImpact,
        text_of(SetImpact, "Say what users experience after `impact`."),
        _impact,
    ),
    Subcommand(
        "components",
        "/incident components <a, b, …>",
        "Name the affected components.",
        SetComponents,
        _read_components,
        _components,
    ),
    Subcommand(
        "note",
        "/incident note <text>",
        "Add a note to the timeline (not a formal update).",
        AddNote,
        text_of(AddNote, "Write the note after `note`."),
        _note,
    ),
    Subcommand(
        "cause",
        "/incident cause <text>",
        "Record the root cause.",
        SetCause,
        text_of(SetCause, "Write the root cause after `cause`."),
        _cause,
    ),
    Subcommand(
        "set",
        "/incident set <started|detected|identified|mitigated|resolved> <time>",
        "Correct when a milestone happened (08:38, 2025-11-24 08:08, ISO 8601, 15m ago).",
        SetMilestone,
        _read_milestone,
        _milestone,
    ),
)
