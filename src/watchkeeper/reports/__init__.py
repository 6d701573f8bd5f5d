"""Reports drafted from an incident: timeline, status-page report, postmortem and JSON export.

Every renderer is a pure function of an `Incident` (plus display names, a time zone, and for
the status-page report the page's name, the public title and the published postmortem):
no Slack, no SQL, no clock reads. `reports.statuspage.status_updates` is the list of posts
the status page (`watchkeeper.status`) shows too. `reports.markdown` holds the Markdown-safety
helpers; `reports.follow_ups` lists follow-ups across incidents (`watchkeeper actions`).
"""

from watchkeeper.reports.export import SCHEMA_VERSION, incident_document
from watchkeeper.reports.postmortem import (
    DEFAULT_TEMPLATE,
    PostmortemTemplateError,
    render_postmortem,
)
from watchkeeper.reports.statuspage import (
    STANDARD_MESSAGES,
    PublishedPostmortem,
    StatusUpdate,
    render_status_page,
    status_updates,
)
from watchkeeper.reports.timeline import describe, render_timeline

__all__ = [
    "DEFAULT_TEMPLATE",
    "SCHEMA_VERSION",
    "STANDARD_MESSAGES",
    "PostmortemTemplateError",
    "PublishedPostmortem",
    "StatusUpdate",
    "describe",
    "incident_document",
    "render_postmortem",
    "render_status_page",
    "render_timeline",
    "status_updates",
]
