"""The status-page report: title, postmortem once published, the updates newest first, the foot.

One text is exported (`watchkeeper export --format statuspage`), uploaded on resolve and served
on the status page. Its form is that of the reference reports (Statuspage's incident page,
copied as text)::

    US infrastructure delays with a subset of deliveries sending

    Incident Report for Acme Status

    Postmortem
    <the published postmortem, as written>
    Posted Dec 11, 2025 - 16:12 UTC

    Resolved
    We confirm the incident has been resolved. The system is fully operational.
    Posted Nov 24, 2025 - 08:51 UTC

    Investigating
    We are currently investigating this issue.
    Posted Nov 24, 2025 - 08:15 UTC
    This incident affected: Message Sending and Management Interface.

Blocks are separated by one blank line; the foot follows the last `Posted` line directly, as in
the references; the text ends with exactly one newline (the references, copied from a web page,
end without one; a text file ends with one). `Posted` days are zero-padded (`Oct 08, 2025`), as
both reference reports and Statuspage write them. Messages keep their line breaks.

`status_updates` decides what the page says (label, message, time); the text, the HTML page,
the Atom feed and the JSON API all show that one list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from watchkeeper.domain.incident import Incident
from watchkeeper.domain.status import Status
from watchkeeper.domain.timeline import EntryKind, TimelineEntry
from watchkeeper.reports.times import format_posted, utc_or_own

#: What a status page says for a status when the responder wrote no message.
STANDARD_MESSAGES = {
    Status.INVESTIGATING: "We are currently investigating this issue.",
    Status.IDENTIFIED: "The issue has been identified and a fix is being implemented.",
    Status.MONITORING: "A fix has been implemented and we are monitoring the results.",
    Status.RESOLVED: "This incident has been resolved.",
}

#: The label of a formal update posted at an unchanged status.
UPDATE_LABEL = "Update"
#: The label of the published postmortem's block.
POSTMORTEM_LABEL = "Postmortem"


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    """One post on the status page: its label, the message customers read, and when it went out.

    `status` is the incident's status once the post went out (`identified` for an `Update`
    posted while identified), which is what Statuspage's API calls an update's status.
    """

    label: str
    message: str
    posted_at: datetime
    status: Status


@dataclass(frozen=True, slots=True)
class PublishedPostmortem:
    """The postmortem as published for customers (not the draft), and when it was published."""

    text: str
    posted_at: datetime


def status_updates(incident: Incident, *, declaration_message: str = "") -> list[StatusUpdate]:
    """What the status page shows of an incident, newest first.

    - The declaration is an `Investigating` post. Its message is the public message the
      declaring form gave (kept on the declaration entry; `declaration_message` overrides it;
      the incident's own `description` is the responders' summary and never shown) or,
      without one, the standard
      sentence, until the first message posted while the incident is still in its opening
      investigation (`update`, or `status investigating <message>`): that message takes the
      declaration's place, at its own time, still labelled `Investigating`. Once the status
      has moved, or once the declaration had its own message, later messages are `Update`s.
    - A status change is labelled with the new status (`reopen` is a change to
      `Investigating`, `resolve` to `Resolved`); without a message it shows the standard
      sentence for that status.
    - A formal update at an unchanged status is labelled `Update`.
    """
    updates: list[StatusUpdate] = []
    opening = True  # still in the opening investigation, nothing posted at Investigating yet
    declaration: int | None = None
    for entry in _chronological(incident.shown_timeline()):
        message = as_written(entry.text)
        match entry.kind:
            case EntryKind.DECLARED:
                public = as_written(declaration_message or entry.detail.get("public_message", ""))
                if public:
                    opening = False
                else:
                    declaration = len(updates)
                updates.append(_post(Status.INVESTIGATING.label, public, entry))
            case EntryKind.UPDATE if opening and entry.status is Status.INVESTIGATING:
                if declaration is not None:
                    del updates[declaration]
                opening = False
                updates.append(_post(Status.INVESTIGATING.label, message, entry))
            case EntryKind.UPDATE:
                updates.append(_post(UPDATE_LABEL, message, entry))
            case EntryKind.STATUS_CHANGED | EntryKind.RESOLVED | EntryKind.REOPENED:
                opening = False
                updates.append(_post(entry.status.label, message, entry))
            case _:
                continue
    updates.reverse()
    return updates


def render_status_page(
    incident: Incident,
    *,
    zone: ZoneInfo,
    page_name: str,
    title: str | None = None,
    postmortem: PublishedPostmortem | None = None,
    declaration_message: str = "",
) -> str:
    """The status-page report of an incident; `title` is the public title (default: its own)."""
    return render_report(
        title=title or incident.title,
        page_name=page_name,
        updates=status_updates(incident, declaration_message=declaration_message),
        components=incident.components,
        postmortem=postmortem,
        zone=zone,
    )


def render_report(
    *,
    title: str,
    page_name: str,
    updates: Sequence[StatusUpdate],
    components: Sequence[str],
    postmortem: PublishedPostmortem | None,
    zone: ZoneInfo,
) -> str:
    """The report from what it shows: head, postmortem block, updates newest first, foot."""
    blocks = [f"{one_line(title)}\n\nIncident Report for {one_line(page_name)}"]
    if postmortem is not None:
        blocks.append(
            _block(POSTMORTEM_LABEL, as_written(postmortem.text), postmortem.posted_at, zone)
        )
    blocks.extend(_block(u.label, u.message, u.posted_at, zone) for u in updates)
    text = "\n\n".join(blocks)
    if components:
        text += f"\n{affected_line(components)}"
    return text + "\n"


def affected_line(components: Sequence[str]) -> str:
    """`This incident affected: A, B and C.`"""
    return f"This incident affected: {join_names(components)}."


def join_names(names: Sequence[str]) -> str:
    """`A`, `A and B`, `A, B and C`: names as a sentence lists them."""
    names = [one_line(name) for name in names]
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def one_line(text: str) -> str:
    """Text for a one-line place (a title, a name): line breaks and runs of spaces become one."""
    return " ".join(text.split())


def as_written(text: str) -> str:
    """A message as its author wrote it: line breaks kept, trailing spaces and edges trimmed."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def _block(label: str, message: str, posted_at: datetime, zone: ZoneInfo) -> str:
    return f"{label}\n{message}\nPosted {format_posted(posted_at, zone)}"


def _post(label: str, message: str, entry: TimelineEntry) -> StatusUpdate:
    return StatusUpdate(
        label=label,
        message=message or STANDARD_MESSAGES[entry.status],
        posted_at=utc_or_own(entry.at),
        status=entry.status,
    )


def _chronological(timeline: Sequence[TimelineEntry]) -> list[TimelineEntry]:
    """Status-page entries oldest first; of entries at one moment, the one recorded first."""
    shown = [(index, entry) for index, entry in enumerate(timeline) if entry.on_status_page]
    shown.sort(key=lambda pair: (_sortable(pair[1].at), pair[0]))
    return [entry for _, entry in shown]


def _sortable(moment: datetime) -> datetime:
    # Aware datetimes compare across zones; a naive one (SQLite) is UTC already.
    return utc_or_own(moment)
