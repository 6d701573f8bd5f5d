"""Timeline entries: what happened in an incident, when, and who did it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from watchkeeper.domain.status import Status


class EntryKind(StrEnum):
    """The kinds of thing the timeline records."""

    DECLARED = "declared"
    STATUS_CHANGED = "status_changed"
    UPDATE = "update"
    SEVERITY_CHANGED = "severity_changed"
    ROLE_ASSIGNED = "role_assigned"
    IMPACT = "impact"
    COMPONENTS = "components"
    NOTE = "note"
    CAUSE = "cause"
    ACTION = "action"
    ACTION_CHANGED = "action_changed"  # a follow-up done, dropped, given an owner or a due day
    MILESTONE = "milestone"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    PINNED = "pinned"
    ALERT = "alert"  # a monitor said alerts began or stopped firing
    PUBLISHED = "published"  # put on the public status page (or its public title changed)
    UNPUBLISHED = "unpublished"  # taken off the status page
    POSTMORTEM_PUBLISHED = "postmortem_published"  # the postmortem shown on the status page
    MADE_PRIVATE = "made_private"  # from then on: not broadcast, published or listed to all
    KEPT = "kept"  # the resolved incident's channel is kept: it will not be archived
    STILL_GOING = "still_going"  # asked after a quiet spell, a responder said it is not over


#: Entries a status page shows: the declaration, status changes and formal updates.
STATUS_PAGE_KINDS = frozenset(
    {
        EntryKind.DECLARED,
        EntryKind.STATUS_CHANGED,
        EntryKind.UPDATE,
        EntryKind.RESOLVED,
        EntryKind.REOPENED,
    }
)


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One line of the timeline; `text` is what the responder wrote, `detail` the facts around it.

    `status` is the incident's status once the entry happened; `formal` marks a formal update,
    which restarts the reminder clock. `detail` holds structured facts such as
    `{"from": "SEV3", "to": "SEV2"}` or `{"permalink": …, "message_ts": …}`.
    """

    kind: EntryKind
    at: datetime
    author: str
    text: str
    status: Status
    formal: bool = False
    detail: dict[str, str] = field(default_factory=dict)
    entry_id: int | None = None

    @property
    def on_status_page(self) -> bool:
        return self.kind in STATUS_PAGE_KINDS
