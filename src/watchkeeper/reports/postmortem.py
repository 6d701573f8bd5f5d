"""The postmortem draft: every fact the bot knows, laid out by a Jinja2 template, gaps marked.

The code turns an incident into Markdown-safe facts; the template (the packaged
`templates/postmortem.md.j2`, or an operator's own file) decides the layout and the wording of
the gaps, written as `{{ to_fill("what to write") }}`. A fact the data does not hold is an
empty string, so a template writes `{{ cause or to_fill("why it happened") }}`.

Context a template can use (strings are already Markdown-safe):
`reference`, `title`, `duration`, `severity`, `status`, `declared_at`, `declared_by`,
`started_at`, `resolved_at`,
`impact_line` (one line), `components`, `commander`, `other_roles` (`role`, `person`),
`summary`, `impact`, `cause`, `resolution` (paragraphs), `timeline` (list items),
`actions` (`number`, `text`, `owner`, `added`), `metrics` (`name`, `milestone`, `duration`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from watchkeeper.domain.durations import format_duration
from watchkeeper.domain.follow_ups import Action, FollowUpState
from watchkeeper.domain.incident import COMMANDER, Incident
from watchkeeper.domain.milestones import Milestone
from watchkeeper.reports import markdown
from watchkeeper.reports.timeline import timeline_lines, who
from watchkeeper.reports.times import format_moment, format_window

#: The packaged template; operators can copy it as the start of their own.
DEFAULT_TEMPLATE = Path(__file__).parent / "templates" / "postmortem.md.j2"

#: Each metric runs from `started` to this milestone.
_METRICS = (
    ("Time to detect", Milestone.DETECTED),
    ("Time to identify", Milestone.IDENTIFIED),
    ("Time to mitigate", Milestone.MITIGATED),
    ("Time to resolve", Milestone.RESOLVED),
)


class PostmortemTemplateError(Exception):
    """The postmortem template is missing, malformed, or asks for a fact it is not given."""


@dataclass(frozen=True, slots=True)
class Role:
    """A role other than commander and who holds it."""

    role: str
    person: str


@dataclass(frozen=True, slots=True)
class ActionRow:
    """One row of the measures table; an empty owner is a gap to fill."""

    number: int
    text: str
    owner: str
    added: str
    #: The due day (`2026-12-14`), empty when none was set.
    due: str = ""
    #: `open`, `done`, or `won't do: <reason>`.
    state: str = "open"


@dataclass(frozen=True, slots=True)
class Metric:
    """A time from `started` to a milestone; an empty duration means the milestone is unknown."""

    name: str
    milestone: str
    duration: str


def render_postmortem(
    incident: Incident,
    *,
    names: Mapping[str, str],
    zone: ZoneInfo,
    template: Path | None = None,
) -> str:
    """The postmortem draft in Markdown, from the packaged template or the operator's file."""
    path = template or DEFAULT_TEMPLATE
    context = postmortem_context(incident, names=names, zone=zone)
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(path.parent),
        undefined=jinja2.StrictUndefined,
        # Markdown, not HTML: HTML escaping would garble it; reports.markdown makes facts safe.
        autoescape=False,  # noqa: S701 - the output is Markdown, not HTML
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.globals["to_fill"] = markdown.placeholder
    try:
        return environment.get_template(path.name).render(context)
    except jinja2.TemplateNotFound as error:
        raise PostmortemTemplateError(
            f"The postmortem template {path} does not exist; point the setting at a file."
        ) from error
    except jinja2.TemplateSyntaxError as error:
        raise PostmortemTemplateError(
            f"The postmortem template {path} has a mistake on line {error.lineno}: {error.message}"
        ) from error
    except jinja2.UndefinedError as error:
        raise PostmortemTemplateError(
            f"The postmortem template {path} uses something it is not given: {error.message}"
        ) from error


def postmortem_context(
    incident: Incident, *, names: Mapping[str, str], zone: ZoneInfo
) -> dict[str, Any]:
    """The facts a postmortem template lays out, each already safe to embed in Markdown."""
    resolved = incident.milestone(Milestone.RESOLVED)
    return {
        "reference": incident.reference,
        "title": markdown.heading(incident.title),
        "duration": _duration(incident, zone),
        "severity": _severity(incident),
        "status": incident.status.label,
        "declared_at": format_moment(incident.declared_at, zone),
        "declared_by": markdown.inline(who(incident.declared_by, names)),
        "started_at": format_moment(_started(incident), zone),
        "resolved_at": format_moment(resolved, zone) if resolved else "",
        "impact_line": markdown.inline(incident.impact),
        "components": markdown.inline(", ".join(incident.components)),
        "commander": markdown.inline(who(incident.commander, names)) if incident.commander else "",
        "other_roles": [
            Role(markdown.inline(role), markdown.inline(who(user, names)))
            for role, user in incident.roles.items()
            if role != COMMANDER
        ],
        "summary": markdown.block(incident.description),
        "impact": markdown.block(incident.impact),
        "cause": markdown.block(incident.cause),
        # After a reopen the earlier resolving message no longer describes the outcome.
        "resolution": "" if incident.is_open else markdown.block(incident.resolution),
        "timeline": timeline_lines(incident, names=names, zone=zone, corrections=False),
        "actions": [
            ActionRow(
                number=action.number,
                text=markdown.cell(action.text),
                owner=markdown.cell(who(action.owner_id, names)) if action.owner_id else "",
                added=format_moment(action.added_at, zone),
                due=action.due.isoformat() if action.due else "",
                state=_state(action),
            )
            for action in incident.actions
        ],
        "metrics": [_metric(incident, name, milestone) for name, milestone in _METRICS],
    }


def _state(action: Action) -> str:
    if action.state is FollowUpState.DROPPED and action.reason:
        return markdown.cell(f"{action.state.value}: {action.reason}")
    return action.state.value


def _started(incident: Incident) -> datetime:
    # `milestone` already falls back to the declaration; the `or` only satisfies the type.
    return incident.milestone(Milestone.STARTED) or incident.declared_at


def _duration(incident: Incident, zone: ZoneInfo) -> str:
    started = _started(incident)
    resolved = incident.milestone(Milestone.RESOLVED)
    if resolved is None:
        return f"ongoing since {format_moment(started, zone)}"
    return f"{format_duration(resolved - started)} ({format_window(started, resolved, zone)})"


def _severity(incident: Incident) -> str:
    severity = markdown.inline(incident.severity)
    highest = incident.highest_severity
    if highest and highest != incident.severity:
        return f"{severity} (highest: {markdown.inline(highest)})"
    return severity


def _metric(incident: Incident, name: str, milestone: Milestone) -> Metric:
    reached = incident.milestone(milestone)
    duration = format_duration(reached - _started(incident)) if reached else ""
    return Metric(name, milestone.value, duration)
