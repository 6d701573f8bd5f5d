"""The App Home tab: your open follow-ups, the open incidents, and a button to declare one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from slack_sdk import WebClient

from watchkeeper.domain.incident import Incident
from watchkeeper.services import follow_ups
from watchkeeper.services.context import Context
from watchkeeper.services.ports import FollowUpView
from watchkeeper.services.queries import open_incidents
from watchkeeper.slack.blocks import button, incident_line, section
from watchkeeper.slack.follow_up_messages import home_follow_ups
from watchkeeper.slack.ids import Action

#: Open incidents the tab lists one by one.
SHOWN = 40


def home_view(
    incidents: Sequence[Incident],
    now: datetime,
    mine: Sequence[FollowUpView] = (),
    today: date | None = None,
) -> dict[str, Any]:
    """The Home tab for one user: their follow-ups, what is burning, how to raise the alarm."""
    blocks: list[dict[str, Any]] = [
        *home_follow_ups(mine, today or now.date()),
        {"type": "divider"},
        {"type": "header", "text": {"type": "plain_text", "text": "Incidents"}},
        {
            "type": "actions",
            "elements": [button("Declare an incident", Action.DECLARE, "home", style="danger")],
        },
    ]
    if not incidents:
        blocks.append(section("No open incidents. :ocean:"))
    for incident in list(incidents)[:SHOWN]:
        blocks.append(section(incident_line(incident, now)))
    if len(incidents) > SHOWN:
        blocks.append(section(f"…and {len(incidents) - SHOWN} more (`/incident list`)."))
    return {"type": "home", "blocks": blocks}


def show_home(ctx: Context, client: WebClient, user_id: str) -> None:
    """Publish `user_id`'s Home tab as things stand."""
    now = ctx.now()
    mine = follow_ups.follow_ups(ctx, owners=[user_id], open_only=True)
    today = now.astimezone(ctx.zone).date()
    shown = open_incidents(ctx, viewer=user_id)
    client.views_publish(user_id=user_id, view=home_view(shown, now, mine, today))
