"""The timeline as people read it: one plain sentence per entry, and the entries in time order."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import assert_never
from zoneinfo import ZoneInfo

from watchkeeper.domain.alerts import is_monitor
from watchkeeper.domain.incident import Incident
from watchkeeper.domain.timeline import EntryKind, TimelineEntry
from watchkeeper.reports.markdown import inline
from watchkeeper.reports.times import as_utc, format_clock, format_date, format_moment

# Sentences for these kinds already say who did it, so the timeline line does not repeat it.
_AUTHOR_IN_SENTENCE = frozenset({EntryKind.DECLARED, EntryKind.PINNED})


def who(user_id: str, names: Mapping[str, str]) -> str:
    """A user as reports show one: `@ana`, or `@U123` when the name is unknown; a monitor that
    acted (an alert source such as `alertmanager`) by its own name, without the `@`."""
    if is_monitor(user_id) and user_id not in names:
        return user_id
    return f"@{names.get(user_id) or user_id}"


def follow_up_change(detail: Mapping[str, str], person: Callable[[str], str]) -> str:
    """What a change to a follow-up did: `marked action 2 done`, `gave action 2 to @ana`…"""
    number = detail.get("action", "")
    match detail.get("change"):
        case "done":
            return f"marked action {number} done"
        case "dropped":
            return f"dropped action {number} (won't do)"
        case "owner":
            return f"gave action {number} to {person(detail.get('owner', ''))}"
        case "due":
            return f"made action {number} due {detail.get('due', '')}"
        case _:
            return f"changed action {number}"


def describe(entry: TimelineEntry, *, names: Mapping[str, str], zone: ZoneInfo) -> str:
    """One plain sentence saying what the entry records, with user IDs shown by name."""
    detail = entry.detail
    message = f": {entry.text}" if entry.text else ""
    match entry.kind:
        case EntryKind.DECLARED:
            level = f" at {detail['severity']}" if detail.get("severity") else ""
            return f"Declared by {who(entry.author, names)}{level}{message}"
        case EntryKind.STATUS_CHANGED:
            return f"Status changed from {detail.get('from')} to {detail.get('to')}{message}"
        case EntryKind.UPDATE:
            return f"Update ({entry.status.value}){message}"
        case EntryKind.SEVERITY_CHANGED:
            return f"Severity changed from {detail.get('from')} to {detail.get('to')}"
        case EntryKind.ROLE_ASSIGNED:
            holder = who(detail.get("user", ""), names)
            previous = detail.get("previous")
            replacing = f", replacing {who(previous, names)}" if previous else ""
            return f"{holder} assigned as {detail.get('role')}{replacing}"
        case EntryKind.IMPACT:
            return f"Impact{message}"
        case EntryKind.COMPONENTS:
            return f"Affected components{message}"
        case EntryKind.NOTE:
            return f"Note{message}"
        case EntryKind.CAUSE:
            return f"Root cause{message}"
        case EntryKind.ACTION:
            owner = detail.get("owner")
            facts = [f"owner {who(owner, names)}"] if owner else []
            if detail.get("due"):
                facts.append(f"due {detail['due']}")
            owned = f" ({', '.join(facts)})" if facts else ""
            return f"Action {detail.get('action')} added{message}{owned}"
        case EntryKind.MILESTONE:
            when = format_moment(datetime.fromisoformat(detail["at"]), zone)
            return f"{detail['milestone'].capitalize()} corrected to {when}"
        case EntryKind.RESOLVED:
            return f"Resolved{message}"
        case EntryKind.REOPENED:
            return f"Reopened{message}"
        case EntryKind.PINNED:
            link = f" ({detail['permalink']})" if detail.get("permalink") else ""
            return f"Pinned message by {who(entry.author, names)}{message}{link}"
        case EntryKind.ACTION_CHANGED:
            change = follow_up_change(detail, lambda user: who(user, names))
            return f"{change[0].upper()}{change[1:]}{message}"
        case EntryKind.ALERT:
            return entry.text
        case EntryKind.PUBLISHED:
            return f"Published on the status page as {entry.text}"
        case EntryKind.UNPUBLISHED:
            return "Taken off the status page"
        case EntryKind.POSTMORTEM_PUBLISHED:
            return "Postmortem published on the status page"
        case EntryKind.MADE_PRIVATE:
            return "Made private"
        case EntryKind.KEPT:
            return "Channel kept (not to be archived)"
        case EntryKind.STILL_GOING:
            return "Still going (asked after a quiet spell)"
        case EntryKind.CORRECTED:
            return correction(detail, entry.text, zone)
        case _:
            assert_never(entry.kind)


def correction(detail: Mapping[str, str], text: str, zone: ZoneInfo) -> str:
    """What a correction did: `Corrected a note: "…" now reads "…"`, `Removed a note: "…"`…"""
    kind = detail.get("kind", "entry").replace("_", " ")
    article = "an" if kind[:1] in "aeiou" else "a"
    change = detail.get("change", "")
    if change == "removed":
        was = f": \u201c{detail['was']}\u201d" if detail.get("was") else ""
        return f"Removed {article} {kind} entry{was}"
    parts = []
    if "text" in change:
        parts.append(f"\u201c{detail.get('was', '')}\u201d now reads \u201c{text}\u201d")
    if "time" in change:
        was_at = format_moment(datetime.fromisoformat(detail["was_at"]), zone)
        now_at = format_moment(datetime.fromisoformat(detail["now_at"]), zone)
        parts.append(f"moved from {was_at} to {now_at}")
    return f"Corrected {article} {kind} entry: {'; '.join(parts)}"


def timeline_lines(
    incident: Incident, *, names: Mapping[str, str], zone: ZoneInfo, corrections: bool = True
) -> list[str]:
    """The timeline as corrected, as Markdown list items in time order, dated when the day
    changes; a corrected entry is marked `(edited)`. Without `corrections`, the entries that
    record them are left out (the postmortem tells what happened, not how the log was kept)."""
    lines: list[str] = []
    last_date = ""
    entries = [
        e for e in incident.shown_timeline() if corrections or e.kind is not EntryKind.CORRECTED
    ]
    for entry in sorted(entries, key=lambda e: as_utc(e.at)):
        date = format_date(entry.at, zone)
        clock = format_clock(entry.at, zone)
        when = clock if date == last_date else f"{date} {clock}"
        last_date = date
        by = ""
        if entry.author and entry.kind not in _AUTHOR_IN_SENTENCE:
            by = f" (by {who(entry.author, names)})"
        edited = " (edited)" if entry.edited else ""
        sentence = describe(entry, names=names, zone=zone) + edited + by
        lines.append(f"- {when} — {inline(sentence)}")
    return lines


def render_timeline(incident: Incident, *, names: Mapping[str, str], zone: ZoneInfo) -> str:
    """The whole timeline as a Markdown list, oldest first, one entry a line."""
    return "".join(f"{line}\n" for line in timeline_lines(incident, names=names, zone=zone))
