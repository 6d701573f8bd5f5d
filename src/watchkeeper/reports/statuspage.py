"""The status-page report: the declaration, status changes and formal updates, newest first.

Each entry is three lines, exactly as public status pages show them::

    Resolved
    We confirm the incident has been resolved. The system is fully operational.
    Posted Nov 24, 2025 - 08:51 UTC

The report is plain text, not Markdown: it is meant to be pasted into a status page as is.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from watchkeeper.domain.incident import Incident
from watchkeeper.domain.status import Status
from watchkeeper.domain.timeline import EntryKind, TimelineEntry
from watchkeeper.reports.times import as_utc, format_posted

#: What a status page says for a status when the responder wrote no message.
STANDARD_MESSAGES = {
    Status.INVESTIGATING: "We are currently investigating this issue.",
    Status.IDENTIFIED: "The issue has been identified and a fix is being implemented.",
    Status.MONITORING: "A fix has been implemented and we are monitoring the results.",
    Status.RESOLVED: "This incident has been resolved.",
}


def status_page_entry(entry: TimelineEntry, *, zone: ZoneInfo) -> str:
    """One entry: the status it announced, its message on one line, and when it was posted."""
    # An entry's status is the incident's status once the entry happened, which is what a
    # status page announces: the new status of a change, the status an update was posted at.
    message = " ".join(entry.text.split()) if entry.kind is not EntryKind.DECLARED else ""
    return "\n".join(
        (
            entry.status.label,
            message or STANDARD_MESSAGES[entry.status],
            f"Posted {format_posted(entry.at, zone)}",
        )
    )


def render_status_page(incident: Incident, *, zone: ZoneInfo) -> str:
    """The status-page report, newest entry first, entries separated by one blank line."""
    shown = [entry for entry in incident.timeline if entry.on_status_page]
    # Newest first; of entries at the same moment, the one recorded later comes first.
    newest_first = sorted(
        enumerate(shown), key=lambda pair: (as_utc(pair[1].at), pair[0]), reverse=True
    )
    entries = [status_page_entry(entry, zone=zone) for _, entry in newest_first]
    return "\n\n".join(entries) + "\n" if entries else ""
