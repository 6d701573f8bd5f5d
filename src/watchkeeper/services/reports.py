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
from watchkeeper.services.context import Context
from watchkeeper.services.queries import incident_by_number

#: The formats `watchkeeper export` writes.
FORMATS = ("postmortem", "statuspage", "timeline", "json")

#: The status page's name in `Incident Report for …` until the publishing side supplies the
#: configured one (by default the workspace's name + " Status").
STATUS_PAGE_NAME = "Watchkeeper Status"


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
        statuspage=render_status_page(incident, zone=ctx.zone, page_name=STATUS_PAGE_NAME),
        timeline=render_timeline(incident, names=view.names, zone=ctx.zone),
        json=json.dumps(incident_document(incident, names=view.names), indent=2, ensure_ascii=False)
        + "\n",
    )


def duration_of(incident: Incident) -> str:
    """How long the incident lasted, from its start to its resolution (or now, if open)."""
    start = incident.milestone(Milestone.STARTED)
    end = incident.milestone(Milestone.RESOLVED)
    if start is None or end is None:
        return "ongoing"
    return format_duration(end - start)
