"""Side effects a use case asks for, stored with the state change and delivered afterwards."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, assert_never

from watchkeeper.domain.timeline import TimelineEntry

#: The destination of every effect that Slack carries out.
SLACK = "slack"
#: The paging services' destinations; each webhook is one of its own (`webhook_destination`).
PAGERDUTY = "pagerduty"
OPSGENIE = "opsgenie"


class EffectKind(StrEnum):
    """What the outside world must be told; the deliverer registered for the kind decides how."""

    OPEN_CHANNEL = "open_channel"  # create, invite, topic, card, pin: resumable steps
    REFRESH_CARD = "refresh_card"  # the pinned card and the topic show the current state
    ANNOUNCE_ENTRY = "announce_entry"  # a timeline entry told in the channel (and broadcast)
    INVITE = "invite"  # bring responders into the channel
    REMIND = "remind"  # an update reminder, escalated by its level
    PUBLISH_REPORTS = "publish_reports"  # status-page report and postmortem draft as files
    NOTICE = "notice"  # a change without a timeline entry (reminder settings), told in the channel
    POST_ALERTS = (
        "post_alerts"  # what a monitor reported (labels, annotations, links), in the channel
    )
    WEBHOOK = "webhook"  # an incident event POSTed, signed, to one configured webhook
    PAGERDUTY_EVENT = "pagerduty_event"  # trigger or resolve the incident's PagerDuty alert
    OPSGENIE_ALERT = "opsgenie_alert"  # create or close the incident's Opsgenie alert
    FETCH_POSTMORTEM = "fetch_postmortem"  # the channel's latest postmortem file, to publish
    DIRECT_MESSAGE = "direct_message"  # a word to one person (a follow-up's nudge)
    DIGEST = "digest"  # the weekly digest of overdue follow-ups, in the broadcast channel
    LEARN_OWNER_ZONE = "learn_owner_zone"  # a follow-up owner's time zone, from Slack
    ASK_IF_STILL_GOING = "ask_if_still_going"  # a quiet incident's commander asked, with buttons
    ARCHIVE_CHANNEL = "archive_channel"  # a resolved incident's channel archived


def doing_what(kind: EffectKind) -> str:
    """What an effect of this kind was doing, for the notice that says it failed for good."""
    match kind:
        case EffectKind.OPEN_CHANNEL:
            return "open this incident's channel"
        case EffectKind.REFRESH_CARD:
            return "update the incident card or the channel topic"
        case EffectKind.ANNOUNCE_ENTRY:
            return "post a timeline entry in this channel"
        case EffectKind.INVITE:
            return "invite responders to this channel"
        case EffectKind.REMIND:
            return "post an update reminder"
        case EffectKind.PUBLISH_REPORTS:
            return "publish the status-page report and the postmortem draft"
        case EffectKind.NOTICE:
            return "post a notice"
        case EffectKind.POST_ALERTS:
            return "post the alerts' details in this channel"
        case EffectKind.WEBHOOK:
            return "tell a webhook receiver about this incident"
        case EffectKind.PAGERDUTY_EVENT:
            return "page the on-call through PagerDuty"
        case EffectKind.OPSGENIE_ALERT:
            return "alert the on-call through Opsgenie"
        case EffectKind.FETCH_POSTMORTEM:
            return "read the channel's latest postmortem file to publish it"
        case EffectKind.DIRECT_MESSAGE:
            return "send a follow-up's owner a direct message"
        case EffectKind.DIGEST:
            return "post the digest of overdue follow-ups"
        case EffectKind.LEARN_OWNER_ZONE:
            return "look up a follow-up owner's time zone"
        case EffectKind.ASK_IF_STILL_GOING:
            return "ask the commander whether this quiet incident is still going"
        case EffectKind.ARCHIVE_CHANNEL:
            return "archive this channel"
        case _:
            assert_never(kind)


@dataclass(frozen=True, slots=True)
class Effect:
    """One side effect; `dedupe_key` lets a pending effect absorb an identical later one.

    Effects of one incident reach one `destination` in the order they were queued; another
    destination's effects go their own way, so a receiver that is down holds back only itself.
    """

    kind: EffectKind
    incident_number: int | None
    payload: dict[str, Any] = field(default_factory=dict)
    dedupe_key: str | None = None
    destination: str = SLACK


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


def webhook_destination(name: str) -> str:
    """The outbox destination of the webhook called `name`: its events wait only for it."""
    return f"webhook:{name}"
