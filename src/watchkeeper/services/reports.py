"""The documents drafted from an incident, for publishing in Slack and for `watchkeeper export`."""

from __future__ import annotations

import json
from dataclasses import dataclass

from watchkeeper.domain.durations import format_duration
from watchkeeper.domain.incident import Incident
from watchkeeper.domain.milestones import Milestone
from watchkeeper.reports import (
    incident_document,
    render_postmortem,
    render_status_page,
    render_timeline,
)
from watchkeeper.reports.statuspage import PublishedPostmortem
from watchkeeper.services.context import Context
from watchkeeper.services.publishing import page_name
from watchkeeper.services.queries import incident_by_number

#: The formats `watchkeeper export` writes.
FORMATS = ("postmortem", "statuspage", "timeline", "json")


@dataclass(frozen=True, slots=True)
class Documents:
    """An incident and the documents drafted from it."""

    incident: Incident
    postmortem: str
    statuspage: str
    timeline: str
    json: str

    def in_format(self, name: str) -> str:
        """One document by its export format name."""
        if name not in FORMATS:
            raise ValueError(f"unknown format {name!r}; use one of {', '.join(FORMATS)}")
        text: str = getattr(self, name)
        return text


def draft_documents(ctx: Context, number: int) -> Documents:
    """Draft every document of an incident from what is stored now."""
    view = incident_by_number(ctx, number)
    incident = view.incident
    return Documents(
        incident=incident,
        postmortem=render_postmortem(
            incident, names=view.names, zone=ctx.zone, template=ctx.postmortem_template
        ),
        statuspage=status_page_report(ctx, incident),
        timeline=render_timeline(incident, names=view.names, zone=ctx.zone),
        json=json.dumps(incident_document(incident, names=view.names), indent=2, ensure_ascii=False)
        + "\n",
    )


def status_page_report(ctx: Context, incident: Incident) -> str:
    """The status-page report: under its public title, with its published postmortem."""
    publication = incident.publication
    postmortem = None
    if publication is not None and publication.postmortem and publication.postmortem_at:
        postmortem = PublishedPostmortem(publication.postmortem, publication.postmortem_at)
    return render_status_page(
        incident,
        zone=ctx.zone,
        page_name=page_name(ctx),
        title=publication.title if publication is not None else None,
        postmortem=postmortem,
    )


def duration_of(incident: Incident) -> str:
    """How long the incident lasted, from its start to its resolution (or now, if open)."""
    start = incident.milestone(Milestone.STARTED)
    end = incident.milestone(Milestone.RESOLVED)
    if start is None or end is None:
        return "ongoing"
    return format_duration(end - start)
