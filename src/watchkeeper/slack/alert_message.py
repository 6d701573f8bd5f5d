"""The message that shows responders what a monitor reported: each alert's labels, annotations,
values, times and links (the query that fired, a silence, a dashboard, a runbook)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from watchkeeper.slack.blocks import Blocks, context, section, shorten, when
from watchkeeper.slack.markup import escape

#: Annotations shown as text above the rest (the others follow as `name: value` lines).
_LEAD_ANNOTATIONS = ("summary", "description")
#: The link labels, in the order shown.
_LINKS = {
    "source": "Source",
    "dashboard": "Dashboard",
    "panel": "Panel",
    "runbook": "Runbook",
    "silence": "Silence",
}
_VALUE_LIMIT = 500


def alerts_message(reference: str, payload: dict[str, Any], zone: ZoneInfo) -> tuple[str, Blocks]:
    """The fallback text and blocks for one alert entry of the timeline."""
    entry = payload["entry"]
    firing = entry["detail"].get("status") == "firing"
    icon = ":rotating_light:" if firing else ":white_check_mark:"
    origin = f" from {escape(payload['origin'])}" if payload.get("origin") else ""
    text = shorten(f"{icon} *{reference}*{origin}: {escape(entry['text'])}", 3000)
    blocks: Blocks = [section(text)]
    for alert in payload.get("alerts", []):
        blocks += _alert_blocks(alert, zone)
    if payload.get("more"):
        blocks.append(context(f"…and {payload['more']} more; the timeline names them all."))
    return f"{reference}{origin}: {escape(entry['text'])}", blocks


def _alert_blocks(alert: dict[str, Any], zone: ZoneInfo) -> Blocks:
    annotations: dict[str, str] = alert.get("annotations", {})
    status = alert.get("status", "")
    lines = [f"*{escape(alert.get('name', 'Alert'))}* ({escape(status)})"]
    lines += [escape(annotations[key]) for key in _LEAD_ANNOTATIONS if annotations.get(key)]
    lines += [
        f"_{escape(key)}:_ {escape(value)}"
        for key, value in sorted(annotations.items())
        if key not in _LEAD_ANNOTATIONS and not key.startswith("runbook") and value
    ]
    if alert.get("value"):
        value = str(alert["value"])
        value = value if len(value) <= _VALUE_LIMIT else value[: _VALUE_LIMIT - 1] + "…"
        lines.append(f"_Values:_ `{_code(value)}`")
    labels = " ".join(f"`{_code(k)}={_code(v)}`" for k, v in sorted(alert["labels"].items()))
    facts = [labels] if labels else []
    moments = _moments(alert, zone)
    if moments:
        facts.append(moments)
    links = _links(alert.get("links", []))
    if links:
        facts.append(links)
    blocks: Blocks = [section("\n".join(lines))]
    if facts:
        blocks.append(context("\n".join(facts)))
    return blocks


def _moments(alert: dict[str, Any], zone: ZoneInfo) -> str:
    parts = []
    if alert.get("starts_at"):
        parts.append(f"Firing since {when(datetime.fromisoformat(alert['starts_at']), zone)}")
    if alert.get("ends_at") and alert.get("status") == "resolved":
        parts.append(f"resolved at {when(datetime.fromisoformat(alert['ends_at']), zone)}")
    return ", ".join(parts)


def _links(links: list[list[str]]) -> str:
    by_kind = {kind: url for kind, url in links if _linkable(url)}
    shown = [
        f"<{by_kind[kind].replace('&', '&amp;')}|{label}>"
        for kind, label in _LINKS.items()
        if kind in by_kind
    ]
    return " · ".join(shown)


def _linkable(url: str) -> bool:
    """Only plain web addresses become links; anything that could break out of one is left out."""
    return url.startswith(("https://", "http://")) and not any(c in url for c in "<>| \t\n")


def _code(text: str) -> str:
    """Text for inside a code span: escaped, and no backtick to end it early."""
    return escape(str(text)).replace("`", "ʹ")
