"""Alerts in: a monitor's report declares an incident, or goes on the timeline of the one
holding its group.

One report is one transaction. The group's stored row is locked first (`AlertGroups.hold`), so
deliveries of one group, however many arrive at once, are taken in one after the other: the
first may declare, the rest find the group held. What the report says is compared with what
the group is known to fire (`domain.alerts.changes`): a repeat changes nothing; an alert that
joins or resolves is a timeline entry; a group no open incident holds declares one, if the
source's policy lets it (`domain.alert_policy`: the matchers, then the quiet rule).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from watchkeeper.domain.alert_policy import QUIET_WINDOW, AlertPolicy
from watchkeeper.domain.alerts import (
    FIRING,
    RESOLVED,
    Alert,
    AlertReport,
    Changes,
    changes,
    firing_text,
    monitor_author,
    resolved_text,
)
from watchkeeper.domain.errors import IncidentError
from watchkeeper.domain.incident import Incident, reference
from watchkeeper.domain.milestones import Milestone
from watchkeeper.domain.timeline import EntryKind, TimelineEntry
from watchkeeper.services.changes import effects_of
from watchkeeper.services.context import Context
from watchkeeper.services.declare import declaration_effects
from watchkeeper.services.effects import Effect, EffectKind, entry_payload
from watchkeeper.services.ports import UnitOfWork

Outcome = Literal["declared", "recorded", "joined", "unchanged", "not_declared", "quiet"]

#: Alerts whose details one channel message shows; the timeline entry names them all.
DETAILED = 10


@dataclass(frozen=True, slots=True)
class Received:
    """What a report did, and to which incident: what the hook answers the monitor."""

    outcome: Outcome
    incident: str | None = None
    reason: str = ""


def receive_alerts(ctx: Context, policy: AlertPolicy, report: AlertReport) -> Received:
    """Take in one report from a monitor: declare, record on the timeline, or do nothing."""
    now = ctx.now()
    author = monitor_author(policy.source)
    with ctx.uow() as uow:
        group = uow.alerts.hold(report.source, report.group_key, now)
        change = changes(group.firing, report)
        if not change:
            held = group.incident_number
            return Received("unchanged", reference(held) if held is not None else None)
        told = _Told(policy.source, author, now)
        holder = (
            told.take(uow.incidents.get(group.incident_number, history=False))
            if group.incident_number is not None
            else None
        )
        if holder is not None and change.resolved:
            said = {r.fingerprint for r in change.resolved if r.said}
            alerts = tuple(
                a for a in report.alerts if a.status == RESOLVED and a.fingerprint in said
            )
            told.record(holder, resolved_text(change.resolved), RESOLVED, alerts)
        joined_to = holder if holder is not None and holder.is_open else None
        received = Received("recorded", holder.reference if holder else None)
        if joined_to is None and change.joined:
            declaring = policy.declaring(change.joined)
            if declaring:
                found, received = _declare_or_join(ctx, uow, policy, report, declaring, now)
                joined_to = (
                    told.take(found, declared=received.outcome == "declared") if found else None
                )
            else:
                why = "no new firing alert matches declare_when"
                received = Received("not_declared", received.incident, why)
        if joined_to is not None and change.joined:
            told.record(joined_to, firing_text(change.joined, report), FIRING, change.joined)
            _extend_components(joined_to, policy, report, change.joined, author, now)
        keeper = joined_to or holder
        uow.alerts.keep(
            report.source,
            report.group_key,
            incident_number=keeper.number if keeper is not None else None,
            firing=change.firing if joined_to is not None else _still(group.firing, change),
            now=now,
        )
        # The last alert of every group the incident holds resolved: the monitor says it is over.
        if (
            policy.resolve_incident
            and holder is not None
            and holder.is_open
            and change.resolved
            and uow.alerts.firing_for(holder.number) == 0
        ):
            holder.resolve(by=author, at=now, message=f"All its alerts resolved ({policy.source}).")
        effects = told.save(ctx, uow, report)
        uow.outbox.add_all(effects, now)
        uow.commit()
    if effects:
        ctx.on_effects()
    return received


class _Told:
    """The incidents one report changes, what each held before, and the alert entries it adds."""

    def __init__(self, source: str, author: str, now: datetime) -> None:
        self._source = source
        self._author = author
        self._now = now
        self._touched: dict[int, tuple[Incident, int]] = {}
        self._declared: int | None = None
        self._alerts: dict[int, list[tuple[int, tuple[Alert, ...]]]] = {}

    def take(self, incident: Incident, *, declared: bool = False) -> Incident:
        """The incident this report changes (the same object however often it is taken)."""
        self._touched.setdefault(incident.number, (incident, len(incident.timeline)))
        if declared:
            self._declared = incident.number
        return self._touched[incident.number][0]

    def record(self, incident: Incident, text: str, status: str, alerts: tuple[Alert, ...]) -> None:
        """Put what the monitor said on the incident's timeline; its channel gets the details."""
        incident.record_alerts(
            text, source=self._source, status=status, by=self._author, at=self._now
        )
        position = len(incident.timeline) - 1
        self._alerts.setdefault(incident.number, []).append((position, alerts))

    def save(self, ctx: Context, uow: UnitOfWork, report: AlertReport) -> list[Effect]:
        """Save every incident changed, and return what each change must tell."""
        effects: list[Effect] = []
        for number, (incident, before) in self._touched.items():
            ctx.save(uow, incident)
            if number == self._declared:
                effects += declaration_effects(ctx, incident, list(_responders(ctx, incident)))
            else:
                new = [e for e in incident.timeline[before:] if e.kind is not EntryKind.ALERT]
                effects += effects_of(ctx, incident, new)
            effects += [
                _alerts_effect(incident, incident.timeline[position], alerts, report)
                for position, alerts in self._alerts.get(number, [])
            ]
        return effects


