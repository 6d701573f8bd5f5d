"""Subcommands of who reads about an incident: the public status page (publish, unpublish, and
`postmortem publish`) and making it private."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from watchkeeper.domain.incident import Incident
from watchkeeper.domain.timeline import EntryKind
from watchkeeper.services import privacy, publishing
from watchkeeper.services.context import Context, Request
from watchkeeper.slack.markup import escape
from watchkeeper.slack.subcommands.grammar import Typed
from watchkeeper.slack.subcommands.record import Reply, Subcommand, ephemeral, nothing_but


@dataclass(frozen=True, slots=True)
class Publish:
    """Put the incident on the status page, under a public title (default: its own)."""

    title: str = ""


@dataclass(frozen=True, slots=True)
class Unpublish:
    """Take the incident off the status page."""


@dataclass(frozen=True, slots=True)
class MakePrivate:
    """Make the incident private from now on."""


def page_address(ctx: Context, incident: Incident) -> str:
    """Where the public reads the incident: the page's URL, or its path when the URL is unknown."""
    assert incident.publication is not None
    path = f"/status/incidents/{incident.publication.public_id}"
    return f"{ctx.status_page_url}{path}" if ctx.status_page_url else path


def _read_publish(rest: str, typed: Typed, usage: str) -> Publish:
    return Publish(rest)


def _publish(ctx: Context, command: Publish, request: Request) -> Reply:
    incident = publishing.publish(ctx, request, command.title)
    assert incident.publication is not None
    return ephemeral(
        f"{incident.reference} is on the status page as *{escape(incident.publication.title)}*: "
        f"{page_address(ctx, incident)}. Only its public title, status changes, formal updates "
        "and components are shown; `/incident unpublish` takes it off."
    )


def _unpublish(ctx: Context, command: Unpublish, request: Request) -> Reply:
    incident = publishing.unpublish(ctx, request)
    return ephemeral(f"{incident.reference} is off the status page.")


def _private(ctx: Context, command: MakePrivate, request: Request) -> Reply:
    incident = privacy.make_private(ctx, request)
    unlisted = any(entry.kind is EntryKind.UNPUBLISHED for entry in incident.timeline)
    return ephemeral(
        f":lock: {incident.reference} is private from now on: no more broadcasts, "
        "webhooks (unless one opts in) or status page"
        + (" (it is off the status page now)" if unlisted else "")
        + ", and only this channel's members see it in `/incident list` and the App Home. "
        "The channel itself stays as it is: remove anyone who should not read it. "
        "A private incident cannot be made public again."
    )


SUBCOMMANDS: tuple[Subcommand[Any], ...] = (
    Subcommand(
        "publish",
        "/incident publish [public title]",
        "Put the incident on the public status page.",
        Publish,
        _read_publish,
        _publish,
    ),
    Subcommand(
        "unpublish",
        "/incident unpublish",
        "Take the incident off the public status page.",
        Unpublish,
        nothing_but(Unpublish(), "unpublish"),
        _unpublish,
    ),
    Subcommand(
        "private",
        "/incident private",
        "Make the incident private from now on: no broadcasts, status page or webhooks.",
        MakePrivate,
        nothing_but(MakePrivate(), "private"),
        _private,
    ),
)
