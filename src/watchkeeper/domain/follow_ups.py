"""Follow-ups: the corrective and preventive actions agreed in an incident, until they are done.

Each has an owner and a due date (a day, read in the workspace's zone), and a state: open,
done, or won't do (with a reason). Their owners are nudged the day one falls due, at a working
hour on the owner's own clock, and again every week while it stays open: `next_nudge` says
when, as a pure function of the follow-up, so the scheduler, the tests and the benchmark all
ask the same question. `FollowUps` holds the incident's rules for agreeing and changing them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from watchkeeper.domain.errors import IncidentError
from watchkeeper.domain.timeline import EntryKind, Recorded

#: How often an overdue follow-up's owner is nudged again.
NUDGE_EVERY = timedelta(days=7)


class FollowUpState(StrEnum):
    """Where a follow-up stands."""

    OPEN = "open"
    DONE = "done"
    DROPPED = "won't do"


@dataclass(slots=True)
class Action:
    """A corrective or preventive measure agreed during the incident: a follow-up.

    `owner_zone` is the owner's time zone as Slack knows it (their nudge comes at a working
    hour on their clock), learned after they were named; None until then.
    """

    number: int
    text: str
    owner_id: str | None
    added_by: str
    added_at: datetime
    due: date | None = None
    state: FollowUpState = FollowUpState.OPEN
    #: Why it will not be done (`won't do`).
    reason: str = ""
    owner_zone: str | None = None
    last_nudged_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.state is FollowUpState.OPEN

    def overdue(self, today: date) -> bool:
        """Open and due before `today`."""
        return self.is_open and self.due is not None and self.due < today


class FollowUps(Recorded):
    """The incident's follow-up rules (a mixin of `Incident`, which holds the state)."""

    __slots__ = ()

    if TYPE_CHECKING:
        actions: list[Action]

        @property
        def reference(self) -> str: ...

    def add_action(
        self, text: str, *, owner_id: str | None, by: str, at: datetime, due: date | None = None
    ) -> Action:
        """Agree a corrective or preventive measure (a follow-up), with its owner and due day."""
        action = Action(
            len(self.actions) + 1, self._required(text, "action"), owner_id, by, at, due=due
        )
        self.actions.append(action)
        detail = {"action": str(action.number), "owner": owner_id or ""}
        if due is not None:
            detail["due"] = due.isoformat()
        self._record(EntryKind.ACTION, by, at, action.text, detail=detail)
        return action

    def action(self, number: int) -> Action:
        """Follow-up `number`; refuse one the incident does not have."""
        if not 1 <= number <= len(self.actions):
            raise IncidentError(
                f"{self.reference} has no action {number}; `/incident actions` lists them."
            )
        return self.actions[number - 1]

    def complete_action(self, number: int, *, by: str, at: datetime) -> Action:
        """The follow-up is done."""
        action = self._open_action(number)
        action.state = FollowUpState.DONE
        self._action_changed(action, "done", by, at)
        return action

    def drop_action(self, number: int, reason: str, *, by: str, at: datetime) -> Action:
        """The follow-up will not be done, and why."""
        action = self._open_action(number)
        action.state = FollowUpState.DROPPED
        action.reason = self._required(reason, "reason for dropping it")
        self._action_changed(action, "dropped", by, at, text=action.reason)
        return action

    def reassign_action(self, number: int, owner_id: str, *, by: str, at: datetime) -> Action:
        """Give the follow-up another owner (nudged from now on, on their own clock)."""
        action = self.action(number)
        if action.owner_id == owner_id:
            raise IncidentError(f"That responder owns action {number} of {self.reference} already.")
        action.owner_id, action.owner_zone, action.last_nudged_at = owner_id, None, None
        self._action_changed(action, "owner", by, at, owner=owner_id)
        return action

    def reschedule_action(self, number: int, due: date, *, by: str, at: datetime) -> Action:
        """Give the follow-up another due day; its nudges start over from it."""
        action = self.action(number)
        if action.due == due:
            raise IncidentError(f"Action {number} of {self.reference} is due then already.")
        action.due, action.last_nudged_at = due, None
        self._action_changed(action, "due", by, at, due=due.isoformat())
        return action

    def _open_action(self, number: int) -> Action:
        action = self.action(number)
        if not action.is_open:
            raise IncidentError(
                f"Action {number} of {self.reference} is {action.state.value} already."
            )
        return action

    def _action_changed(
        self, action: Action, change: str, by: str, at: datetime, text: str = "", **detail: str
    ) -> None:
        self._record(
            EntryKind.ACTION_CHANGED,
            by,
            at,
            text,
            detail={"action": str(action.number), "change": change, **detail},
        )


@dataclass(frozen=True, slots=True)
class NudgeRule:
    """When owners are nudged: the hour on their clock, and whether weekends are skipped."""

    hour: time = time(10, 0)
    #: The zone of owners whose own zone is not known (the workspace's).
    zone: tzinfo = UTC
    skip_weekends: bool = False

    def next_nudge(self, action: Action) -> datetime | None:
        """When the owner of `action` is next nudged; None for one closed or without a due day.

        The first nudge is on the due day at `hour`, then one a week while it stays open. A
        nudge whose moment passed unsent (created late, changed, the bot was down) is due at
        once: it is in the past, and the scheduler carries out what is due.
        """
        if not action.is_open or action.due is None:
            return None
        zone: tzinfo = _zone(action.owner_zone) or self.zone
        week = 0
        if action.last_nudged_at is not None:
            # Start from the week of the last nudge rather than walk every week up to it.
            since = action.last_nudged_at.astimezone(zone).date() - action.due
            week = max(0, since.days // NUDGE_EVERY.days)
        while True:
            moment = self._on(action.due + week * NUDGE_EVERY, zone)
            if action.last_nudged_at is None or moment > action.last_nudged_at:
                return moment
            week += 1

    def _on(self, day: date, zone: tzinfo) -> datetime:
        if self.skip_weekends and day.weekday() >= 5:
            day += timedelta(days=7 - day.weekday())  # Saturday or Sunday: the Monday after
        return datetime.combine(day, self.hour, tzinfo=zone)


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):  # a zone this machine does not know: the workspace's
        return None


@dataclass(frozen=True, slots=True)
class DigestRule:
    """The weekly digest of overdue follow-ups: on which day, at which hour, in which zone."""

    weekday: int = 0  # Monday
    hour: time = time(9, 0)
    zone: tzinfo = UTC

    def next_after(self, moment: datetime) -> datetime:
        """The first digest after `moment`."""
        local = moment.astimezone(self.zone)
        ahead = (self.weekday - local.weekday()) % 7
        candidate = datetime.combine(local.date() + timedelta(days=ahead), self.hour, self.zone)
        if candidate <= moment:
            candidate += NUDGE_EVERY
        return candidate