def _declare_or_join(
    ctx: Context,
    uow: UnitOfWork,
    policy: AlertPolicy,
    report: AlertReport,
    declaring: list[Alert],
    now: datetime,
) -> tuple[Incident | None, Received]:
    """Declare an incident for the group, or (the quiet rule) join the source's newest one."""
    author = monitor_author(policy.source)
    uow.alerts.take_turn(policy.source)  # the quiet rule counts the declarations before this one
    declared = uow.alerts.declared_since(author, now - QUIET_WINDOW)
    if not policy.quiet(declared):
        incident = _declare(ctx, uow, policy, report, declaring, now)
        return incident, Received("declared", incident.reference)
    why = (
        f"quiet rule: {declared} incidents declared from {policy.source} in the last hour "
        f"(max_incidents_per_hour = {policy.max_incidents_per_hour})"
    )
    newest = uow.alerts.newest_open(author)
    if newest is None:
        return None, Received("quiet", None, why + "; none is open to join, so none was declared")
    incident = uow.incidents.get(newest, history=False)
    return incident, Received("joined", incident.reference, why)


def _declare(
    ctx: Context,
    uow: UnitOfWork,
    policy: AlertPolicy,
    report: AlertReport,
    declaring: list[Alert],
    now: datetime,
) -> Incident:
    """A new incident for the group: its title, severity and components from the alerts."""
    author = monitor_author(policy.source)
    firing = list(report.firing)
    first = declaring[0]
    incident = Incident.declare(
        number=uow.incidents.next_number(),
        title=policy.title_for(report, [first, *[a for a in firing if a is not first]]),
        severity=policy.severity(firing, ctx.scale),
        declared_by=author,
        at=now,
        description=first.annotations.get("description", ""),
    )
    uow.incidents.add(incident)
    # The monitor saw it first: detection is when the earliest alert began firing.
    began = [a.starts_at for a in firing if a.starts_at is not None and a.starts_at < now]
    if began:
        # More than 30 days ago, or a clock that disagrees: the declaration stands without it.
        with contextlib.suppress(IncidentError):
            incident.set_milestone(Milestone.DETECTED, min(began), by=author, at=now)
    return incident


def _extend_components(
    incident: Incident,
    policy: AlertPolicy,
    report: AlertReport,
    alerts: tuple[Alert, ...],
    author: str,
    now: datetime,
) -> None:
    named = policy.components(report, alerts)
    new = [name for name in named if name not in incident.components]
    if new:
        incident.set_components((*incident.components, *new), by=author, at=now)


def _still(known: dict[str, str], change: Changes) -> dict[str, str]:
    """The group's known alerts that still fire, without those that joined unheld: a repeat
    of the report may declare once the rules allow it."""
    return {fp: description for fp, description in known.items() if fp in change.firing}


def _responders(ctx: Context, incident: Incident) -> tuple[str, ...]:
    return ctx.scale.level(incident.severity).responders


def _alerts_effect(
    incident: Incident, entry: TimelineEntry, alerts: tuple[Alert, ...], report: AlertReport
) -> Effect:
    """Tell the incident channel what the monitor reported, alert by alert."""
    payload: dict[str, Any] = {
        "entry": entry_payload(entry),
        "source": report.source,
        "origin": report.origin,
        "alerts": [_alert_payload(alert) for alert in alerts[:DETAILED]],
        "more": max(0, len(alerts) - DETAILED),
    }
    return Effect(EffectKind.POST_ALERTS, incident.number, payload)


def _alert_payload(alert: Alert) -> dict[str, Any]:
    return {
        "status": alert.status,
        "name": alert.name,
        "labels": dict(alert.labels),
        "annotations": dict(alert.annotations),
        "starts_at": alert.starts_at.isoformat() if alert.starts_at else None,
        "ends_at": alert.ends_at.isoformat() if alert.ends_at else None,
        "links": [list(link) for link in alert.links],
        "value": alert.value,
    }
