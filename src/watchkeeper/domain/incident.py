"""The incident: its state, the rules for changing it, and the timeline every change leaves."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from watchkeeper.domain.corrections import Corrections
from watchkeeper.domain.durations import format_compact
from watchkeeper.domain.errors import IncidentError, InvalidTransition
from watchkeeper.domain.follow_ups import Action, FollowUps
from watchkeeper.domain.milestones import (
    MILESTONE_LOOKBACK,
    MILESTONE_ORDER,
    STATUS_MILESTONE,
    Milestone,
)
from watchkeeper.domain.pins import PinnedMessages
from watchkeeper.domain.severity import SeverityScale
from watchkeeper.domain.status import Status
from watchkeeper.domain.timeline import EntryKind, TimelineEntry

COMMANDER = "commander"

#: The shortest reminder cadence a responder may set: shorter is spam, not a reminder.
#: (The settings may go lower, for the demo.)
SHORTEST_REMINDER_INTERVAL = timedelta(minutes=1)


def reference(number: int) -> str:
    """The incident reference responders say: `INC-42`."""
    return f"INC-{number}"


@dataclass(frozen=True, slots=True)
class IncidentSummary:
    """What a list shows of an incident: read without its children, for many at once."""

    number: int
    title: str
    status: Status
    severity: str
    commander: str | None
    declared_at: datetime
    channel_id: str | None
    declared_by: str = ""
    private: bool = False

    @property
    def reference(self) -> str:
        return reference(self.number)


@dataclass(slots=True)
class Publication:
    """The incident on the public status page: under which id and title, and its postmortem.

    `listed` is False once it was taken off the page (the id stays, for putting it back);
    `changed_at` moves whenever anything the page shows of the incident changes.
    """

    public_id: str
    title: str
    changed_at: datetime
    listed: bool = True
    postmortem: str = ""
    postmortem_at: datetime | None = None


@dataclass(slots=True)
class Incident(PinnedMessages, Corrections, FollowUps):
    """An incident and the rules for changing it; every change appends to `timeline`."""

    number: int
    title: str
    severity: str
    status: Status
    declared_at: datetime
    declared_by: str
    description: str = ""
    impact: str = ""
    components: tuple[str, ...] = ()
    cause: str = ""
    resolution: str = ""
    highest_severity: str = ""
    roles: dict[str, str] = field(default_factory=dict)
    milestones: dict[Milestone, datetime] = field(default_factory=dict)
    actions: list[Action] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)
    channel_id: str | None = None
    channel_name: str | None = None
    # The reminder clock: restarted by every formal update.
    last_update_at: datetime | None = None
    last_reminded_at: datetime | None = None
    unanswered_reminders: int = 0
    reminders_enabled: bool = True
    reminder_interval: timedelta | None = None
    snoozed_until: datetime | None = None
    publication: Publication | None = None
    #: Private: a private channel, never broadcast, published or told to webhooks that did not
    #: opt in, and listed only to the members of its channel. There is no way back to public.
    private: bool = False
    # Tidying: when the timeline last moved, the quiet spell's question, the channel's archive.
    last_entry_at: datetime | None = None
    stale_asked_at: datetime | None = None
    archive_kept: bool = False
    archived_at: datetime | None = None

    @classmethod
    def declare(
        cls,
        *,
        number: int,
        title: str,
        severity: str,
        declared_by: str,
        at: datetime,
        description: str = "",
        public_message: str = "",
        private: bool = False,
    ) -> Incident:
        """Open a new incident, investigating, with its declaration as the first entry.

        `public_message` is what customers are told first, on the status page, if it is
        published (the `description` is the responders' own summary).
        """
        title = title.strip()
        if not title:
            raise IncidentError("An incident needs a title that says what is wrong.")
        incident = cls(
            number=number,
            title=title,
            severity=severity,
            status=Status.INVESTIGATING,
            declared_at=at,
            declared_by=declared_by,
            description=description.strip(),
            highest_severity=severity,
            last_update_at=at,
            private=private,
        )
        detail = {"severity": severity}
        if public_message.strip():
            detail["public_message"] = public_message.strip()
        incident._record(EntryKind.DECLARED, declared_by, at, title, formal=True, detail=detail)
        return incident

    @property
    def reference(self) -> str:
        return reference(self.number)

    @property
    def commander(self) -> str | None:
        return self.roles.get(COMMANDER)

    @property
    def is_open(self) -> bool:
        return self.status.is_open

    def milestone(self, milestone: Milestone) -> datetime | None:
        """When a milestone happened: as set, as reached, or (start, detection) the declaration.

        Impact starts no later than anything else happens, so a detection (or any milestone)
        set before the declaration also moves the default start back with it.
        """
        if milestone in self.milestones:
            return self.milestones[milestone]
        if milestone is Milestone.STARTED:
            return min([self.declared_at, *self.milestones.values()])
        if milestone is Milestone.DETECTED:
            return max(self.declared_at, self.milestones.get(Milestone.STARTED, self.declared_at))
        return None

    # --- status -------------------------------------------------------------------------

    def change_status(self, status: Status, *, by: str, at: datetime, message: str = "") -> None:
        """Move to another status; with a message the change is also a formal update."""
        message = message.strip()
        if status is Status.RESOLVED:
            self.resolve(by=by, at=at, message=message)
            return
        if self.status is Status.RESOLVED:
            raise InvalidTransition(
                f"{self.reference} is resolved; use `/incident reopen` to open it again."
            )
        if status is self.status:
            if not message:
                raise InvalidTransition(
                    f"{self.reference} is already {status.value}; "
                    "add a message to post a formal update."
                )
            self.post_update(message, by=by, at=at)
            return
        previous = self.status
        self.status = status
        self._reach(STATUS_MILESTONE.get(status), at)
        self._record(
            EntryKind.STATUS_CHANGED,
            by,
            at,
            message,
            formal=bool(message),
            detail={"from": previous.value, "to": status.value},
        )

    def post_update(self, message: str, *, by: str, at: datetime) -> None:
        """A formal update at the current status; restarts the reminder clock."""
        if not message.strip():
            raise IncidentError("A formal update needs a message.")
        if self.status is Status.RESOLVED:
            raise InvalidTransition(
                f"{self.reference} is resolved; reopen it to post updates, or add a note."
            )
        self._record(EntryKind.UPDATE, by, at, message.strip(), formal=True)

    def resolve(self, *, by: str, at: datetime, message: str = "") -> None:
        """Resolve the incident: reminders stop and the resolving message is the resolution."""
        if self.status is Status.RESOLVED:
            raise InvalidTransition(
                f"{self.reference} is already resolved; use `/incident reopen` if it is not over."
            )
        previous = self.status
        self.status = Status.RESOLVED
        self.milestones[Milestone.RESOLVED] = at
        if Milestone.MITIGATED not in self.milestones:
            self.milestones[Milestone.MITIGATED] = at
        self.resolution = message.strip()
        self._record(
            EntryKind.RESOLVED,
            by,
            at,
            self.resolution,
            formal=True,
            detail={"from": previous.value, "to": Status.RESOLVED.value},
        )

    def reopen(self, *, by: str, at: datetime, message: str = "") -> None:
        """Back to investigating after a resolution; the reminder clock starts again."""
        if self.status is not Status.RESOLVED:
            raise InvalidTransition(
                f"{self.reference} is not resolved (it is {self.status.value}); nothing to reopen. "
                "Use `/incident status <status>` to change its status."
            )
        self.status = Status.INVESTIGATING
        self.milestones.pop(Milestone.RESOLVED, None)
        # An archive queued in the moment before the reopening is skipped; a later resolution
        # plans one again (unless the channel is kept).
        self.archived_at = None
        self._record(
            EntryKind.REOPENED,
            by,
            at,
            message.strip(),
            formal=True,
            detail={"from": Status.RESOLVED.value, "to": Status.INVESTIGATING.value},
        )

    # --- facts --------------------------------------------------------------------------

    def change_severity(
        self, severity: str, *, scale: SeverityScale, by: str, at: datetime
    ) -> None:
        """Move to another level of the scale, remembering the most severe one reached."""
        level = scale.level(severity).name
        if level == self.severity:
            raise IncidentError(f"{self.reference} is already {level}.")
        previous = self.severity
        self.severity = level
        self.highest_severity = scale.more_severe(self.highest_severity or previous, level)
        self._record(EntryKind.SEVERITY_CHANGED, by, at, "", detail={"from": previous, "to": level})

    def assign_role(self, role: str, user_id: str, *, by: str, at: datetime) -> None:
        """Give a role to a responder; the commander is the incident lead."""
        role = role.strip().lower()
        if self.roles.get(role) == user_id:
            raise IncidentError(f"That responder is already {role} of {self.reference}.")
        previous = self.roles.get(role, "")
        self.roles[role] = user_id
        self._record(
            EntryKind.ROLE_ASSIGNED,
            by,
            at,
            "",
            detail={"role": role, "user": user_id, "previous": previous},
        )

    def set_impact(self, text: str, *, by: str, at: datetime) -> None:
        """Say what users experience."""
        self.impact = self._required(text, "impact")
        self._record(EntryKind.IMPACT, by, at, self.impact)

    def set_components(self, components: tuple[str, ...], *, by: str, at: datetime) -> None:
        """Name the affected components."""
        cleaned = tuple(dict.fromkeys(c.strip() for c in components if c.strip()))
        if not cleaned:
            raise IncidentError("Name at least one affected component.")
        self.components = cleaned
        self._record(EntryKind.COMPONENTS, by, at, ", ".join(cleaned))

    def set_cause(self, text: str, *, by: str, at: datetime) -> None:
        """Record the root cause."""
        self.cause = self._required(text, "cause")
        self._record(EntryKind.CAUSE, by, at, self.cause)

    def add_note(self, text: str, *, by: str, at: datetime) -> None:
        """A timeline entry that is not a formal update."""
        self._record(EntryKind.NOTE, by, at, self._required(text, "note"))

    def set_milestone(self, milestone: Milestone, when: datetime, *, by: str, at: datetime) -> None:
        """Correct when a milestone happened; impact often starts before the declaration."""
        if when > at:
            raise IncidentError("A milestone cannot be in the future.")
        if when < self.declared_at - MILESTONE_LOOKBACK:
            raise IncidentError(
                f"{milestone.value} cannot be more than {MILESTONE_LOOKBACK.days} days before "
                f"{self.reference} was declared; check the date you typed."
            )
        if milestone is Milestone.RESOLVED and self.is_open:
            raise IncidentError(
                f"{self.reference} is not resolved yet; use `/incident resolve` first."
            )
        self._check_order(milestone, when)
        self.milestones[milestone] = when
        self._record(
            EntryKind.MILESTONE,
            by,
            at,
            "",
            detail={"milestone": milestone.value, "at": when.isoformat()},
        )

    # --- the public status page ---------------------------------------------------------

    @property
    def is_published(self) -> bool:
        """Whether the incident is on the public status page now."""
        return self.publication is not None and self.publication.listed

    def publish(self, public_id: str, title: str, *, by: str, at: datetime) -> None:
        """Put the incident on the status page under `title` (or give it a new public title).

        `public_id` is used the first time only: an incident keeps its public address.
        """
        if self.private:
            raise IncidentError(
                f"{self.reference} is private: private incidents never go on the status page."
            )
        title = " ".join(title.split()) or self.title
        if self.publication is not None and self.publication.listed:
            if self.publication.title == title:
                raise IncidentError(f"{self.reference} is on the status page already.")
            self.publication.title = title
        elif self.publication is not None:
            self.publication.listed = True
            self.publication.title = title
        else:
            self.publication = Publication(public_id, title, changed_at=at)
        self.publication.changed_at = at
        self._record(EntryKind.PUBLISHED, by, at, title)

    def unpublish(self, *, by: str, at: datetime) -> None:
        """Take the incident off the status page."""
        if self.publication is None or not self.publication.listed:
            raise IncidentError(f"{self.reference} is not on the status page.")
        self.publication.listed = False
        self.publication.changed_at = at
        self._record(EntryKind.UNPUBLISHED, by, at, "")

    def publish_postmortem(self, text: str, *, by: str, at: datetime) -> None:
        """Show the postmortem, as written, on the status page (replacing one shown before)."""
        if self.publication is None or not self.publication.listed:
            raise IncidentError(
                f"{self.reference} is not on the status page; `/incident publish` puts it "
                "there first."
            )
        text = text.strip()
        if not text:
            raise IncidentError("The postmortem to publish is empty.")
        self.publication.postmortem = text
        self.publication.postmortem_at = at
        self.publication.changed_at = at
        self._record(EntryKind.POSTMORTEM_PUBLISHED, by, at, "")

    # --- privacy --------------------------------------------------------------------------

    def make_private(self, *, by: str, at: datetime) -> bool:
        """Make the incident private from now on; True if it was on the status page (it is
        taken off). Its channel stays as it is: nothing is archived or moved."""
        if self.private:
            raise IncidentError(
                f"{self.reference} is private already. A private incident cannot be made "
                "public again."
            )
        self.private = True
        self._record(EntryKind.MADE_PRIVATE, by, at, "")
        if not self.is_published:
            return False
        self.unpublish(by=by, at=at)
        return True

    # --- alerts -------------------------------------------------------------------------

    def record_alerts(self, text: str, *, source: str, status: str, by: str, at: datetime) -> None:
        """Note what a monitor reported: alerts that began (`firing`) or stopped firing."""
        self._record(
            EntryKind.ALERT,
            by,
            at,
            self._required(text, "alert"),
            detail={"source": source, "status": status},
        )

    # --- reminders ----------------------------------------------------------------------

    def record_reminder(self, at: datetime) -> None:
        """A reminder went out unanswered; the next one escalates."""
        self.unanswered_reminders += 1
        self.last_reminded_at = at

    def switch_reminders(
        self, *, enabled: bool | None = None, interval: timedelta | None = None
    ) -> None:
        """Turn this incident's reminders on or off, or give it its own interval."""
        if interval is not None and interval < SHORTEST_REMINDER_INTERVAL:
            raise IncidentError(
                f"Reminders every {format_compact(interval)} would be noise; "
                f"the shortest interval is {format_compact(SHORTEST_REMINDER_INTERVAL)}."
            )
        if enabled is not None:
            self.reminders_enabled = enabled
            self.snoozed_until = None
        if interval is not None:
            self.reminder_interval = interval
            self.reminders_enabled = True

    def snooze(self, until: datetime) -> None:
        """No reminder before `until`."""
        self.snoozed_until = until

    # --- tidying: quiet spells and the channel's archive --------------------------------

    @property
    def quiet_since(self) -> datetime:
        """When the timeline last moved (the declaration, at the least)."""
        return self.last_entry_at or self.declared_at

    def ask_if_still_going(self, at: datetime) -> None:
        """The commander was asked whether it is still going: once per quiet spell."""
        self.stale_asked_at = at

    def still_going(self, *, by: str, at: datetime, ask_again: datetime) -> None:
        """A responder says the incident is not over; the next question comes at `ask_again`."""
        if not self.is_open:
            raise IncidentError(f"{self.reference} is resolved already; nothing is going on.")
        self._record(EntryKind.STILL_GOING, by, at, "", detail={"ask_again": ask_again.isoformat()})

    def keep_channel(self, *, by: str, at: datetime) -> None:
        """Keep the resolved incident's channel: it will not be archived."""
        if self.is_open:
            raise IncidentError(
                f"{self.reference} is open; its channel is archived only after it is resolved. "
                "Run `/incident keep` then to keep it."
            )
        if self.archived_at is not None:
            raise IncidentError(f"The channel of {self.reference} is archived already.")
        if self.archive_kept:
            raise IncidentError(f"The channel of {self.reference} is kept already.")
        self.archive_kept = True
        self._record(EntryKind.KEPT, by, at, "")

    def mark_archived(self, at: datetime) -> None:
        """The channel's archiving is under way (queued for Slack)."""
        self.archived_at = at

    # --- helpers ------------------------------------------------------------------------

    def _reach(self, milestone: Milestone | None, at: datetime) -> None:
        if milestone is not None and milestone not in self.milestones:
            self.milestones[milestone] = at

    def _check_order(self, milestone: Milestone, when: datetime) -> None:
        position = MILESTONE_ORDER.index(milestone)
        for other in MILESTONE_ORDER:
            other_at = self.milestones.get(other)
            if other_at is None or other is milestone:
                continue
            earlier = MILESTONE_ORDER.index(other) < position
            if (earlier and other_at > when) or (not earlier and other_at < when):
                raise IncidentError(
                    f"{milestone.value} cannot be {'before' if earlier else 'after'} "
                    f"{other.value}; correct that one first."
                )

    def _record(
        self,
        kind: EntryKind,
        by: str,
        at: datetime,
        text: str,
        *,
        formal: bool = False,
        detail: dict[str, str] | None = None,
    ) -> None:
        entry = TimelineEntry(
            kind=kind,
            at=at,
            author=by,
            text=text,
            status=self.status,
            formal=formal,
            detail=detail or {},
        )
        self.timeline.append(entry)
        # A pinned message joins at its own, maybe earlier, time: the latest entry counts.
        if self.last_entry_at is None or at > self.last_entry_at:
            self.last_entry_at = at
        if self.publication is not None and (entry.on_status_page or kind is EntryKind.COMPONENTS):
            # The page shows posts and the affected components: it has changed.
            self.publication.changed_at = max(self.publication.changed_at, at)
        if formal:
            self.last_update_at = at
            self.unanswered_reminders = 0
            self.last_reminded_at = None
