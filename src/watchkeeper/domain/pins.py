"""Messages held on the timeline by pins and reactions, whatever order Slack's events come in.

A message joins the timeline at its own time when someone pins it or reacts with the timeline's
emoji, and leaves it when nobody holds it any more. Slack delivers events late, twice and out of
order, so each entry keeps who holds it and when each holder last let go: a late addition
resurrects nothing, and a removal that overtakes its addition is remembered (a hidden entry).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from watchkeeper.domain.timeline import EntryKind, Recorded, TimelineEntry

#: Who keeps a message pinned to the timeline: a pin in the channel, or a person's reaction
#: (`reaction:U123`); the message leaves the timeline when nobody holds it any more.
PIN_HOLDER = "pin"
_HELD = "held:"
_LET_GO = "let_go:"


class PinnedMessages(Recorded):
    """The incident's pinned-message rules (a mixin of `Incident`, which holds the state)."""

    __slots__ = ()

    def add_pinned_message(
        self,
        *,
        message_ts: str,
        text: str,
        author: str,
        posted_at: datetime,
        permalink: str,
        holder: str = PIN_HOLDER,
        event_ts: str = "",
    ) -> bool:
        """Put a message on the timeline at its own time, held by `holder` (a pin, a person's
        reaction); False if it is there already or `holder` let go of it after `event_ts`.

        Slack delivers events late, twice and out of order: one entry per message keeps who
        holds it and when each holder last let go, so a late addition resurrects nothing.
        """
        position = self._pin_position(message_ts)
        if position is None:
            self._record(
                EntryKind.PINNED,
                author,
                posted_at,
                text,
                detail={
                    "message_ts": message_ts,
                    "permalink": permalink,
                    _HELD + holder: event_ts,
                },
            )
            return True
        entry = self.timeline[position]
        let_go = entry.detail.get(_LET_GO + holder)
        if let_go is not None and _later(let_go, event_ts):
            return False  # this holder let go after this event: it arrived late
        detail = {k: v for k, v in entry.detail.items() if k != _LET_GO + holder}
        detail[_HELD + holder] = event_ts
        if entry.removed and entry.corrected_by:
            # A responder removed it from the timeline: a new pin does not undo that.
            self.timeline[position] = replace(entry, detail=detail)
            return False
        if not entry.removed:
            self.timeline[position] = replace(entry, detail=detail)
            return False
        self.timeline[position] = replace(
            entry,
            text=text,
            author=author,
            detail={**detail, "permalink": permalink or entry.detail.get("permalink", "")},
            removed=False,
        )
        return True

    def remove_pinned_message(
        self, message_ts: str, *, holder: str = PIN_HOLDER, event_ts: str = ""
    ) -> bool:
        """`holder` lets go of a message; it leaves the timeline when nobody holds it. False if
        it was not on the timeline or is still held. A removal before its addition is kept."""
        position = self._pin_position(message_ts)
        if position is None:
            # The removal overtook the addition: remember it, so the addition stays out.
            self.timeline.append(
                TimelineEntry(
                    kind=EntryKind.PINNED,
                    at=_message_time(message_ts),
                    author="",
                    text="",
                    status=self.status,
                    detail={"message_ts": message_ts, "permalink": "", _LET_GO + holder: event_ts},
                    removed=True,
                )
            )
            return False
        entry = self.timeline[position]
        held = _holders(entry)
        if holder in held and _later(held[holder], event_ts):
            return False  # held again after this event: it arrived late
        detail = {k: v for k, v in entry.detail.items() if k != _HELD + holder}
        detail[_LET_GO + holder] = event_ts
        still_held = bool(_holders(replace(entry, detail=detail)))
        if holder not in held and not entry.removed and held:
            self.timeline[position] = replace(entry, detail=detail)
            return False  # someone else's pin or reaction: theirs to take back
        was_shown = not entry.removed
        self.timeline[position] = replace(
            entry, detail=detail, removed=entry.removed or not still_held
        )
        return was_shown and not still_held

    def _pin_position(self, message_ts: str) -> int | None:
        for position, entry in enumerate(self.timeline):
            if entry.kind is EntryKind.PINNED and entry.detail.get("message_ts") == message_ts:
                return position
        return None


def _holders(entry: TimelineEntry) -> dict[str, str]:
    """Who holds a message on the timeline, with the event time they did it at.

    An entry from before holders were kept (no `held:`/`let_go:` keys) is held by a pin.
    """
    held = {k.removeprefix(_HELD): v for k, v in entry.detail.items() if k.startswith(_HELD)}
    if not held and not entry.removed and not any(k.startswith(_LET_GO) for k in entry.detail):
        return {PIN_HOLDER: ""}
    return held


def _stamp(event_ts: str) -> Decimal | None:
    try:
        return Decimal(event_ts) if event_ts else None
    except InvalidOperation:
        return None


def _later(first: str, second: str) -> bool:
    """Whether Slack's event time `first` is after `second`. Events without a time (the
    shortcut's, an old entry's) never count as later: they apply in the order they arrive."""
    a, b = _stamp(first), _stamp(second)
    return a is not None and b is not None and a > b


def _message_time(message_ts: str) -> datetime:
    stamp = _stamp(message_ts)
    return datetime.fromtimestamp(float(stamp or 0), UTC)
