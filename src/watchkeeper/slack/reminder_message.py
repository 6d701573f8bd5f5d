"""The update reminder: who should post, how long it has been quiet, and two buttons."""

from __future__ import annotations

from datetime import datetime

from watchkeeper.domain.durations import format_duration
from watchkeeper.domain.incident import COMMANDER, Incident
from watchkeeper.domain.reminders import ESCALATE_TO_BROADCAST, ESCALATE_TO_ROLES
from watchkeeper.slack.blocks import Blocks, button, context, section
from watchkeeper.slack.ids import Action
from watchkeeper.slack.markup import escape, mention


def reminder(
    incident: Incident, level: int, quiet_since: datetime, now: datetime, *, broadcast: bool = False
) -> tuple[str, Blocks]:
    """The reminder posted in the incident channel; it escalates with each unanswered one."""
    quiet = format_duration(now - quiet_since)
    commander = incident.commander
    who = (
        f"{mention(commander)}, time"
        if commander
        else "No commander is assigned (`/incident commander @user` assigns one). Time"
    )
    text = (
        f":bell: {who} for an update on *{incident.reference}*: no formal update for "
        f"{quiet}. Status: *{incident.status.label}*. Post one with `/incident update …`."
    )
    if level >= ESCALATE_TO_ROLES:
        holders = sorted(
            {user for role, user in incident.roles.items() if role != COMMANDER} - {commander}
        )
        if holders:
            text += "\nAlso asking " + ", ".join(mention(user) for user in holders) + "."
        text += f"\n_This is reminder {level} in a row without an update._"
    blocks: Blocks = [
        section(text),
        {
            "type": "actions",
            "elements": [
                button("Post update", Action.OPEN_UPDATE, str(incident.number), style="primary"),
                button("Snooze 30m", Action.SNOOZE, str(incident.number)),
            ],
        },
    ]
    if level >= ESCALATE_TO_BROADCAST and broadcast:
        blocks.insert(1, context("Escalated: the broadcast channel has been told as well."))
    return text, blocks


def escalation(incident: Incident, level: int, quiet_since: datetime, now: datetime) -> str:
    """What the broadcast channel hears when reminders keep going unanswered."""
    channel = f"<#{incident.channel_id}>" if incident.channel_id else escape(incident.reference)
    commander = mention(incident.commander) if incident.commander else "no commander"
    return (
        f":rotating_light: *{incident.reference}* ({escape(incident.severity)}, "
        f"{incident.status.label}) has had no formal update for "
        f"{format_duration(now - quiet_since)} after {level} reminders; {commander}. "
        f"Follow it in {channel}."
    )


#: Why Slack would not invite someone, in words a responder can act on.
WHY_LEFT_OUT = {
    "user_is_restricted": "a guest account, which only a person can invite",
    "user_disabled": "a deactivated account",
    "cant_invite": "Slack does not let apps invite them here",
    "user_not_found": "not a person in this workspace (a user group? name its members)",
    "invitee_cant_see_channel": "they cannot see this channel",
    "org_user_not_in_team": "they are not in this workspace",
    "ura_max_channels": "their account may not join more channels",
}


def left_out_notice(tell: str, left_out: list[tuple[str, str]]) -> str:
    """Whom the bot could not invite, and why, addressed to whoever asked for them."""
    people = ", ".join(
        f"{mention(user)} ({WHY_LEFT_OUT.get(code, escape(code.replace('_', ' ')))})"
        for user, code in left_out
    )
    return (
        f":warning: {mention(tell)}, I invited everyone else but could not invite {people}. "
        "Invite them yourself if they need to be here."
    )
