"""What other systems are told of an incident: events for webhooks, pages for the on-call.

Every change queues, in its own transaction, an effect per webhook that wants its event
(`[[webhooks]]`: by event, by severity, private incidents only where allowed) and per paging
service when the change pages or withdraws a page (`domain.paging`). Each webhook and each
paging service is a destination of its own in the outbox: a receiver that is down holds back
only itself, and receives its events in order once it answers again.

The bodies are built here, from the incident as the change left it, so a retry sends the same
event; secrets, URLs and keys are added by the deliverers (`watchkeeper.outgoing`), never stored.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from watchkeeper.domain.events import IncidentEvent, event_of
from watchkeeper.domain.incident import Incident
from watchkeeper.domain.paging import PageAction, page_action
from watchkeeper.domain.severity import SeverityScale
from watchkeeper.domain.timeline import TimelineEntry
from watchkeeper.services.effects import (
    OPSGENIE,
    PAGERDUTY,
    Effect,
    EffectKind,
    webhook_destination,
)

#: PagerDuty's severities, most severe first; a scale's levels map onto them by rank.
PAGERDUTY_SEVERITIES = ("critical", "error", "warning", "info")
#: Opsgenie's priorities, most urgent first.
OPSGENIE_PRIORITIES = ("P1", "P2", "P3", "P4", "P5")
#: Opsgenie cuts an alert's message at 130 characters; PagerDuty a summary at 1024.
OPSGENIE_MESSAGE_LIMIT = 130
PAGERDUTY_SUMMARY_LIMIT = 1024
#: What the paging services show as the sender.
SENDER = "watchkeeper"


@dataclass(frozen=True, slots=True)
class Subscription:
    """One webhook as the use cases see it: its name and which events it wants."""

    name: str
    #: The events it wants; None: every event.
    events: frozenset[IncidentEvent] | None = None
    #: Severity levels it wants events of; None: every level.
    severities: frozenset[str] | None = None
    #: Whether it may hear of private incidents.
    private: bool = False

    @property
    def destination(self) -> str:
        return webhook_destination(self.name)

    def wants(self, event: IncidentEvent, incident: Incident) -> bool:
        if incident.private and not self.private:  # private incidents: only where allowed
            return False
        if self.events is not None and event not in self.events:
            return False
        return self.severities is None or incident.severity in self.severities


@dataclass(frozen=True, slots=True)
class Paging:
    """The severity levels that page, and the services that page through."""

    levels: frozenset[str] = frozenset()
    pagerduty: bool = False
    opsgenie: bool = False


@dataclass(frozen=True, slots=True)
class Outgoing:
    """Everyone outside Slack who hears of incidents (bootstrap builds it from the settings)."""

    webhooks: tuple[Subscription, ...] = ()
    paging: Paging = field(default_factory=Paging)


def outgoing_effects(
    outgoing: Outgoing, scale: SeverityScale, incident: Incident, entries: Iterable[TimelineEntry]
) -> list[Effect]:
    """The webhook events and paging calls that these new entries of the incident make."""
    effects: list[Effect] = []
    for entry in entries:
        event = event_of(entry.kind)
        if event is not None:
            effects += event_effects(outgoing, incident, event, entry.at, entry=entry)
        action = page_action(entry, incident, paging=outgoing.paging.levels, scale=scale)
        if action is not None:
            effects += page_effects(outgoing.paging, scale, incident, action, entry.at)
    return effects


def event_effects(
    outgoing: Outgoing,
    incident: Incident,
    event: IncidentEvent,
    at: datetime,
    *,
    entry: TimelineEntry | None = None,
) -> list[Effect]:
    """One effect per webhook that wants this event: the same body, with one id, to each."""
    wanting = [hook for hook in outgoing.webhooks if hook.wants(event, incident)]
    if not wanting:
        return []
    body = event_body(event, incident, at, entry=entry, event_id=f"evt_{uuid.uuid4().hex}")
    return [
        Effect(
            EffectKind.WEBHOOK,
            incident.number,
            {"event": event.value, "body": body},
            destination=hook.destination,
        )
        for hook in wanting
    ]


def event_body(
    event: IncidentEvent,
    incident: Incident,
    at: datetime,
    *,
    entry: TimelineEntry | None,
    event_id: str,
) -> dict[str, Any]:
    """The JSON a webhook receives: the event, its id, when, the incident, and its entry."""
    body: dict[str, Any] = {
        "event": event.value,
        "id": event_id,
        "occurred_at": iso_utc(at),
        "incident": incident_summary(incident),
    }
    if entry is not None:
        body["entry"] = {
            "kind": entry.kind.value,
            "at": iso_utc(entry.at),
            "author": entry.author,
            "text": entry.text,
            "status": entry.status.value,
            "formal": entry.formal,
            "detail": dict(entry.detail),
        }
    return body


def incident_summary(incident: Incident) -> dict[str, Any]:
    """The incident as an event shows it."""
    return {
        "reference": incident.reference,
        "number": incident.number,
        "title": incident.title,
        "status": incident.status.value,
        "severity": incident.severity,
        "channel_id": incident.channel_id,
        "commander": incident.commander,
        "components": list(incident.components),
        "private": incident.private,
    }


def page_effects(
    paging: Paging, scale: SeverityScale, incident: Incident, action: PageAction, at: datetime
) -> list[Effect]:
    """Trigger or resolve the incident's page on each configured service (keyed by reference)."""
    effects: list[Effect] = []
    rank = scale.rank(incident.severity) if incident.severity in scale.names else len(scale.names)
    ref = incident.reference
    if paging.pagerduty:
        payload: dict[str, Any] = {"event_action": action, "dedup_key": ref}
        if action == "trigger":
            payload["payload"] = {
                "summary": _clip(f"{ref}: {incident.title}", PAGERDUTY_SUMMARY_LIMIT),
                "source": SENDER,
                "severity": PAGERDUTY_SEVERITIES[min(rank, len(PAGERDUTY_SEVERITIES) - 1)],
                "timestamp": iso_utc(at),
                "class": incident.severity,
                "custom_details": _details(incident),
            }
            if incident.components:
                payload["payload"]["component"] = ", ".join(incident.components)
        effects.append(
            Effect(EffectKind.PAGERDUTY_EVENT, incident.number, payload, destination=PAGERDUTY)
        )
    if paging.opsgenie:
        if action == "trigger":
            alert: dict[str, Any] = {
                "action": "create",
                "alias": ref,
                "message": _clip(f"{ref}: {incident.title}", OPSGENIE_MESSAGE_LIMIT),
                "description": incident.description or incident.title,
                "priority": OPSGENIE_PRIORITIES[min(rank, len(OPSGENIE_PRIORITIES) - 1)],
                "source": SENDER,
                "tags": ["watchkeeper", incident.severity],
                "details": {k: _text(v) for k, v in _details(incident).items()},
            }
        else:
            alert = {"action": "close", "alias": ref, "note": f"{ref} was resolved."}
        effects.append(
            Effect(EffectKind.OPSGENIE_ALERT, incident.number, alert, destination=OPSGENIE)
        )
    return effects


def iso_utc(moment: datetime) -> str:
    """`2025-11-24T08:08:00Z`."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _details(incident: Incident) -> dict[str, Any]:
    return {
        "reference": incident.reference,
        "severity": incident.severity,
        "status": incident.status.value,
        "commander": incident.commander,
        "components": list(incident.components),
        "declared_at": iso_utc(incident.declared_at),
    }


def _text(value: object) -> str:
    """Opsgenie's details are strings only."""
    if isinstance(value, Sequence) and not isinstance(value, str):
        return ", ".join(str(each) for each in value)
    return "" if value is None else str(value)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
