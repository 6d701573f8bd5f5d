"""The status page as a whole: the overall state, the components, and the history day by day.

Pure functions of the published incidents and today's date in the page's zone; the HTML page
and the Statuspage-shaped JSON both read an `Overview`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from watchkeeper.reports.times import in_zone
from watchkeeper.status.views import Impact, PublicIncident

#: Days of history the page shows, today included.
HISTORY_DAYS = 90


class Indicator(StrEnum):
    """The page's overall state, as Statuspage's `status.indicator`."""

    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"

    @property
    def description(self) -> str:
        """Statuspage's words for the state: `All Systems Operational`."""
        return _DESCRIPTIONS[self]


_DESCRIPTIONS = {
    Indicator.NONE: "All Systems Operational",
    Indicator.MINOR: "Minor Service Outage",
    Indicator.MAJOR: "Partial System Outage",
    Indicator.CRITICAL: "Major Service Outage",
}


class ComponentStatus(StrEnum):
    """A component's state, as Statuspage's component `status`."""

    OPERATIONAL = "operational"
    DEGRADED_PERFORMANCE = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"

    @property
    def label(self) -> str:
        """`Degraded Performance`."""
        return self.value.replace("_", " ").title()


#: The state an open incident of each impact puts its components in.
_COMPONENT_STATUS = {
    Impact.NONE: ComponentStatus.OPERATIONAL,
    Impact.MINOR: ComponentStatus.DEGRADED_PERFORMANCE,
    Impact.MAJOR: ComponentStatus.PARTIAL_OUTAGE,
    Impact.CRITICAL: ComponentStatus.MAJOR_OUTAGE,
}


@dataclass(frozen=True, slots=True)
class ComponentState:
    """A component some public incident named, and its state now."""

    name: str
    status: ComponentStatus
    first_named_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class HistoryDay:
    """One day of the history and the incidents declared on it, newest first."""

    day: date
    incidents: tuple[PublicIncident, ...]


@dataclass(frozen=True, slots=True)
class Overview:
    """What the page shows: state, open incidents, components, and the days, newest first."""

    indicator: Indicator
    open_incidents: tuple[PublicIncident, ...]
    components: tuple[ComponentState, ...]
    days: tuple[HistoryDay, ...]


def history_start(today: date, zone: ZoneInfo, days: int = HISTORY_DAYS) -> datetime:
    """The first moment the history shows: midnight, in the page's zone, `days - 1` days ago."""
    return day_start(today - timedelta(days=days - 1), zone)


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """Midnight of a day in the page's zone, in UTC."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def overview(
    incidents: Sequence[PublicIncident], *, today: date, zone: ZoneInfo, days: int = HISTORY_DAYS
) -> Overview:
    """The page for these incidents on `today`: the history runs back `days` days."""
    newest_first = sorted(incidents, key=lambda i: (i.declared_at, i.public_id), reverse=True)
    open_incidents = tuple(i for i in newest_first if i.is_open)
    worst = max((i.impact for i in open_incidents), key=lambda impact: impact.rank, default=None)
    by_day: dict[date, list[PublicIncident]] = {}
    for incident in newest_first:
        by_day.setdefault(in_zone(incident.declared_at, zone).date(), []).append(incident)
    return Overview(
        indicator=Indicator(worst.value) if worst is not None else Indicator.NONE,
        open_incidents=open_incidents,
        components=_components(newest_first),
        days=tuple(
            HistoryDay(day, tuple(by_day.get(day, ())))
            for day in (today - timedelta(days=back) for back in range(days))
        ),
    )


def _components(incidents: Sequence[PublicIncident]) -> tuple[ComponentState, ...]:
    """Each component named by an incident, in the worst state an open incident gives it."""
    states: dict[str, ComponentState] = {}
    for incident in sorted(incidents, key=lambda i: i.declared_at):
        status = _COMPONENT_STATUS[incident.impact] if incident.is_open else None
        for name in incident.components:
            known = states.get(name)
            if known is None:
                known = ComponentState(
                    name, ComponentStatus.OPERATIONAL, incident.declared_at, incident.updated_at
                )
            worse = status is not None and _rank(status) > _rank(known.status)
            states[name] = ComponentState(
                name,
                status if worse and status is not None else known.status,
                known.first_named_at,
                max(known.updated_at, incident.updated_at),
            )
    return tuple(sorted(states.values(), key=lambda state: state.name.casefold()))


def _rank(status: ComponentStatus) -> int:
    return list(ComponentStatus).index(status)
