"""Corrections of the timeline: an entry's text or time changed, or the entry removed.

The original is kept on the entry (`original_text`, `original_at`), the entry shows as edited,
and a `corrected` entry records who changed what and when. Entries that change the incident's
state (the declaration, status changes, the resolution…) are refused with the command to use
instead (`timeline.instead_of_correcting`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from watchkeeper.domain.errors import IncidentError, InvalidCorrectionTime
from watchkeeper.domain.milestones import MILESTONE_LOOKBACK, STATUS_MILESTONE, Milestone
from watchkeeper.domain.timeline import EntryKind, Recorded, TimelineEntry, instead_of_correcting

if TYPE_CHECKING:
    from watchkeeper.domain.incident import Publication


class Corrections(Recorded):
    """The incident's correction rules (a mixin of `Incident`, which holds the state)."""

    __slots__ = ()

    if TYPE_CHECKING:
        declared_at: datetime
        milestones: dict[Milestone, datetime]
        publication: Publication | None

        @property
        def reference(self) -> str: ...

        def milestone(self, milestone: Milestone) -> datetime | None: ...

    def shown_timeline(self) -> list[TimelineEntry]:
        """The timeline as corrected, in recorded order: what reports and views show."""
        return [e for e in self.timeline if not e.removed]

    def entry(self, entry_id: int) -> TimelineEntry:
        """The timeline entry `entry_id`; refuse one the timeline does not show."""
        for entry in self.timeline:
            if entry.entry_id == entry_id and not entry.removed:
                return entry
        raise IncidentError(
            f"{self.reference} has no such timeline entry (removed already?); "
            "open the timeline editor again to pick one."
        )

    def correct_entry(
        self,
        entry_id: int,
        *,
        by: str,
        at: datetime,
        text: str | None = None,
        when: datetime | None = None,
        remove: bool = False,
    ) -> TimelineEntry:
        """Change an entry's text or time, or remove it; the original is kept, and a
        `corrected` entry records who changed what and when. Returns the corrected entry."""
        entry = self.entry(entry_id)
        instead = instead_of_correcting(entry.kind)
        if instead is not None:
            raise IncidentError(instead)
        detail = {"entry": str(entry_id), "kind": entry.kind.value}
        if remove:
            corrected = self._corrected(entry, by, at, text=entry.text, when=entry.at, removed=True)
            detail["change"] = "removed"
            detail["was"] = entry.text
        else:
            new_text = entry.text if text is None else text.strip()
            if not new_text and entry.kind is not EntryKind.PINNED:
                raise IncidentError(
                    "An entry needs some text; tick “Remove this entry” to take it off."
                )
            new_at = entry.at if when is None else when
            changes = []
            if new_text != entry.text:
                changes.append("text")
                detail["was"] = entry.text
            if new_at != entry.at:
                self._check_entry_time(entry, new_at, now=at)
                changes.append("time")
                detail["was_at"] = entry.at.isoformat()
                detail["now_at"] = new_at.isoformat()
            if not changes:
                raise IncidentError("That is what the entry says already; nothing to correct.")
            detail["change"] = " and ".join(changes)
            corrected = self._corrected(entry, by, at, text=new_text, when=new_at, removed=False)
        self.timeline[self.timeline.index(entry)] = corrected
        if self.publication is not None and entry.on_status_page:
            self.publication.changed_at = max(self.publication.changed_at, at)
        self._record(EntryKind.CORRECTED, by, at, "" if remove else corrected.text, detail=detail)
        return corrected

    @staticmethod
    def _corrected(
        entry: TimelineEntry, by: str, at: datetime, *, text: str, when: datetime, removed: bool
    ) -> TimelineEntry:
        """The entry as corrected, keeping what it said and when before the first correction."""
        return replace(
            entry,
            text=text,
            at=when,
            removed=removed,
            corrected_by=by,
            corrected_at=at,
            original_text=entry.text if entry.original_text is None else entry.original_text,
            original_at=entry.at if entry.original_at is None else entry.original_at,
        )

    def _check_entry_time(self, entry: TimelineEntry, when: datetime, *, now: datetime) -> None:
        """A corrected time is in the past and keeps the milestones' order: an entry made in
        a status is not before the milestone that status reached, and one made while the
        incident was open is not after its resolution."""
        if when > now:
            raise InvalidCorrectionTime("A timeline entry cannot be in the future.")
        if when < self.declared_at - MILESTONE_LOOKBACK:
            raise InvalidCorrectionTime(
                f"An entry cannot be more than {MILESTONE_LOOKBACK.days} days before "
                f"{self.reference} was declared; check the date you typed."
            )
        reached = STATUS_MILESTONE.get(entry.status)
        since = self.milestone(reached) if reached is not None else None
        if since is not None and when < since:
            raise InvalidCorrectionTime(
                f"This entry was made while {entry.status.value}, so it cannot be before "
                f"{reached} ({since:%Y-%m-%d %H:%M} UTC); correct that milestone first with "
                f"`/incident set {reached} <time>`."
            )
        resolved = self.milestones.get(Milestone.RESOLVED)
        if entry.status.is_open and resolved is not None and when > resolved:
            raise InvalidCorrectionTime(
                f"This entry was made while the incident was open, so it cannot be after its "
                f"resolution ({resolved:%Y-%m-%d %H:%M} UTC)."
            )
