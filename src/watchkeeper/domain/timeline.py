"""Timeline entries: what happened in an incident, when, and who did it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, assert_never

from watchkeeper.domain.errors import IncidentError
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
    CORRECTED = "corrected"  # a responder changed an earlier entry's text or time, or removed it


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
    #: Who last corrected the entry, and when ('' and None: as first recorded).
    corrected_by: str = ""
    corrected_at: datetime | None = None
    #: What the entry said, and when, before its first correction (None: never corrected).
    original_text: str | None = None
    original_at: datetime | None = None
    #: Taken off the timeline (removed by a correction, or a message nobody pins any more);
    #: kept so that the correction, or a late Slack event, still knows it.
    removed: bool = False

    @property
    def on_status_page(self) -> bool:
        return self.kind in STATUS_PAGE_KINDS

    @property
    def edited(self) -> bool:
        """Shown with its corrected text or time: reports mark it `(edited)`."""
        return bool(self.corrected_by) and not self.removed


def instead_of_correcting(kind: EntryKind) -> str | None:
    """Why an entry of this kind cannot be corrected, and what to do instead; None: it can.

    Entries that record a change of the incident's state stay as they are: correcting the line
    would leave the state it records unchanged. The command that changes the state does it.
    """
    match kind:
        case EntryKind.UPDATE | EntryKind.NOTE | EntryKind.PINNED | EntryKind.ALERT:
            return None
        case EntryKind.DECLARED:
            return (
                "The declaration cannot be edited or removed. To say when the incident really "
                "started or was detected, use `/incident set started <time>` or "
                "`/incident set detected <time>`."
            )
        case EntryKind.STATUS_CHANGED:
            return (
                "A status change cannot be edited or removed. Use `/incident status <status> "
                "[message]` to change the status again, or `/incident set "
                "identified|mitigated <time>` to say when it really happened."
            )
        case EntryKind.RESOLVED:
            return (
                "The resolution cannot be edited or removed. Use `/incident reopen` if the "
                "incident is not over, or `/incident set resolved <time>` to correct when it ended."
            )
        case EntryKind.REOPENED:
            return (
                "A reopening cannot be edited or removed. Use `/incident resolve` if the "
                "incident is over after all."
            )
        case EntryKind.SEVERITY_CHANGED:
            return (
                "A severity change cannot be edited or removed; use `/incident severity <level>`."
            )
        case EntryKind.ROLE_ASSIGNED:
            return "A role assignment cannot be edited or removed; assign the role again instead."
        case EntryKind.MILESTONE:
            return "A milestone cannot be edited here; use `/incident set <milestone> <time>`."
        case EntryKind.IMPACT | EntryKind.CAUSE | EntryKind.COMPONENTS:
            return (
                f"The {kind.value} cannot be edited here; say it again with "
                f"`/incident {kind.value} <text>`, the latest one is what the reports use."
            )
        case EntryKind.ACTION | EntryKind.ACTION_CHANGED:
            return "Follow-ups change with `/incident actions`; their entries stay as they are."
        case EntryKind.PUBLISHED | EntryKind.UNPUBLISHED | EntryKind.POSTMORTEM_PUBLISHED:
            return "Status page entries stay; use `/incident publish` or `/incident unpublish`."
        case EntryKind.CORRECTED:
            return "A correction is the record of a change; correct the entry itself again."
        case EntryKind.MADE_PRIVATE:
            return "Making the incident private cannot be undone or edited."
        case EntryKind.KEPT:
            return "Keeping the channel stays on the record; it cannot be edited or removed."
        case EntryKind.STILL_GOING:
            return (
                "A 'still going' answer cannot be edited or removed; post an update with "
                "`/incident update <message>` instead."
            )
        case _:
            assert_never(kind)


class Recorded:
    """What the incident's rule mixins (`pins`, `corrections`, `follow_ups`) need of the
    `Incident` they are part of: its timeline, its status, and how it records an entry."""

    __slots__ = ()

    @staticmethod
    def _required(text: str, what: str) -> str:
        """`text` without surrounding blanks; refuse it empty, naming `what` it is."""
        text = text.strip()
        if not text:
            raise IncidentError(f"The {what} needs some text.")
        return text

    if TYPE_CHECKING:
        timeline: list[TimelineEntry]
        status: Status

        def _record(
            self,
            kind: EntryKind,
            by: str,
            at: datetime,
            text: str,
            *,
            formal: bool = False,
            detail: dict[str, str] | None = None,
        ) -> None: ...
