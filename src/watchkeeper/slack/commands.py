"""The typed `/incident` commands that the parser produces and the listeners route on.

Each command is a frozen value carrying exactly what its use case needs. `name` is the canonical
subcommand (a key of `parser.USAGE`); `needs_incident_channel` says whether it only makes sense
inside an incident channel, so the listener can refuse it elsewhere before doing anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar, TypeAlias

from watchkeeper.domain.milestones import Milestone
from watchkeeper.domain.status import Status

__all__ = [
    "AddAction",
    "AddNote",
    "AssignRole",
    "ChangeSeverity",
    "ChangeStatus",
    "Command",
    "Declare",
    "Help",
    "ListIncidents",
    "PostUpdate",
    "PublishPostmortem",
    "Remind",
    "Reopen",
    "Resolve",
    "SetCause",
    "SetComponents",
    "SetImpact",
    "SetMilestone",
    "ShowSummary",
    "ShowTimeline",
    "Snooze",
]


# --- anywhere ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Help:
    """Show the list of commands, or the form of one (`topic` is a canonical subcommand)."""

    name: ClassVar[str] = "help"
    needs_incident_channel: ClassVar[bool] = False

    topic: str | None = None


@dataclass(frozen=True, slots=True)
class Declare:
    """Declare an incident; an empty title means: open the declare modal instead."""

    name: ClassVar[str] = "declare"
    needs_incident_channel: ClassVar[bool] = False

    title: str
    severity: str | None = None


@dataclass(frozen=True, slots=True)
class ListIncidents:
    """Show the open incidents."""

    name: ClassVar[str] = "list"
    needs_incident_channel: ClassVar[bool] = False


# --- in an incident channel -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChangeStatus:
    """Move to another status; a non-empty message makes it a formal update too."""

    name: ClassVar[str] = "status"
    needs_incident_channel: ClassVar[bool] = True

    status: Status
    message: str = ""


@dataclass(frozen=True, slots=True)
class PostUpdate:
    """Post a formal update at the current status."""

    name: ClassVar[str] = "update"
    needs_incident_channel: ClassVar[bool] = True

    message: str


@dataclass(frozen=True, slots=True)
class ChangeSeverity:
    """Move to another severity level (spelled as the configured scale spells it)."""

    name: ClassVar[str] = "severity"
    needs_incident_channel: ClassVar[bool] = True

    severity: str


@dataclass(frozen=True, slots=True)
class AssignRole:
    """Give a role to a responder; role `commander` is the incident lead."""

    name: ClassVar[str] = "role"
    needs_incident_channel: ClassVar[bool] = True

    role: str
    user_id: str


@dataclass(frozen=True, slots=True)
class SetImpact:
    """Say what users experience."""

    name: ClassVar[str] = "impact"
    needs_incident_channel: ClassVar[bool] = True

    text: str


@dataclass(frozen=True, slots=True)
class SetComponents:
    """Name the affected components, in the order given, without repeats."""

    name: ClassVar[str] = "components"
    needs_incident_channel: ClassVar[bool] = True

    components: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AddNote:
    """Add a timeline entry that is not a formal update."""

    name: ClassVar[str] = "note"
    needs_incident_channel: ClassVar[bool] = True

    text: str


@dataclass(frozen=True, slots=True)
class SetCause:
    """Record the root cause."""

    name: ClassVar[str] = "cause"
    needs_incident_channel: ClassVar[bool] = True

    text: str


@dataclass(frozen=True, slots=True)
class AddAction:
    """Agree a corrective or preventive action, with its owner's user ID where one is named."""

    name: ClassVar[str] = "action"
    needs_incident_channel: ClassVar[bool] = True

    text: str
    owner_id: str | None = None


@dataclass(frozen=True, slots=True)
class SetMilestone:
    """Correct when a milestone happened (`at` is timezone-aware, in UTC)."""

    name: ClassVar[str] = "set"
    needs_incident_channel: ClassVar[bool] = True

    milestone: Milestone
    at: datetime


@dataclass(frozen=True, slots=True)
class Resolve:
    """Resolve the incident and publish its timeline and postmortem draft."""

    name: ClassVar[str] = "resolve"
    needs_incident_channel: ClassVar[bool] = True

    message: str = ""


@dataclass(frozen=True, slots=True)
class Reopen:
    """Take a resolved incident back to `investigating`."""

    name: ClassVar[str] = "reopen"
    needs_incident_channel: ClassVar[bool] = True

    message: str = ""


@dataclass(frozen=True, slots=True)
class ShowTimeline:
    """Show the timeline so far, to the asker only."""

    name: ClassVar[str] = "timeline"
    needs_incident_channel: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class ShowSummary:
    """Show the incident's summary so far, to the asker only."""

    name: ClassVar[str] = "summary"
    needs_incident_channel: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class PublishPostmortem:
    """Publish the postmortem draft again from the current data."""

    name: ClassVar[str] = "postmortem"
    needs_incident_channel: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class Remind:
    """Switch reminders on (`enabled=True`) or off (`False`), or set their `interval`."""

    name: ClassVar[str] = "remind"
    needs_incident_channel: ClassVar[bool] = True

    enabled: bool | None = None
    interval: timedelta | None = None


@dataclass(frozen=True, slots=True)
class Snooze:
    """Hold reminders back for `duration`."""

    name: ClassVar[str] = "snooze"
    needs_incident_channel: ClassVar[bool] = True

    duration: timedelta


Command: TypeAlias = (
    Help
    | Declare
    | ListIncidents
    | ChangeStatus
    | PostUpdate
    | ChangeSeverity
    | AssignRole
    | SetImpact
    | SetComponents
    | AddNote
    | SetCause
    | AddAction
    | SetMilestone
    | Resolve
    | Reopen
    | ShowTimeline
    | ShowSummary
    | PublishPostmortem
    | Remind
    | Snooze
)
