"""Side effects a use case asks for, stored with the state change and delivered afterwards."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from watchkeeper.domain.timeline import TimelineEntry


class EffectKind(StrEnum):
    """What the outside world must be told; `slack/` decides how."""

    OPEN_CHANNEL = "open_channel"  # create, invite, topic, card, pin: resumable steps
    REFRESH_CARD = "refresh_card"  # the pinned card and the topic show the current state
    ANNOUNCE_ENTRY = "announce_entry"  # a timeline entry told in the channel (and broadcast)
    INVITE = "invite"  # bring responders into the channel
    REMIND = "remind"  # an update reminder, escalated by its level
    PUBLISH_REPORTS = "publish_reports"  # status-page report and postmortem draft as files
    NOTICE = "notice"  # a change without a timeline entry (reminder settings), told in the channel


@dataclass(frozen=True, slots=True)
class Effect:
    """One side effect; `dedupe_key` lets a pending effect absorb an identical later one."""

    kind: EffectKind
    incident_number: int | None
    payload: dict[str, Any] = field(default_factory=dict)
    dedupe_key: str | None = None


def entry_payload(entry: TimelineEntry) -> dict[str, Any]:
    """A timeline entry as plain data, for an effect's payload."""
    return {
        "kind": entry.kind.value,
        "at": entry.at.isoformat(),
        "author": entry.author,
        "text": entry.text,
        "status": entry.status.value,
        "formal": entry.formal,
        "detail": dict(entry.detail),
    }
