"""Block Kit for the incident card and the messages that tell the channel what changed."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any, assert_never
from zoneinfo import ZoneInfo

from watchkeeper.domain.durations import format_duration
from watchkeeper.domain.incident import COMMANDER, Incident, IncidentSummary
from watchkeeper.domain.milestones import Milestone
from watchkeeper.domain.status import Status
from watchkeeper.domain.timeline import EntryKind
from watchkeeper.reports.timeline import correction, follow_up_change
from watchkeeper.reports.times import in_zone
from watchkeeper.slack.ids import Action
from watchkeeper.slack.markup import clip, escape, label, mention

Blocks = list[dict[str, Any]]

#: Slack's limits: text in a section block, a section field, and a header's plain text.
SECTION_LIMIT = 3000
FIELD_LIMIT = 2000
HEADER_LIMIT = 150
#: A message's text: Slack cuts at 40,000 characters and asks for under 4,000 to read well.
MESSAGE_LIMIT = 4000
#: Each of the card's facts, so that a very long one leaves room for the others.
FACT_LIMIT = 900
#: What a shortened text ends with: the stored timeline and the published files keep it all.
CUT = " (… cut; the full text is on the timeline)"
# A cut must not leave half an entity (`&am`) or half a mention or link (`<@U12`).
_TORN = re.compile(r"(&[a-z]{0,4}|<[^<>]*)$")

STATUS_EMOJI = {
    Status.INVESTIGATING: ":mag:",
    Status.IDENTIFIED: ":bulb:",
    Status.MONITORING: ":eyes:",
    Status.RESOLVED: ":white_check_mark:",
}


def when(moment: datetime, zone: ZoneInfo) -> str:
    """A time as the channel reads it: `Nov 24, 08:38 UTC`."""
    local = in_zone(moment, zone)
    return f"{local:%b} {local.day}, {local:%H:%M} {local.tzname()}"


def shorten(text: str, limit: int) -> str:
    """Mrkdwn within `limit` characters; a cut is marked and never tears an entity or a mention."""
    if len(text) <= limit:
        return text
    return _TORN.sub("", text[: limit - len(CUT)]) + CUT


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": shorten(text, SECTION_LIMIT)}}


def context(text: str) -> dict[str, Any]:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": shorten(text, SECTION_LIMIT)}],
    }


def button(text: str, action: Action, value: str, *, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action.value,
        "value": value,
    }
    if style:
        element["style"] = style
    return element


def incident_card(
    incident: Incident, zone: ZoneInfo, *, status_page: bool = False
) -> tuple[str, Blocks]:
    """The pinned card: what, how bad, who leads, what users see; kept current.

    With a `status_page`, its buttons also put the incident on the page or take it off, and
    publish the postmortem of a resolved one.
    """
    commander = incident.commander
    fields = [
        f"*Status*\n{STATUS_EMOJI[incident.status]} {incident.status.label}",
        f"*Severity*\n{escape(incident.severity)}",
        f"*Commander*\n{mention(commander) if commander else '_none yet_ (`/incident commander @user`)'}",
        f"*Declared*\n{when(incident.declared_at, zone)} by {mention(incident.declared_by)}",
    ]
    other_roles = [
        f"{escape(role)}: {mention(user)}"
        for role, user in sorted(incident.roles.items())
        if role != COMMANDER
    ]
    blocks: Blocks = [
        {
            "type": "header",
            "text": {
                "type": "plain_text",
                "text": clip(f"{incident.reference}: {incident.title}", HEADER_LIMIT),
            },
        },
        {
            "type": "section",
            "fields": [{"type": "mrkdwn", "text": shorten(f, FIELD_LIMIT)} for f in fields],
        },
    ]
    if incident.description:
        blocks.append(section(escape(incident.description)))
    facts = [
        f"*Impact:* {escape(incident.impact) if incident.impact else '_not yet described_ (`/incident impact …`)'}",
        f"*Components:* {escape(', '.join(incident.components)) if incident.components else '_none named_'}",
    ]
    if other_roles:
        facts.append("*Roles:* " + ", ".join(other_roles))
    if incident.cause:
        facts.append(f"*Cause:* {escape(incident.cause)}")
    blocks.append(section("\n".join(shorten(fact, FACT_LIMIT) for fact in facts)))
    if incident.last_update_at:
        blocks.append(context(f"Last formal update {when(incident.last_update_at, zone)}"))
    if incident.is_published:
        blocks.append(context(":globe_with_meridians: On the public status page"))
    if incident.private:
        blocks.append(
            context(
                ":lock: Private: listed only to this channel's members; not broadcast or published"
            )
        )
    buttons = _card_buttons(incident, status_page=status_page)
    if buttons:
        blocks.append({"type": "actions", "elements": buttons})
    fallback = f"{incident.reference}: {escape(incident.title)} ({incident.severity}, {incident.status.label})"
    return fallback, blocks


def _card_buttons(incident: Incident, *, status_page: bool) -> list[dict[str, Any]]:
    number = str(incident.number)
    buttons: list[dict[str, Any]] = []
    if incident.is_open:
        buttons += [
            button("Post update", Action.OPEN_UPDATE, number, style="primary"),
            button("Change status", Action.OPEN_STATUS, number),
            button("Change severity", Action.OPEN_SEVERITY, number),
            button("Assign commander", Action.OPEN_COMMANDER, number),
        ]
    # Follow-ups are agreed during the incident and, as often, at its review after it.
    buttons.append(button("Add follow-up", Action.OPEN_FOLLOW_UP, number))
    buttons.append(button("Edit timeline", Action.OPEN_TIMELINE_EDITOR, number))
    if status_page and incident.is_published:
        if not incident.is_open:
            buttons.append(button("Publish postmortem", Action.OPEN_POSTMORTEM, number))
        buttons.append(button("Take off status page", Action.UNPUBLISH, number))
    elif status_page and incident.is_open and not incident.private:
        buttons.append(button("Publish on status page", Action.PUBLISH, number))
    return buttons


def topic(incident: Incident) -> str:
    """The channel topic: the state at a glance (Slack caps topics at 250 characters)."""
    commander = mention(incident.commander) if incident.commander else "no commander"
    head = f"{incident.reference} | {incident.severity} | {incident.status.label} | {commander} | "
    return head + clip(escape(incident.title), 250 - len(head))


def entry_message(
    incident_ref: str, payload: dict[str, Any], zone: ZoneInfo, *, channel_id: str | None = None
) -> str:
    """One timeline entry told in mrkdwn; user text always escaped, a very long one shortened."""
    return shorten(_entry_text(incident_ref, payload, zone, channel_id), MESSAGE_LIMIT)


def _entry_text(
    incident_ref: str, payload: dict[str, Any], zone: ZoneInfo, channel_id: str | None
) -> str:
    kind = EntryKind(payload["kind"])
    by = mention(payload["author"])
    text = escape(payload["text"])
    detail: dict[str, str] = payload["detail"]
    status = Status(payload["status"])
    quoted = "\n>" + text.replace("\n", "\n>") if text else ""
    where = f" in <#{channel_id}>" if channel_id else ""
    match kind:
        case EntryKind.DECLARED:
            return (
                f":rotating_light: *{incident_ref} declared* ({escape(detail.get('severity', ''))})"
                f" by {by}{where}: {text}"
            )
        case EntryKind.STATUS_CHANGED:
            return (
                f"{STATUS_EMOJI[status]} *{incident_ref} is now {status.label}* "
                f"(was {Status(detail['from']).label}), by {by}{where}{quoted}"
            )
        case EntryKind.UPDATE:
            return f":mega: *{incident_ref} update* ({status.label}) from {by}{where}{quoted}"
        case EntryKind.RESOLVED:
            return f":white_check_mark: *{incident_ref} is resolved*, by {by}{quoted}"
        case EntryKind.REOPENED:
            return f":repeat: *{incident_ref} is reopened* and back to Investigating, by {by}{where}{quoted}"
        case EntryKind.SEVERITY_CHANGED:
            return (
                f":warning: {incident_ref} severity changed from {escape(detail['from'])} "
                f"to *{escape(detail['to'])}* by {by}{where}"
            )
        case EntryKind.ROLE_ASSIGNED:
            return f":bust_in_silhouette: {mention(detail['user'])} is now *{escape(detail['role'])}*, assigned by {by}"
        case EntryKind.IMPACT:
            return f":busts_in_silhouette: Impact set by {by}{quoted}"
        case EntryKind.COMPONENTS:
            return f":jigsaw: Affected components set by {by}: {text}"
        case EntryKind.CAUSE:
            return f":mag_right: Root cause recorded by {by}{quoted}"
        case EntryKind.NOTE:
            return f":memo: Note from {by}{quoted}"
        case EntryKind.ACTION:
            owner = detail.get("owner")
            owned = f", owner {mention(owner)}" if owner else ""
            due = f", due {detail['due']}" if detail.get("due") else ""
            return f":hammer_and_wrench: Follow-up {detail.get('action', '')} added by {by}{owned}{due}{quoted}"
        case EntryKind.MILESTONE:
            moment = datetime.fromisoformat(detail["at"])
            return f":round_pushpin: {by} set *{detail['milestone']}* to {when(moment, zone)}"
        case EntryKind.PINNED:
            return f":pushpin: Pinned message from {by} added to the timeline{quoted}"
        case EntryKind.ACTION_CHANGED:
            return f":hammer_and_wrench: {by} {follow_up_change(detail, mention)}{quoted}"
        case EntryKind.ALERT:
            icon = ":rotating_light:" if detail.get("status") == "firing" else ":white_check_mark:"
            return f"{icon} {text} (from {by})"
        case EntryKind.PUBLISHED:
            return f":globe_with_meridians: {by} put {incident_ref} on the status page as *{text}*"
        case EntryKind.UNPUBLISHED:
            return f":no_entry_sign: {by} took {incident_ref} off the status page"
        case EntryKind.POSTMORTEM_PUBLISHED:
            return (
                f":page_facing_up: {by} published the {incident_ref} postmortem on the status page"
            )
        case EntryKind.MADE_PRIVATE:
            return (
                f":lock: {by} made {incident_ref} private: no more broadcasts, status page or "
                "webhooks, and it is listed only to this channel's members"
            )
        case EntryKind.KEPT:
            return f":file_cabinet: {by} kept this channel: it will not be archived"
        case EntryKind.STILL_GOING:
            again = when(datetime.fromisoformat(detail["ask_again"]), zone)
            return f":hourglass_flowing_sand: {by} says {incident_ref} is still going; next check at {again}"
        case EntryKind.CORRECTED:
            return f":pencil2: {by} corrected the timeline: {escape(correction(detail, payload['text'], zone))}"
        case _:
            assert_never(kind)


def incident_line(incident: Incident | IncidentSummary, now: datetime) -> str:
    """One line of `/incident list`: reference, title, status, severity, commander, age, channel."""
    age = format_duration(now - incident.declared_at)
    commander = mention(incident.commander) if incident.commander else "no commander"
    channel = f"<#{incident.channel_id}>" if incident.channel_id else "_channel opening…_"
    lock = ":lock: " if incident.private else ""
    return (
        f"{lock}*{incident.reference}* {escape(label(incident.title))} · {incident.status.label} · "
        f"{escape(incident.severity)} · {commander} · {age} · {channel}"
    )


#: Incidents `/incident list` shows; `watchkeeper list` shows the rest.
LISTED = 50


def incident_list(total: int, first: Sequence[IncidentSummary], now: datetime) -> str:
    """The ephemeral `/incident list` reply: `total` open, the `first` of them (`LISTED`)."""
    if not total:
        return "No open incidents. `/incident declare <title>` opens one."
    lines = [incident_line(incident, now) for incident in first[:LISTED]]
    more = total - len(lines)
    if more > 0:
        lines.append(f"…and {more} more: `watchkeeper list` shows all of them.")
    return f"*Open incidents ({total})*\n" + "\n".join(lines)


def resolution_summary(incident: Incident) -> str:
    """The broadcast channel's word that an incident is over, with where to read more."""
    start = incident.milestone(Milestone.STARTED)
    end = incident.milestone(Milestone.RESOLVED)
    lasted = f" after {format_duration(end - start)}" if start and end else ""
    where = (
        f" Timeline and postmortem draft in <#{incident.channel_id}>."
        if incident.channel_id
        else ""
    )
    text = (
        f":white_check_mark: *{incident.reference} resolved*{lasted} "
        f"({escape(incident.severity)}): {escape(incident.title)}.{where}"
    )
    if incident.resolution:
        text += "\n>" + escape(incident.resolution).replace("\n", "\n>")
    return shorten(text, MESSAGE_LIMIT)
