"""Alerts as a monitor reports them, and what a new report changes about a group of them.

A monitor (Alertmanager, Grafana, a script) reports a *group* of alerts under a key of its own,
again and again: when the group first fires, every repeat interval, when an alert joins or
resolves. Watchkeeper keeps, per group, the alerts it last knew firing (fingerprint → how it
reads); `changes` compares a new report with that and says what is news. A report that says
nothing new (a repeat, a re-send) changes nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

AlertStatus = Literal["firing", "resolved"]
FIRING: AlertStatus = "firing"
RESOLVED: AlertStatus = "resolved"

#: How an entry lists the alerts it is about before it says "and N more".
LISTED = 5
#: An alert's description on the timeline is cut at this length.
DESCRIPTION_LIMIT = 200

# Who the timeline says acted when a monitor did: lowercase words, which no Slack user ID is.
_MONITOR = re.compile(r"[a-z][a-z0-9-]*")


def monitor_author(source: str) -> str:
    """The author of the entries a hook source leaves: `alertmanager`, `grafana`,
    `incident-hook` (for `/hooks/incident`, whose own name would read as a noun)."""
    return "incident-hook" if source == "incident" else source


def is_monitor(author: str) -> bool:
    """True when the author of an entry is a monitor, not a person (it has no Slack ID)."""
    return bool(_MONITOR.fullmatch(author))


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert of a group, as the monitor last reported it."""

    fingerprint: str
    status: AlertStatus
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    #: Links the monitor gave, by what they lead to: `source` (the query or rule), `silence`,
    #: `dashboard`, `panel`, `runbook`.
    links: tuple[tuple[str, str], ...] = ()
    #: The values that made it fire, as the monitor wrote them (Grafana's `valueString`).
    value: str = ""

    @property
    def name(self) -> str:
        return self.labels.get("alertname") or self.labels.get("title") or "Alert"

    def describe(self, common: Mapping[str, str] | None = None) -> str:
        """How the timeline names it: `HighErrorRate: Error rate above 5%`, and the labels that
        tell it from the rest of its group (those not `common` to all): `(instance=web-2)`."""
        summary = self.annotations.get("summary") or self.annotations.get("description") or ""
        summary = " ".join(summary.split())
        described = f"{self.name}: {summary}" if summary and summary != self.name else self.name
        common = common or {}
        own = [
            f"{key}={value}"
            for key, value in sorted(self.labels.items())
            if key not in ("alertname", "title") and common.get(key) != value
        ]
        if own and common:
            described += f" ({', '.join(own[:3])})"
        return _clip(described, DESCRIPTION_LIMIT)


@dataclass(frozen=True, slots=True)
class AlertReport:
    """One notification about a group of alerts: who sent it, the group, the alerts in it."""

    source: str
    group_key: str
    status: AlertStatus
    alerts: tuple[Alert, ...]
    common_labels: Mapping[str, str] = field(default_factory=dict)
    common_annotations: Mapping[str, str] = field(default_factory=dict)
    #: Alerts the monitor left out of this report (Alertmanager's `max_alerts`).
    truncated: int = 0
    #: Components the report names itself (`/hooks/incident`); others come from a label.
    components: tuple[str, ...] = ()
    #: Where the report came from, in words (`Alertmanager at http://am:9093`).
    origin: str = ""

    @property
    def firing(self) -> tuple[Alert, ...]:
        return tuple(alert for alert in self.alerts if alert.status == FIRING)

    def describe(self, alert: Alert) -> str:
        return alert.describe(self.common_labels)


@dataclass(frozen=True, slots=True)
class Resolved:
    """An alert that stopped firing: `said` is False when it just left the report unannounced
    (silenced, expired, or its monitor does not send resolutions)."""

    fingerprint: str
    description: str
    said: bool = True


@dataclass(frozen=True, slots=True)
class Changes:
    """What a report says that Watchkeeper did not know: alerts that began or stopped firing."""

    joined: tuple[Alert, ...]
    resolved: tuple[Resolved, ...]
    #: Every alert firing once the report is taken in: fingerprint → description.
    firing: Mapping[str, str]

    def __bool__(self) -> bool:
        return bool(self.joined or self.resolved)


def changes(known: Mapping[str, str], report: AlertReport) -> Changes:
    """Compare a report with the alerts known firing in its group (fingerprint → description).

    A report lists the whole group, so an alert missing from it has stopped firing; unless the
    monitor truncated the report, when only an alert it says is resolved has.
    """
    reported = {alert.fingerprint: alert for alert in report.alerts}
    firing_now = {a.fingerprint: report.describe(a) for a in report.firing}
    joined = tuple(a for a in report.firing if a.fingerprint not in known)
    resolved: list[Resolved] = []
    for fingerprint, description in known.items():
        alert = reported.get(fingerprint)
        if alert is not None and alert.status == RESOLVED:
            # Named as it was when it fired: the report of its end may say less.
            resolved.append(Resolved(fingerprint, description))
        elif alert is None and not report.truncated:
            resolved.append(Resolved(fingerprint, description, said=False))
    if report.truncated:
        # Alerts left out of a truncated report may still fire: keep them.
        gone = {r.fingerprint for r in resolved}
        firing_now = {
            **{fp: d for fp, d in known.items() if fp not in gone},
            **firing_now,
        }
    return Changes(joined, tuple(resolved), firing_now)


def firing_text(alerts: tuple[Alert, ...], report: AlertReport) -> str:
    """The timeline's words for alerts that began firing: `Alert firing: …`."""
    return _listed(
        "Alert firing" if len(alerts) == 1 else f"{len(alerts)} alerts firing",
        [report.describe(alert) for alert in alerts],
    )


def resolved_text(resolved: tuple[Resolved, ...]) -> str:
    """The timeline's words for alerts that stopped firing: `Alert resolved: …`."""
    said = [r.description for r in resolved if r.said]
    unsaid = [r.description for r in resolved if not r.said]
    parts = []
    if said:
        parts.append(
            _listed("Alert resolved" if len(said) == 1 else f"{len(said)} alerts resolved", said)
        )
    if unsaid:
        head = "Alert" if len(unsaid) == 1 else f"{len(unsaid)} alerts"
        parts.append(_listed(f"{head} no longer reported (resolved, silenced or expired)", unsaid))
    return "\n".join(parts)


def fingerprint_of(labels: Mapping[str, str]) -> str:
    """A stable fingerprint for an alert whose monitor gave none: a hash of its labels."""
    text = "\x00".join(f"{key}={value}" for key, value in sorted(labels.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _listed(head: str, descriptions: list[str]) -> str:
    shown = descriptions[:LISTED]
    more = len(descriptions) - len(shown)
    tail = f"; and {more} more" if more > 0 else ""
    return f"{head}: {'; '.join(shown)}{tail}"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
