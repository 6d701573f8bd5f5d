"""What tidying says: the question to a quiet incident's commander, and the archive notices."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from watchkeeper.domain.durations import format_compact, format_duration
from watchkeeper.domain.incident import Incident
from watchkeeper.slack.blocks import Blocks, button, section, when
from watchkeeper.slack.ids import Action
from watchkeeper.slack.markup import mention


def still_going_question(
    incident: Incident, quiet_since: datetime, now: datetime, ask_again: timedelta
) -> tuple[str, Blocks]:
    """Asked once per quiet spell, of the commander: resolve it, or say it is still going."""
    who = (
        f"{mention(incident.commander)}, is"
        if incident.commander
        else "Nobody is commander (`/incident commander @user` assigns one). Is"
    )
    text = (
        f":zzz: {who} *{incident.reference}* still going? Its timeline has been quiet for "
        f"{format_duration(now - quiet_since)}. Status: *{incident.status.label}*."
    )
    number = str(incident.number)
    blocks: Blocks = [
        section(text),
        {
            "type": "actions",
            "block_id": "quiet-incident",
            "elements": [
                button("Resolve", Action.STALE_RESOLVE, number, style="primary"),
                button(
                    f"Still going (ask again in {format_compact(ask_again)})",
                    Action.STILL_GOING,
                    number,
                ),
            ],
        },
    ]
    return text, blocks


def archive_notice(incident: Incident, at: datetime, zone: ZoneInfo) -> str:
    """Posted on resolution: when the channel is archived, and how to keep it."""
    return (
        f":file_cabinet: This channel will be archived on {when(at, zone)}, now that "
        f"{incident.reference} is resolved. To keep it, run `/incident keep` here; reopening "
        "the incident also cancels the archive."
    )


def archive_cancelled(incident: Incident) -> str:
    """Posted on reopening, when an archive was pending."""
    return f":file_cabinet: {incident.reference} is reopened: this channel will not be archived."


def still_going_reply(incident: Incident, user: str, ask_again: datetime, zone: ZoneInfo) -> str:
    """What the question becomes once someone says it is still going."""
    return (
        f":hourglass_flowing_sand: {mention(user)} says *{incident.reference}* is still going; "
        f"the next check is at {when(ask_again, zone)} if the timeline stays quiet."
    )


def resolved_reply(incident: Incident, user: str) -> str:
    """What the question becomes once someone resolves the incident from it."""
    return f":white_check_mark: {mention(user)} resolved *{incident.reference}* from this question."
