"""The App Home tab: open incidents at a glance and a button to declare one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from watchkeeper.domain.incident import Incident
from watchkeeper.slack.blocks import button, incident_line, section
from watchkeeper.slack.ids import Action


def home_view(incidents: Sequence[Incident], now: datetime) -> dict[str, Any]:
    """The Home tab for any user: what is burning, and how to raise the alarm."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Incidents"}},
        {
            "type": "actions",
            "elements": [button("Declare an incident", Action.DECLARE, "home", style="danger")],
        },
        {"type": "divider"},
    ]
    if not incidents:
        blocks.append(section("No open incidents. :ocean:"))
    for incident in list(incidents)[:40]:
        blocks.append(section(incident_line(incident, now)))
    if len(incidents) > 40:
        blocks.append(section(f"…and {len(incidents) - 40} more (`/incident list`)."))
    return {"type": "home", "blocks": blocks}
