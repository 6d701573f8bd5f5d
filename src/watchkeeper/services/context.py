"""What every use case is given: storage, the clock and the rules read from the settings."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from watchkeeper.clock import Clock
from watchkeeper.domain.errors import IncidentError
from watchkeeper.domain.follow_ups import DigestRule, NudgeRule
from watchkeeper.domain.incident import Incident
from watchkeeper.domain.permissions import Permissions
from watchkeeper.domain.reminders import ReminderPolicy
from watchkeeper.domain.severity import SeverityScale
from watchkeeper.domain.tidy import TidyPolicy
from watchkeeper.services.outgoing import Outgoing
from watchkeeper.services.ports import ChannelMembers, UnitOfWork, UnitOfWorkFactory

if TYPE_CHECKING:
    from watchkeeper.services.due import DueWork, WorkspaceWork


class DuplicateRequest(Exception):
    """Slack delivered this request before (a retry or a double click); it was handled then."""


class NotAnIncidentChannel(IncidentError):
    """A command that needs an incident channel was used somewhere else."""


@dataclass(frozen=True, slots=True)
class Actor:
    """The responder making a change, with the display name Slack gave with the request."""

    user_id: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class Request:
    """Who asks, from which channel, and the key that makes a redelivered request a no-op."""

    actor: Actor
    channel_id: str = ""
    key: str | None = None
    #: People the request mentions, with the names Slack showed for them.
    mentions: tuple[Actor, ...] = ()


@dataclass(slots=True)
class Context:
    """Storage, clock and configured rules, built once by bootstrap and passed to use cases."""

    uow: UnitOfWorkFactory
    clock: Clock
    scale: SeverityScale
    reminders: ReminderPolicy
    zone: ZoneInfo
    roles: Sequence[str]
    broadcast: bool = False
    postmortem_template: Path | None = None
    #: The reaction (an emoji's name) that adds a message to the timeline, like a pin.
    timeline_reaction: str = "pushpin"
    permissions: Permissions = field(default_factory=Permissions)
    #: Whether the public status page is served (publishing is offered only then).
    status_page: bool = False
    #: The status page's configured name; None: the workspace's name and " Status".
    status_page_name: str | None = None
    #: Where the public reaches the status page (`https://status.example.com`), if known.
    status_page_url: str | None = None
    #: The kinds of work that fall due for an incident (registered by bootstrap).
    due_work: Sequence[DueWork] = ()
    #: The kinds of work that fall due for the whole workspace (registered by bootstrap).
    workspace_work: Sequence[WorkspaceWork] = ()
    #: When follow-ups' owners are nudged, and when the digest of overdue ones goes out.
    nudges: NudgeRule = field(default_factory=NudgeRule)
    digest: DigestRule | None = field(default_factory=DigestRule)
    #: When resolved incidents' channels are archived and quiet incidents' commanders asked.
    tidy: TidyPolicy = field(default_factory=TidyPolicy)
    #: Webhooks and paging services that hear of incidents' events.
    outgoing: Outgoing = field(default_factory=Outgoing)
    #: Who is in a channel: private incidents are listed only to their channel's members
    #: (None: only to their declarers).
    members: ChannelMembers | None = None
    #: Called after a commit that queued side effects, to wake whoever delivers them.
    on_effects: Callable[[], None] = field(default=lambda: None)
    #: Called once a change that moved when an incident's work of a kind falls due is
    #: committed, so a scheduler in this process can plan it: (kind, incident number, due
    #: time or None).
    on_due: Callable[[str, int, datetime | None], None] = field(default=lambda k, n, due: None)

    def now(self) -> datetime:
        return self.clock.now()

    def save(self, uow: UnitOfWork, incident: Incident) -> None:
        """Store the incident and when each kind of work next falls due for it, and plan them
        once that is committed (a job planned for a change rolled back, or woken before the
        change commits, would find the stored due time it replaced)."""
        uow.incidents.save(incident)
        due = {work.kind: work.due_at(self, incident) for work in self.due_work}
        uow.due.plan(incident.number, due)
        number = incident.number
        uow.after_commit(lambda: self._plan(number, due))

    def _plan(self, number: int, due: dict[str, datetime | None]) -> None:
        for kind, at in due.items():
            self.on_due(kind, number, at)


def admit(uow: UnitOfWork, request: Request, now: datetime) -> None:
    """Refuse a request seen before; remember who is asking, for names in reports."""
    if request.key and not uow.directory.claim_request(request.key, now):
        raise DuplicateRequest(request.key)
    for person in (request.actor, *request.mentions):
        if person.name:
            uow.directory.remember_person(person.user_id, person.name)
