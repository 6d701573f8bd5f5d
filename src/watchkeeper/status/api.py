"""The page as Atlassian Statuspage's public API v2 shapes it, so existing clients can read it.

`summary.json` is the page, its components, its unresolved incidents, (no) scheduled
maintenances and the overall status; `incidents.json` is the page and its latest incidents;
`status.json` the page and the overall status. Field names and values are Statuspage's: an
incident's `status` is investigating / identified / monitoring / resolved, its `impact` none /
minor / major / critical, a component's `status` operational / degraded_performance /
partial_outage / major_outage; times are ISO 8601 in UTC. Ids are opaque: an incident's is its
public id, a post's is `<public id>-<n>`, a page's or component's a digest of its name.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from watchkeeper.reports.times import iso_utc
from watchkeeper.status.overview import ComponentState, Overview
from watchkeeper.status.views import PublicIncident

JsonObject = dict[str, Any]

#: Most incidents `incidents.json` lists, as Statuspage's does.
MAX_INCIDENTS = 50


@dataclass(frozen=True, slots=True)
class PageInfo:
    """What every document says about the page itself."""

    name: str
    url: str
    zone: ZoneInfo
    updated_at: datetime

    @property
    def id(self) -> str:
        return opaque_id("page", self.name)


def opaque_id(kind: str, name: str) -> str:
    """A stable 12-character id for a named thing, in the style of Statuspage's ids."""
    return hashlib.sha256(f"{kind}:{name}".encode()).hexdigest()[:12]


def summary_document(overview: Overview, page: PageInfo) -> JsonObject:
    """`/api/v2/summary.json`."""
    components = _component_objects(overview, page)
    return {
        "page": page_object(page),
        "components": list(components.values()),
        "incidents": [incident_object(i, page, components) for i in overview.open_incidents],
        "scheduled_maintenances": [],
        "status": status_object(overview),
    }


def incidents_document(
    incidents: Sequence[PublicIncident], overview: Overview, page: PageInfo
) -> JsonObject:
    """`/api/v2/incidents.json`: the most recent incidents, newest first."""
    components = _component_objects(overview, page)
    newest_first = sorted(incidents, key=lambda i: (i.declared_at, i.public_id), reverse=True)
    return {
        "page": page_object(page),
        "incidents": [incident_object(i, page, components) for i in newest_first[:MAX_INCIDENTS]],
    }


def status_document(overview: Overview, page: PageInfo) -> JsonObject:
    """`/api/v2/status.json`."""
    return {"page": page_object(page), "status": status_object(overview)}


def page_object(page: PageInfo) -> JsonObject:
    return {
        "id": page.id,
        "name": page.name,
        "url": page.url,
        "time_zone": page.zone.key,
        "updated_at": iso_utc(page.updated_at),
    }


def status_object(overview: Overview) -> JsonObject:
    return {
        "indicator": overview.indicator.value,
        "description": overview.indicator.description,
    }


def component_object(component: ComponentState, page: PageInfo, position: int) -> JsonObject:
    return {
        "id": opaque_id("component", component.name),
        "name": component.name,
        "status": component.status.value,
        "created_at": iso_utc(component.first_named_at),
        "updated_at": iso_utc(component.updated_at),
        "position": position,
        "description": None,
        "showcase": False,
        "start_date": None,
        "group_id": None,
        "page_id": page.id,
        "group": False,
        "only_show_if_degraded": False,
    }


def incident_object(
    incident: PublicIncident, page: PageInfo, components: Mapping[str, JsonObject]
) -> JsonObject:
    return {
        "id": incident.public_id,
        "name": incident.title,
        "status": incident.status.value,
        "created_at": iso_utc(incident.declared_at),
        "updated_at": iso_utc(incident.updated_at),
        "monitoring_at": _iso_or_none(incident.monitoring_at),
        "resolved_at": _iso_or_none(incident.resolved_at),
        "impact": incident.impact.value,
        "shortlink": f"{page.url}/incidents/{incident.public_id}",
        "started_at": iso_utc(incident.declared_at),
        "page_id": page.id,
        "incident_updates": [
            {
                "id": update_id,
                "status": update.status.value,
                "body": update.message,
                "incident_id": incident.public_id,
                "created_at": iso_utc(update.posted_at),
                "updated_at": iso_utc(update.posted_at),
                "display_at": iso_utc(update.posted_at),
                "affected_components": None,
                "deliver_notifications": True,
                "custom_tweet": None,
                "tweet_id": None,
            }
            for update_id, update in incident.numbered_updates()
        ],
        "components": [components[name] for name in incident.components if name in components],
    }


def _component_objects(overview: Overview, page: PageInfo) -> dict[str, JsonObject]:
    return {
        component.name: component_object(component, page, position)
        for position, component in enumerate(overview.components, start=1)
    }


def encode(document: JsonObject) -> bytes:
    """The document as compact UTF-8 JSON."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _iso_or_none(moment: datetime | None) -> str | None:
    return iso_utc(moment) if moment is not None else None
