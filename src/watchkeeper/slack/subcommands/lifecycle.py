"""Subcommands that move an incident through its statuses (status, update, resolve, reopen) and
keep its channel once it is resolved (keep)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from watchkeeper.domain.permissions import Permission
from watchkeeper.domain.status import Status
from watchkeeper.services import lifecycle, tidy
from watchkeeper.services.context import Context, Request
from watchkeeper.slack.subcommands.grammar import CommandError, Typed, choose, listed, split_first
from watchkeeper.slack.subcommands.record import (
    Reply,
    Subcommand,
    ephemeral,
    nothing_but,
    text_of,
)


@dataclass(frozen=True, slots=True)
class ChangeStatus:
    """Move to another status; a non-empty message makes it a formal update too."""

    status: Status
    message: str = ""


@dataclass(frozen=True, slots=True)
class PostUpdate:
    """Post a formal update at the current status."""

    message: str


@dataclass(frozen=True, slots=True)
class Resolve:
    """Resolve the incident and publish its timeline and postmortem draft."""

    message: str = ""


@dataclass(frozen=True, slots=True)
class Reopen:
    """Take a resolved incident back to `investigating`."""

    message: str = ""


@dataclass(frozen=True, slots=True)
class Keep:
    """Keep the resolved incident's channel: it is not archived."""


def _read_status(rest: str, typed: Typed, usage: str) -> ChangeStatus:
    word, message = split_first(rest)
    statuses = [s.value for s in Status]
    if not word:
        raise CommandError(f"Say which status: {listed(statuses)}.", usage)
    return ChangeStatus(Status(choose(word, statuses, "a status", usage)), message)


def _status(ctx: Context, command: ChangeStatus, request: Request) -> Reply:
    incident = lifecycle.change_status(ctx, request, command.status, command.message)
    return ephemeral(f"{incident.reference} is now *{incident.status.label}*.")


def _update(ctx: Context, command: PostUpdate, request: Request) -> Reply:
    incident = lifecycle.post_update(ctx, request, command.message)
    return ephemeral(f"Update posted to {incident.reference}; the reminder clock restarts.")


def _resolve(ctx: Context, command: Resolve, request: Request) -> Reply:
    incident = lifecycle.resolve(ctx, request, command.message)
    return ephemeral(
        f"{incident.reference} is resolved. The status-page report and the postmortem "
        "draft are being posted in the channel."
    )


def _reopen(ctx: Context, command: Reopen, request: Request) -> Reply:
    incident = lifecycle.reopen(ctx, request, command.message)
    return ephemeral(
        f"{incident.reference} is reopened and back to Investigating; reminders resume."
    )


def _keep(ctx: Context, command: Keep, request: Request) -> Reply:
    incident = tidy.keep(ctx, request)
    return ephemeral(f"The channel of {incident.reference} is kept; it will not be archived.")


SUBCOMMANDS: tuple[Subcommand[Any], ...] = (
    Subcommand(
        "status",
        "/incident status <investigating|identified|monitoring|resolved> [message]",
        "Change the status; with a message it is also a formal update.",
        ChangeStatus,
        _read_status,
        _status,
    ),
    Subcommand(
        "update",
        "/incident update <message>",
        "Post a formal update; restarts the reminder clock.",
        PostUpdate,
        text_of(PostUpdate, "Write the update after `update`."),
        _update,
    ),
    Subcommand(
        "resolve",
        "/incident resolve [message]",
        "Resolve; publishes the timeline and postmortem draft.",
        Resolve,
        lambda rest, typed, usage: Resolve(rest),
        _resolve,
        permission=Permission.RESOLVE,
    ),
    Subcommand(
        "reopen",
        "/incident reopen [message]",
        "Back to investigating; reminders resume.",
        Reopen,
        lambda rest, typed, usage: Reopen(rest),
        _reopen,
        permission=Permission.REOPEN,
    ),
    Subcommand(
        "keep",
        "/incident keep",
        "Keep this resolved incident's channel: it will not be archived.",
        Keep,
        nothing_but(Keep(), "keep"),
        _keep,
    ),
)
